// A session recorded by the bridge is re-analysed with the calibration its live analysis used. Offline,
// a file without a still stand in its first 10 s gets a second pass from the best still stand anywhere
// (reps before the late calibration are then counted too); live there is no second pass. The bridge
// writes `calibrationRule: "live"` in the header, and the offline paths (the library, `hinge analyze`)
// then calibrate exactly as the live analysis did.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRecordingLines, createSessionAnalyzer } from '@hinge/analysis';
import type { AnalysisDocument, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { simulateSession, type ScriptStepInput } from '@hinge/simulator';
import { sessionHeader } from '../packages/sensor-bridge/src/server/live-session';
import { main } from '../packages/sensor-bridge/src/cli/main';
import { capturedIO } from '../packages/sensor-bridge/test/captured-io';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hinge = (i: number): ScriptStepInput => ({ kind: 'hinge', trunkDeg: 55 + 6 * i, pelvisDeg: 48 + 5 * i, descentS: 1.8, pauseS: 0.3, ascentS: 1.8 });

/** Swaying and bending with no 1.5 s still moment for ~25 s, then a still stand and two more reps. */
function lateStill() {
  const script: ScriptStepInput[] = [{ kind: 'sway', durationS: 5 }];
  for (let i = 0; i < 5; i++) script.push(hinge(i), { kind: 'pause', durationS: 0.2 });
  script.push({ kind: 'stand', durationS: 4 }, hinge(1), { kind: 'stand', durationS: 2 }, hinge(2), { kind: 'stand', durationS: 3 });
  return simulateSession({ seed: 41, script, noise: 'typical' });
}

/** What a live session computes: one streaming pass, no offline fallback. */
function livePass(header: RecordingHeader, lines: readonly RecordingLine[]): AnalysisDocument {
  const analyzer = createSessionAnalyzer(header);
  for (const line of lines) analyzer.push(line);
  return analyzer.finish();
}

async function cli(args: string[]): Promise<string> {
  const captured = capturedIO();
  expect(await main(args, captured.io), captured.err()).toBe(0);
  return captured.out();
}

describe('calibration of recordings analysed live', () => {
  it('without the header rule the offline fallback diverges from live; with it, offline = live field for field', async () => {
    const { header, lines, truth } = lateStill();
    expect(truth.reps).toHaveLength(7);
    const live = livePass(header, lines);
    expect(live.calibration?.source).toBe('still-standing');
    expect(live.calibration!.start).toBeGreaterThan(20); // found late: only after the bends

    // The divergence this rule closes: a file with no rule gets the best-still second pass.
    const fallback = analyzeRecordingLines(header, lines);
    expect(fallback.calibration?.source).toBe('best-still-offline');
    expect(fallback.reps.length).toBeGreaterThan(live.reps.length);

    // The bridge's header says the file was analysed live ...
    const bridged: RecordingHeader = { ...header, calibrationRule: 'live' };
    expect(sessionHeader(header, { id: 's1', patientId: 'p1', exercise: 'hip-hinge', settings: { painLevel: null } } as never).calibrationRule).toBe('live');
    // ... and every offline path then gives the live document.
    expect(analyzeRecordingLines(bridged, lines)).toEqual(livePass(bridged, lines));
    expect(livePass(bridged, lines)).toEqual(live);
    const dir = mkdtempSync(path.join(tmpdir(), 'hinge-calrule-'));
    dirs.push(dir);
    const file = path.join(dir, 'bridged.jsonl');
    writeFileSync(file, [bridged, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(JSON.parse(await cli(['analyze', file, '--json']))).toEqual(live);
  });
});
