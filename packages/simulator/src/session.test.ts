// Session-level checks: reproducibility, truth against the script, timing, drop-outs, quat-only output,
// the endless stream, and that every line is valid under the recording format.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLineValidator, isEventLine, validateHeader, type RecordingLine, type SampleLine } from '@hinge/protocol';
import { createSimulatorStream, simulateSession } from './session';
import { parseScript, randomSession, REP_KINDS, SimulatorError, type ScriptStepInput } from './script';
import { TRUTH_LUMBAR_LIMIT_DEG } from './truth';

const sampleLines = (lines: RecordingLine[], sensor: string) =>
  lines.filter((l): l is SampleLine => !isEventLine(l) && l.sensor === sensor);

const EXPECTED_FAULTS = { hinge: [], rounded: ['lumbar-rounding'], squat: ['knee-dominant'], fast: ['too-fast'] };

describe('simulateSession', () => {
  it('the same seed gives identical output; another seed does not', () => {
    const a = simulateSession({ seed: 42, script: randomSession(42, { durationS: 40 }) });
    const b = simulateSession({ seed: 42, script: randomSession(42, { durationS: 40 }) });
    const c = simulateSession({ seed: 43, script: randomSession(42, { durationS: 40 }) });
    expect(JSON.stringify(b.lines)).toBe(JSON.stringify(a.lines));
    expect(b.truth).toEqual(a.truth);
    expect(JSON.stringify(c.lines.slice(0, 50))).not.toBe(JSON.stringify(a.lines.slice(0, 50)));
  });

  it('writes only lines a strict reader accepts, in t order', () => {
    const { header, lines } = simulateSession({ seed: 3, script: randomSession(3, { durationS: 40 }), noise: 'high', dropouts: [{ sensor: 'sacrum', start: 20, durationS: 2 }] });
    expect(validateHeader(header).ok).toBe(true);
    const validator = createLineValidator(header);
    for (const line of lines) expect(validator.validate(JSON.parse(JSON.stringify(line)))).toEqual({ ok: true, value: line });
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.t).toBeGreaterThanOrEqual(lines[i - 1]!.t);
  });

  it('samples at the nominal rate, sensors unaligned, jitter within bounds', () => {
    const { lines } = simulateSession({ script: [{ kind: 'stand', durationS: 20 }], seed: 8, sampleRateHz: 50, jitterS: 0.003 });
    const sacrum = sampleLines(lines, 'sacrum').map((l) => l.t);
    const thoracic = sampleLines(lines, 'thoracic').map((l) => l.t);
    for (const times of [sacrum, thoracic]) {
      expect(times.length).toBeGreaterThan(990);
      expect(times.length).toBeLessThan(1010);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.min(...gaps)).toBeGreaterThan(0.02 - 2 * 0.003 - 1e-4);
      expect(Math.max(...gaps)).toBeLessThan(0.02 + 2 * 0.003 + 1e-4);
      expect(new Set(gaps.map((g) => g.toFixed(4))).size).toBeGreaterThan(10); // jittered
    }
    // the two sensors' instants are not the same
    const shared = new Set(sacrum);
    expect(thoracic.filter((t) => shared.has(t)).length).toBeLessThan(20);
  });

  it('a drop-out leaves a gap in that sensor only, with disconnect and reconnect events', () => {
    const { lines } = simulateSession({ seed: 9, script: randomSession(9, { durationS: 30 }), dropouts: [{ sensor: 'thoracic', start: 12, durationS: 1.5 }] });
    const thoracic = sampleLines(lines, 'thoracic').map((l) => l.t);
    const sacrum = sampleLines(lines, 'sacrum').map((l) => l.t);
    expect(thoracic.filter((t) => t >= 12 && t < 13.5)).toEqual([]);
    expect(thoracic.some((t) => t >= 13.5 && t < 13.6)).toBe(true);
    expect(thoracic.some((t) => t > 11.9 && t < 12)).toBe(true);
    expect(sacrum.filter((t) => t >= 12 && t < 13.5).length).toBeGreaterThan(140);
    const events = lines.filter(isEventLine).filter((e) => e.event !== 'calibrate');
    expect(events).toEqual([
      { t: 12, event: 'disconnect', sensor: 'thoracic' },
      { t: 13.5, event: 'reconnect', sensor: 'thoracic' },
    ]);
  });

  it('quat-only devices stream unit quaternions and nothing else', () => {
    const { lines } = simulateSession({ seed: 4, quatOnly: true, script: [{ kind: 'stand', durationS: 2 }, { kind: 'hinge' }] });
    const quats = lines.filter((l): l is SampleLine => !isEventLine(l));
    expect(quats.length).toBeGreaterThan(1000);
    for (const l of quats) {
      expect(l.acc).toBeUndefined();
      expect(Math.abs(Math.hypot(...l.quat!) - 1)).toBeLessThan(1e-5);
    }
  });

  it('emits a calibrate event at the start of a calibration stand', () => {
    const { lines } = simulateSession({ seed: 1, script: [{ kind: 'hinge' }, { kind: 'stand', durationS: 3.5, calibrate: true }, { kind: 'hinge' }] });
    const standStartS = lines.filter(isEventLine)[0]!.t;
    expect(lines.filter(isEventLine)).toEqual([{ t: standStartS, event: 'calibrate', detail: { kind: 'standing' } }]);
    expect(standStartS).toBeGreaterThan(2); // after the first rep
  });

  it('rejects impossible options with a clear error', () => {
    expect(() => simulateSession({ dropouts: [{ sensor: 'knee', start: 1, durationS: 1 }] })).toThrow(SimulatorError);
    expect(() => simulateSession({ sampleRateHz: 100, jitterS: 0.01 })).toThrow(/jitter/);
    expect(() => parseScript([{ kind: 'hinge', trunkDeg: 'deep' }])).toThrow(/trunkDeg/);
    expect(() => parseScript([{ kind: 'backflip' }])).toThrow(/kind must be one of/);
    expect(() => parseScript({})).toThrow(SimulatorError);
  });
});

