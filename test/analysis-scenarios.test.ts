// The analysis on scripted simulated sessions: each fault, each distractor, calibration problems,
// drop-outs, quaternion-only devices and live alert timing. Sessions come from the simulator
// (random mountings, typical sensor errors) with exact ground truth.
import { describe, expect, it } from 'vitest';
import type { AnalysisDocument, AnalysisEvent, Quat, RecordingHeader, RecordingLine, SampleLine, Vec3 } from '@hinge/protocol';
import { analyzeRecordingLines, createSessionAnalyzer, conjugate, fromAxisAngle, rotate } from '@hinge/analysis';
import { simulateSession, type ScriptStepInput } from '@hinge/simulator';

const stand = (durationS = 4): ScriptStepInput => ({ kind: 'stand', durationS });
const hinge = (over: Record<string, number> = {}): ScriptStepInput => ({ kind: 'hinge', trunkDeg: 70, pelvisDeg: 62, descentS: 1.8, pauseS: 0.3, ascentS: 1.8, ...over });

/** Pushes lines one by one as a live session would, collecting the events as they come. */
function runLive(header: RecordingHeader, lines: RecordingLine[]): { doc: AnalysisDocument; events: AnalysisEvent[] } {
  const analyzer = createSessionAnalyzer(header);
  const events: AnalysisEvent[] = [];
  for (const line of lines) {
    analyzer.push(line);
    events.push(...analyzer.takeEvents());
  }
  return { doc: analyzer.finish(), events };
}

function run(script: ScriptStepInput[], seed = 11, options: Parameters<typeof simulateSession>[0] = {}) {
  const sim = simulateSession({ seed, mounting: 'random', noise: 'typical', script, ...options });
  return { sim, doc: analyzeRecordingLines(sim.header, sim.lines) };
}

describe('faults', () => {
  it('clean hip hinges: counted, no faults, angles close to the truth', () => {
    const { sim, doc } = run([stand(), hinge(), stand(2), hinge({ trunkDeg: 85, pelvisDeg: 75 }), stand(2), hinge({ trunkDeg: 55, pelvisDeg: 48 }), stand(3)]);
    expect(doc.reps).toHaveLength(3);
    expect(doc.reps.every((r) => r.faults.length === 0)).toBe(true);
    doc.reps.forEach((r, i) => {
      const t = sim.truth.reps[i]!;
      expect(Math.abs(r.peakTrunkDeg - t.peakTrunkDeg)).toBeLessThan(2);
      expect(Math.abs(r.peakPelvisDeg! - t.peakPelvisDeg)).toBeLessThan(2);
      expect(Math.abs(r.hipShare! - t.hipShare)).toBeLessThan(0.05);
      expect(Math.abs(r.descentS - t.descentS)).toBeLessThan(0.4);
    });
  });

  it('lumbar rounding is flagged with its numbers, and alerted live before the rep ends', () => {
    const { sim } = run([stand(), hinge(), stand(2), { kind: 'rounded', trunkDeg: 75, pelvisDeg: 35, descentS: 2, pauseS: 0.5, ascentS: 2 }, stand(3)]);
    const { doc, events } = runLive(sim.header, sim.lines);
    expect(doc.reps.map((r) => r.faults)).toEqual([[], ['lumbar-rounding']]);
    const detail = doc.reps[1]!.faultDetails![0]!;
    expect(detail.values.peakLumbarDeg).toBeGreaterThan(35);
    expect(detail.values.lumbarLimitDeg).toBe(20);
    const alert = events.find((e) => e.type === 'alert' && e.fault === 'lumbar-rounding')!;
    const completed = events.find((e) => e.type === 'rep-completed' && e.rep.index === 2)!;
    expect(alert.t).toBeLessThan(completed.t - 1);
    // Within 100 ms of the moment the true lumbar angle crossed the limit.
    const a = sim.truth.angles;
    const crossing = a.t.find((t, i) => a.lumbarDeg[i]! > 20)!;
    expect(alert.t - crossing).toBeGreaterThanOrEqual(-0.05);
    expect(alert.t - crossing).toBeLessThan(0.1);
  });

  it('a lower lumbar limit setting flags a rep the default does not', () => {
    const { sim } = run([stand(), hinge({ trunkDeg: 70, pelvisDeg: 55 }), stand(3)]);
    expect(analyzeRecordingLines(sim.header, sim.lines).reps[0]!.faults).toEqual([]);
    expect(analyzeRecordingLines(sim.header, sim.lines, { lumbarLimitDeg: 10 }).reps[0]!.faults).toEqual(['lumbar-rounding']);
  });

  it('a squat is a rep flagged knee-dominant, with the sacrum sink measured', () => {
    const { sim, doc } = run([stand(), hinge(), stand(2), { kind: 'squat', trunkDeg: 35, pelvisDeg: 20, hipDropM: 0.35, descentS: 2, pauseS: 0.5, ascentS: 2 }, stand(3)]);
    expect(doc.reps.map((r) => r.faults)).toEqual([[], ['knee-dominant']]);
    expect(doc.reps[0]!.sacrumDropM!).toBeLessThan(0.08);
    expect(Math.abs(doc.reps[1]!.sacrumDropM! - sim.truth.reps[1]!.sacrumDropM)).toBeLessThan(0.05);
  });

  it('a squat with an upright trunk (under 20 deg) still counts, by the sacrum sinking', () => {
    const { doc } = run([stand(), { kind: 'squat', trunkDeg: 12, pelvisDeg: 6, hipDropM: 0.35, descentS: 1.8, pauseS: 0.5, ascentS: 1.8 }, stand(3)]);
    expect(doc.reps).toHaveLength(1);
    expect(doc.reps[0]!.faults).toEqual(['knee-dominant']);
    expect(doc.reps[0]!.peakTrunkDeg).toBeLessThan(20);
  });

  it('too fast: a 0.6 s descent is flagged, a 1.5 s one is not', () => {
    const { doc } = run([stand(), hinge({ descentS: 1.5, ascentS: 1.5 }), stand(2), hinge({ descentS: 0.6, pauseS: 0, ascentS: 1.6 }), stand(3)]);
    expect(doc.reps.map((r) => r.faults)).toEqual([[], ['too-fast']]);
    expect(doc.reps[1]!.faultDetails![0]!.values.descentS).toBeLessThan(0.8);
  });
});

