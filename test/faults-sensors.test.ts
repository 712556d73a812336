// Fault injection on the sensor side, end to end through the analysis (and through the recording
// reader where the fault is in a file): a sensor disconnecting mid-rep and coming back, one sensor
// silent, duplicated, reordered and late packets, clock jumps of both sensors, of one, and of a
// device's own counter. One simulated session (6 reps, ground truth known) is damaged in each way.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRecordingLines } from '@hinge/analysis';
import type { AnalysisDocument, RecordingLine } from '@hinge/protocol';
import { simulateSession, type ScriptStepInput } from '@hinge/simulator';
import { writeRecordingFile } from '../packages/sensor-bridge/src/recording/writer';
import { readRecording } from '../packages/sensor-bridge/src/recording/reader';
import { createSampleClock } from '../packages/sensor-bridge/src/ble/clock';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'hinge-faults-sensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT: ScriptStepInput[] = [
  { kind: 'stand', durationS: 5, calibrate: true },
  ...['hinge', 'rounded', 'hinge', 'squat', 'hinge', 'rounded'].flatMap((kind): ScriptStepInput[] => [{ kind } as ScriptStepInput, { kind: 'pause', durationS: 1.5 }]),
  { kind: 'stand', durationS: 3 },
];
const SEED = 77;
const base = simulateSession({ seed: SEED, script: SCRIPT });
const truth = base.truth;
const analyze = (lines: Iterable<RecordingLine>): AnalysisDocument => analyzeRecordingLines(base.header, lines, {}, { angles: true });
const clean = analyze(base.lines);
const nullAngles = (doc: AnalysisDocument) => doc.angles!.lumbarDeg.filter((v) => v === null).length;
const isSample = (l: RecordingLine) => !('event' in l);
const sensorOf = (l: RecordingLine) => ('sensor' in l ? l.sensor : undefined);

/** Every detected rep matches a truth rep (bottom within 1.5 s) with peak lumbar within `tolDeg` and the same faults. */
function expectRepsLikeTruth(doc: AnalysisDocument, options: { tolDeg?: number; skip?: number[] } = {}): void {
  const tol = options.tolDeg ?? 2;
  const expected = truth.reps.filter((_, i) => !options.skip?.includes(i));
  expect(doc.reps).toHaveLength(expected.length);
  for (const t of expected) {
    const d = doc.reps.find((r) => Math.abs(r.bottom - t.bottom) < 1.5);
    expect(d, `rep at ${t.bottom} s`).toBeDefined();
    expect(Math.abs(d!.peakLumbarDeg! - t.peakLumbarDeg)).toBeLessThanOrEqual(tol);
    expect([...d!.faults].sort()).toEqual([...t.faults].sort());
  }
}