describe('truth', () => {
  it('reps match the script: one per rep step, peaks and labels as scripted, distractors are not reps', () => {
    const script: ScriptStepInput[] = [
      { kind: 'stand', durationS: 3, calibrate: true },
      { kind: 'hinge', trunkDeg: 70, pelvisDeg: 62, descentS: 2, pauseS: 0, ascentS: 2 },
      { kind: 'rounded', trunkDeg: 80, pelvisDeg: 35, descentS: 2, pauseS: 0, ascentS: 2 },
      { kind: 'sway' },
      { kind: 'squat', trunkDeg: 30, pelvisDeg: 18, hipDropM: 0.35, descentS: 2, pauseS: 0, ascentS: 2 },
      { kind: 'nod', trunkDeg: 13 },
      { kind: 'walk' },
      { kind: 'turn', angleDeg: 180 },
      { kind: 'fast', trunkDeg: 60, pelvisDeg: 52, descentS: 0.6, pauseS: 0, ascentS: 0.6 },
    ];
    const { truth } = simulateSession({ script, seed: 2 });
    expect(truth.reps.map((r) => r.kind)).toEqual(['hinge', 'rounded', 'squat', 'fast']);
    expect(truth.reps.map((r) => r.faults)).toEqual([[], ['lumbar-rounding'], ['knee-dominant'], ['too-fast']]);
    const scripted = [70, 80, 30, 60];
    truth.reps.forEach((rep, i) => {
      expect(rep.index).toBe(i + 1);
      expect(Math.abs(rep.peakTrunkDeg - scripted[i]!)).toBeLessThan(1); // quiet-standing sway is a few tenths
      expect(rep.start).toBeLessThan(rep.bottom);
      expect(rep.bottom).toBeLessThan(rep.end);
      expect(rep.hipShare).toBeCloseTo(rep.peakPelvisDeg / rep.peakTrunkDeg, 1);
    });
    // minimum-jerk: from leaving the 3-degree band to the bottom is about 0.8 of the movement time
    expect(truth.reps[0]!.descentS).toBeGreaterThan(1.5);
    expect(truth.reps[0]!.descentS).toBeLessThan(2);
    expect(truth.reps[3]!.descentS).toBeLessThan(0.6);
    // angles: 100 Hz, lumbar = trunk - pelvis exactly
    const { angles } = truth;
    expect(angles.t[100]).toBe(1);
    angles.t.forEach((_, k) => expect(angles.lumbarDeg[k]).toBeCloseTo(angles.trunkDeg[k]! - angles.pelvisDeg[k]!, 3));
  });

  it('random sessions: every rep step is a rep with the label of its kind, kept clear of the thresholds', () => {
    for (let seed = 100; seed < 110; seed++) {
      const script = randomSession(seed, { durationS: 150 });
      expect(script[0]).toMatchObject({ kind: 'stand', calibrate: true });
      expect(script[0]!.kind === 'stand' && script[0]!.durationS).toBeGreaterThanOrEqual(3);
      const { truth } = simulateSession({ script, seed, sampleRateHz: 5 });
      const repSteps = script.filter((s) => (REP_KINDS as readonly string[]).includes(s.kind));
      expect(truth.reps.map((r) => r.kind)).toEqual(repSteps.map((s) => s.kind));
      for (const rep of truth.reps) {
        expect(rep.faults).toEqual(EXPECTED_FAULTS[rep.kind]);
        if (rep.kind === 'rounded') expect(rep.peakLumbarDeg).toBeGreaterThan(TRUTH_LUMBAR_LIMIT_DEG + 7);
        else expect(rep.peakLumbarDeg).toBeLessThan(TRUTH_LUMBAR_LIMIT_DEG - 4);
        if (rep.kind === 'fast') expect(Math.max(rep.descentS, rep.ascentS)).toBeLessThan(0.8);
        else expect(Math.min(rep.descentS, rep.ascentS)).toBeGreaterThan(1.25);
      }
      // sets of 5-10 reps (the last one may be cut short by the duration)
      expect(truth.reps.length).toBeGreaterThanOrEqual(5);
    }
  });
});