describe('distractors are not reps', () => {
  it('swaying, turning round, walking, nodding and a partial bend of 15 deg', () => {
    const { doc } = run([
      stand(),
      hinge(),
      { kind: 'sway', durationS: 6 },
      { kind: 'turn', angleDeg: 180, durationS: 2 },
      { kind: 'walk', durationS: 5 },
      { kind: 'turn', angleDeg: 180, durationS: 2 },
      { kind: 'nod', trunkDeg: 12, durationS: 2.5 },
      { kind: 'hinge', trunkDeg: 15, pelvisDeg: 12, descentS: 1.2, pauseS: 0, ascentS: 1.2 },
      stand(2),
      hinge(),
      stand(3),
    ]);
    expect(doc.reps).toHaveLength(2);
  });

  it('a pause at the bottom and a shallow (25 deg) rep still count once each', () => {
    const { doc } = run([stand(), hinge({ pauseS: 4 }), stand(2), hinge({ trunkDeg: 26, pelvisDeg: 21 }), stand(3)]);
    expect(doc.reps).toHaveLength(2);
    expect(doc.reps[0]!.descentS).toBeLessThan(2.4);
    expect(doc.reps[0]!.end - doc.reps[0]!.start).toBeGreaterThan(6);
  });

  it('continuous reps without standing still between them are separated', () => {
    const { doc } = run([stand(), hinge(), hinge(), hinge(), stand(3)]);
    expect(doc.reps).toHaveLength(3);
  });
});

describe('sets', () => {
  it('a pause over 30 s starts a new set, and each set is summarised', () => {
    const { doc } = run([stand(), hinge(), stand(2), hinge(), stand(35), hinge(), stand(3)]);
    expect(doc.reps.map((r) => r.set)).toEqual([1, 1, 2]);
    expect(doc.summary.sets!.map((s) => s.repCount)).toEqual([2, 1]);
  });
});