/** Moves one sensor's lines later in the stream by `lagS` (their t unchanged), as a slow BLE link does. */
function delayInStream(lines: RecordingLine[], sensor: string, lagS: number): RecordingLine[] {
  return lines
    .map((line, i) => ({ line, i, key: sensorOf(line) === sensor && isSample(line) ? line.t + lagS : line.t }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.line);
}

const rep3 = truth.reps[2]!;
const between3and4 = (truth.reps[2]!.end + truth.reps[3]!.start) / 2;

it('the undamaged session is analysed like its ground truth (the reference for every fault below)', () => {
  expect(truth.reps).toHaveLength(6);
  expectRepsLikeTruth(clean);
  expect(clean.warnings).toEqual([]);
});

describe('a sensor disconnects mid-rep and comes back', () => {
  for (const sensor of ['thoracic', 'sacrum']) {
    it(`${sensor}: 1.5 s gap at the bottom of rep 3; every rep is still counted, the gap is reported, the other reps are exact`, () => {
      const { lines } = simulateSession({ seed: SEED, script: SCRIPT, dropouts: [{ sensor, start: rep3.bottom - 0.5, durationS: 1.5 }] });
      expect(lines.filter((l) => 'event' in l && l.sensor === sensor).map((l) => ('event' in l ? l.event : ''))).toEqual(['disconnect', 'reconnect']);
      const doc = analyze(lines);
      expectRepsLikeTruth(doc, { skip: [], tolDeg: 2.5 });
      expect(doc.warnings.join('\n')).toContain(`sensor "${sensor}" had 1 gap(s)`);
      // Angles are missing for the gap (about 150 samples) and come back after it, never invented.
      expect(nullAngles(doc) - nullAngles(clean)).toBeGreaterThan(100);
      expect(nullAngles(doc) - nullAngles(clean)).toBeLessThan(250);
    });
  }

  it('thoracic: a 6 s gap swallowing rep 3 loses that rep only; the reps after reconnecting are exact', () => {
    const { lines } = simulateSession({ seed: SEED, script: SCRIPT, dropouts: [{ sensor: 'thoracic', start: rep3.start + 0.2, durationS: 6 }] });
    const doc = analyze(lines);
    expectRepsLikeTruth(doc, { skip: [2] });
  });
});

describe('one sensor silent', () => {
  const silent = base.lines.filter((l) => sensorOf(l) !== 'thoracic' || !isSample(l));

  it('the analysis says which sensor sent nothing and that calibration was impossible, and counts no reps', () => {
    const doc = analyze(silent);
    expect(doc.reps).toEqual([]);
    expect(doc.calibration).toBeNull();
    expect(doc.warnings.join('\n')).toContain('sensor "thoracic" sent no usable samples');
    expect(doc.warnings.join('\n')).toContain('calibration impossible');
  });

  it('`hinge analyze` on such a file ends with a one-line error, not a stack trace', async () => {
    const file = path.join(dir, 'silent.jsonl');
    await writeRecordingFile(file, base.header, silent);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'packages/sensor-bridge/src/cli/main.ts', 'analyze', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/calibration impossible/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('duplicated, reordered and late packets', () => {
  it('every packet twice (same t): identical reps and peaks', () => {
    const doc = analyze(base.lines.flatMap((l) => (isSample(l) ? [l, { ...l }] : [l])));
    expect(doc.reps).toEqual(clean.reps);
  });

  // 10 % of each sensor's samples swapped with the next one of the same sensor.
  const reordered = (() => {
    const out = [...base.lines];
    let state = 12345;
    const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
    for (const sensor of ['sacrum', 'thoracic']) {
      const at = out.flatMap((l, i) => (sensorOf(l) === sensor && isSample(l) ? [i] : []));
      for (let k = 0; k + 1 < at.length; k++) {
        if (random() < 0.1) {
          [out[at[k]!], out[at[k + 1]!]] = [out[at[k + 1]!]!, out[at[k]!]!];
          k++;
        }
      }
    }
    return out;
  })();

  it('reordered samples in a file: the reader skips and counts the ones that went back in time; reps and faults stay exact', async () => {
    const file = path.join(dir, 'reordered.jsonl');
    await writeRecordingFile(file, base.header, reordered);
    const { lines, stats } = await readRecording(file, { mode: 'lenient' });
    expect(stats.badLines).toBeGreaterThan(100);
    expectRepsLikeTruth(analyze(lines));
  });

  it('reordered samples pushed straight into the analysis (a faulty source): no error, reps and faults exact', () => {
    expectRepsLikeTruth(analyze(reordered));
  });

  it('one sensor 0.2 s behind the other in arrival order (within the grid wait): identical reps, as many angles', () => {
    const doc = analyze(delayInStream(base.lines, 'thoracic', 0.2));
    expect(doc.reps).toEqual(clean.reps);
    expect(Math.abs(nullAngles(doc) - nullAngles(clean))).toBeLessThanOrEqual(5);
  });

  // Found by this test and fixed: the time grid used to wait only 0.3 s for the slower sensor; it now waits
  // 1 s, so a radio link lagging 0.5 s in arrival order loses no angles.
  it('one sensor 0.5 s behind the other in arrival order: angles as complete as without the lag', () => {
    const doc = analyze(delayInStream(base.lines, 'thoracic', 0.5));
    expect(nullAngles(doc)).toBeLessThan(nullAngles(clean) + 50);
  });
});

describe('clock jumps', () => {
  it('both sensors jump 20 s forward between reps (bridge suspended): the gap is reported, every rep is exact', () => {
    const jumped = base.lines.map((l) => (l.t > between3and4 ? { ...l, t: l.t + 20 } : l));
    const doc = analyze(jumped);
    expect(doc.warnings.join('\n')).toMatch(/gap/);
    const shiftedTruth = truth.reps.map((r) => (r.bottom > between3and4 ? { ...r, bottom: r.bottom + 20 } : r));
    expect(doc.reps.map((r) => Math.round(r.bottom))).toEqual(shiftedTruth.map((r) => Math.round(r.bottom)));
    expect(doc.reps.map((r) => r.faults)).toEqual(clean.reps.map((r) => r.faults));
  });

  it('one sensor jumps 5 s back (its clock reset): the reader drops what went back, the rest is analysed, nothing throws', async () => {
    const file = path.join(dir, 'back.jsonl');
    await writeRecordingFile(file, base.header, base.lines.map((l) => (sensorOf(l) === 'thoracic' && l.t > between3and4 ? { ...l, t: l.t - 5 } : l)));
    const { lines, stats } = await readRecording(file, { mode: 'lenient' });
    expect(stats.badLines).toBeGreaterThan(400); // 5 s of 100 Hz samples that went back
    const doc = analyze(lines);
    // Reps before the jump are exact; after it the thoracic data resumes 5 s later in the file.
    expectRepsLikeTruth({ ...doc, reps: doc.reps.filter((r) => r.bottom < between3and4) }, { skip: [3, 4, 5] });
  });

  // Was a known weakness (a 0.5 s step in one sensor's time shifted it against the other for the rest of
  // the session): the analysis now sees that the sensor's samples kept arriving through the "gap" and
  // takes the step into its lag correction at once (lag-estimator.ts); the lag is reported.
  it('one sensor jumps 0.5 s forward: later reps keep their peaks and faults', () => {
    const doc = analyze(base.lines.map((l) => (sensorOf(l) === 'thoracic' && l.t > between3and4 ? { ...l, t: l.t + 0.5 } : l)));
    expectRepsLikeTruth(doc, { tolDeg: 3 });
    expect(doc.thoracicLagMs).toBeGreaterThan(450);
    expect(doc.thoracicLagMs).toBeLessThan(550);
  });

  it('a device counter that jumps back (device reset without disconnect): times stay finite, and after the bridge keeps them monotonic they follow arrival again within the offset window', () => {
    const periodS = 0.01;
    const clock = createSampleClock({ periodS, hasDeviceTime: true, deviceWrapS: 2 ** 32 / 1e6, offsetWindowS: 10 });
    let lastT = -Infinity;
    let frozenS = 0;
    for (let k = 0; k < 4000; k++) {
      const arrivalS = 100 + k * periodS + 0.02;
      const deviceTimeS = k < 1000 ? 50 + k * periodS : 3 + (k - 1000) * periodS; // counter restarts at sample 1000
      const { t } = clock.stamp(arrivalS, { deviceTimeS });
      expect(Number.isFinite(t)).toBe(true);
      const monotonic = Math.max(t, lastT); // what the live source does before emitting a line
      if (monotonic === lastT) frozenS += periodS;
      lastT = monotonic;
      if (k === 3999) expect(Math.abs(monotonic - arrivalS)).toBeLessThan(0.05);
    }
    // Until the windowed offset forgets the old counter, times are held: at most the 10 s window.
    expect(frozenS).toBeGreaterThan(0);
    expect(frozenS).toBeLessThanOrEqual(10 + 1e-6);
  });
});