describe('createSimulatorStream', () => {
  it('hands out each line once, in order, up to the asked time, the same in any chunking, and goes on for ever', () => {
    const chunked = createSimulatorStream({ seed: 6 });
    const lines: RecordingLine[] = [];
    for (let t = 0.5; t <= 250; t += 0.5) {
      const batch = chunked.next(t);
      for (const l of batch) expect(l.t).toBeLessThanOrEqual(t);
      lines.push(...batch);
    }
    const once = createSimulatorStream({ seed: 6 }).next(250);
    expect(JSON.stringify(lines)).toBe(JSON.stringify(once));
    // past the first random session (~120 s) samples keep coming at the nominal rate
    const late = sampleLines(once, 'sacrum').filter((l) => l.t > 150 && l.t <= 250);
    expect(late.length).toBeGreaterThan(9900);
    expect(chunked.header.sensors.map((s) => s.id)).toEqual(['sacrum', 'thoracic']);
  });
});

describe('fixtures', () => {
  it('fixtures/*.jsonl are what the simulator makes now (regenerate with `pnpm exec tsx fixtures/generate.ts`)', async () => {
    const { FIXTURES, fixtureOptions, fixtureFile } = await import('../../../fixtures/generate');
    const dir = new URL('../../../fixtures/', import.meta.url);
    for (const { name } of FIXTURES) {
      const { header, lines, truth } = simulateSession(fixtureOptions(name));
      const file = fixtureFile(name);
      const bytes = readFileSync(new URL(file, dir));
      const written = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split('\n');
      expect(written[0]).toBe(JSON.stringify(header));
      for (const k of [1, 1000, lines.length]) expect(written[k], `${file} line ${k + 1}`).toBe(JSON.stringify(lines[k - 1]));
      expect(readFileSync(new URL(`${name}.truth.json`, dir), 'utf8')).toBe(JSON.stringify(truth) + '\n');
    }
  });
});