describe('sensor problems', () => {
  it('a thoracic drop-out in the middle of a rep leaves a gap, keeps the rep and says so', () => {
    const script = [stand(), hinge(), stand(2), hinge({ descentS: 2, pauseS: 1, ascentS: 2 }), stand(3)];
    const clean = run(script);
    const bottom = clean.sim.truth.reps[1]!.bottom;
    const { doc } = run(script, 11, { dropouts: [{ sensor: 'thoracic', start: bottom - 0.6, durationS: 1.2 }] });
    expect(doc.reps).toHaveLength(2);
    expect(doc.reps[1]!.missingS).toBeGreaterThan(0.8);
    expect(doc.warnings.some((w) => w.startsWith('rep 2: thoracic data missing'))).toBe(true);
    const withAngles = analyzeRecordingLines(clean.sim.header, clean.sim.lines.filter((l) => !('sensor' in l && l.sensor === 'thoracic' && l.t > bottom - 0.6 && l.t < bottom + 0.6)), {}, { angles: true });
    const a = withAngles.angles!;
    const inGap = a.t.map((t, i) => [t, a.trunkDeg[i]] as const).filter(([t]) => t > bottom - 0.4 && t < bottom + 0.4);
    expect(inGap.length).toBeGreaterThan(50);
    expect(inGap.every(([, v]) => v === null)).toBe(true);
  });

  it('devices that stream only a quaternion: reps counted, knee dominance reported as not assessable', () => {
    const { doc } = run([stand(), hinge(), stand(2), { kind: 'rounded', trunkDeg: 75, pelvisDeg: 35 }, stand(3)], 12, { quatOnly: true });
    expect(doc.reps.map((r) => r.faults)).toEqual([[], ['lumbar-rounding']]);
    expect(doc.warnings.some((w) => w.startsWith('knee-dominant reps cannot be told apart'))).toBe(true);
  });

  it('no still standing period: calibration is impossible, and the live stream says so after 10 s', () => {
    const { sim } = run([{ kind: 'sway', durationS: 8 }, hinge(), hinge(), { kind: 'walk', durationS: 5 }], 13, { noise: 'typical' });
    const { doc, events } = runLive(sim.header, sim.lines);
    expect(doc.calibration).toBeNull();
    expect(doc.warnings.some((w) => w.startsWith('calibration impossible'))).toBe(true);
    const warning = events.find((e) => e.type === 'calibration-warning')!;
    expect(warning.message).toMatch(/^not calibrated yet/);
  });
});

describe('calibration', () => {
  /** Turns the thoracic sensor on the skin by 15 deg about the trunk's left-right axis from time tSlip on. */
  function slipThoracic(lines: RecordingLine[], tSlip: number, mount: Quat): RecordingLine[] {
    const leftInSensor = rotate(conjugate(mount), [0, 1, 0]);
    const q = fromAxisAngle(leftInSensor, (15 * Math.PI) / 180);
    const turn = (v: Vec3) => rotate(conjugate(q), v);
    return lines.map((l) => {
      const s = l as SampleLine;
      if (s.sensor !== 'thoracic' || s.t < tSlip || !s.acc || !s.gyr) return l;
      return { ...s, acc: turn(s.acc), gyr: turn(s.gyr) };
    });
  }

  it('warns when a sensor has slipped, and a calibrate event re-zeroes the angles', () => {
    const { sim } = run([stand(), hinge(), stand(4), hinge(), stand(6), hinge(), stand(4)], 14);
    const slipAt = sim.truth.reps[0]!.end + 1;
    const lines = slipThoracic(sim.lines, slipAt, sim.truth.mountings.thoracic!);
    const stale = analyzeRecordingLines(sim.header, lines);
    // A 15 deg turn of the thoracic sensor while the pelvis stands upright: taken for a shift and re-zeroed
    // on the next quiet stand (slip.ts, followShift), which says so and asks for recalibration.
    expect(stale.warnings.some((w) => w.includes('thoracic sensor has shifted on the skin'))).toBe(true);
    expect(stale.reps).toHaveLength(3);
    // Live, the warning says a recalibration would fix it (the dashboard's one-click button beside it).
    const live = createSessionAnalyzer(sim.header);
    for (const line of lines) live.push(line);
    live.finish();
    const warnings = live.takeEvents().filter((e) => e.type === 'calibration-warning');
    expect(warnings.find((e) => e.message.includes('thoracic sensor has shifted on the skin'))).toMatchObject({ recalibrate: true });

    const recalibrateAt = sim.truth.reps[1]!.end + 1;
    const withEvent = [...lines, { t: recalibrateAt, event: 'calibrate' }].sort((a, b) => a.t - b.t);
    const fixed = analyzeRecordingLines(sim.header, withEvent, {}, { angles: true });
    const a = fixed.angles!;
    const standing = a.t.map((t, i) => [t, a.trunkDeg[i]] as const).filter(([t]) => t > sim.truth.reps[2]!.end + 1);
    expect(standing.length).toBeGreaterThan(100);
    expect(Math.max(...standing.map(([, v]) => Math.abs(v ?? 99)))).toBeLessThan(3);
  });

  it('reports when the first bend has shown the flexion axis (the wizard\'s second step), not before', () => {
    const { sim } = run([stand(), { kind: 'sway', durationS: 4 }, hinge(), stand(3)]);
    const { events } = runLive(sim.header, sim.lines);
    const axis = events.filter((e) => e.type === 'bend-axis');
    expect(axis).toHaveLength(1);
    const rep = sim.truth.reps[0]!;
    expect(axis[0]!.t).toBeGreaterThan(rep.start);
    expect(axis[0]!.t).toBeLessThan(rep.end);
  });

  it('the first still standing period is the neutral: angles read about 0 there', () => {
    const { doc } = run([stand(5), hinge(), stand(3)]);
    expect(doc.calibration!.start).toBeLessThan(1);
    expect(doc.calibration!.end).toBeGreaterThan(2);
  });

  it('warns when the pain level is above the range the hip hinge suits', () => {
    const { sim } = run([stand(), hinge(), stand(3)]);
    const doc = analyzeRecordingLines(sim.header, sim.lines, { painLevel: 7 });
    expect(doc.warnings[0]).toMatch(/^pain level 7\/10 is above 5/);
  });
});

describe('recordings that bend the rules', () => {
  it('a wrong nominal rate in the header (50 Hz data said to be 100 Hz) still gives the right reps', () => {
    const squat: ScriptStepInput = { kind: 'squat', trunkDeg: 35, pelvisDeg: 20, hipDropM: 0.35, descentS: 2, pauseS: 0.5, ascentS: 2 };
    const { sim } = run([stand(), hinge(), stand(2), squat, stand(3)], 15, { sampleRateHz: 50 });
    const header = { ...sim.header, sensors: sim.header.sensors.map((s) => ({ ...s, sampleRateHz: 100 })) };
    const doc = analyzeRecordingLines(header, sim.lines);
    expect(doc.reps.map((r) => r.faults)).toEqual([[], ['knee-dominant']]);
  });

  it('accelerations written in g instead of m/s^2: angles and the sacrum sink come out the same', () => {
    const { sim, doc } = run([stand(), { kind: 'squat', trunkDeg: 35, pelvisDeg: 20, hipDropM: 0.35, descentS: 2, pauseS: 0.5, ascentS: 2 }, stand(3)], 16);
    const inG = sim.lines.map((l) => {
      const sample = l as SampleLine;
      return sample.acc ? { ...sample, acc: sample.acc.map((v) => v / 9.81) as Vec3 } : l;
    });
    const docG = analyzeRecordingLines(sim.header, inG);
    expect(docG.reps).toHaveLength(1);
    expect(Math.abs(docG.reps[0]!.peakTrunkDeg - doc.reps[0]!.peakTrunkDeg)).toBeLessThan(0.5);
    expect(Math.abs(docG.reps[0]!.sacrumDropM! - doc.reps[0]!.sacrumDropM!)).toBeLessThan(0.02);
  });
});
