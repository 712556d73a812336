import { describe, expect, it } from 'vitest';
import type { BodyFrame } from './body-angles';
import { correctSlip, createSlipTracker, followShift, trackSlip } from './slip';

const frame = (t: number, pelvisDeg: number, trunkDeg: number): BodyFrame => ({
  t, pelvisDeg, trunkDeg, lumbarDeg: trunkDeg - pelvisDeg, trunkSideDeg: 0, still: true, sacrumVertAccMS2: 0,
});

/** Stands of 3 s between 4 s bends for `minutes`; the thoracic sensor reads trunkAt(t) extra while standing. */
function session(trunkAt: (tS: number) => number, minutes: number) {
  const s = createSlipTracker();
  const messages: string[] = [];
  let lastStandTrunkDeg = 0;
  for (let t = 0; t < minutes * 60; t += 0.01) {
    const standing = t % 7 < 3;
    const raw = frame(t, 0.1 * Math.sin(t), trunkAt(t) + (standing ? 0 : 40));
    const b = correctSlip(s, raw, 1);
    const m = trackSlip(s, b, standing);
    if (m) messages.push(m);
    if (standing) lastStandTrunkDeg = b.trunkDeg!;
  }
  return { s, messages, lastStandTrunkDeg };
}

describe('slow mounting change', () => {
  it('a thoracic sensor creeping 4 deg over 10 minutes is followed, and warned about at 3 deg', () => {
    const r = session((t) => (4 * t) / 600, 10);
    expect(Math.abs(r.lastStandTrunkDeg)).toBeLessThan(0.5);
    expect(r.s.trunk.offsetDeg).toBeGreaterThan(3.5);
    expect(r.s.pelvis.offsetDeg).toBe(0);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/thoracic sensor has moved about 3\.\d deg/);
  });

  it('a new standing posture from one stand to the next (slouching 4 deg) is not taken for a slip', () => {
    // (A new posture needs movement, so it shows from one still stand to the next: here from the stand at 119 s.)
    const r = session((t) => (t >= 119 ? 4 : 0), 4);
    expect(r.s.trunk.offsetDeg).toBe(0);
    expect(r.messages).toHaveLength(0);
    expect(r.lastStandTrunkDeg).toBeCloseTo(4, 5);
  });

  it('the whole body leaning (pelvis and trunk together) is not taken for a slip', () => {
    const s = createSlipTracker();
    for (let t = 0; t < 600; t += 0.01) {
      const lean = (3 * t) / 600;
      trackSlip(s, correctSlip(s, frame(t, lean, lean * 1.1), 1), t % 7 < 3);
    }
    expect(s.trunk.offsetDeg).toBe(0);
    expect(s.pelvis.offsetDeg).toBe(0);
  });

  it('a new calibration clears the correction', () => {
    const r = session((t) => (4 * t) / 600, 10);
    const b = correctSlip(r.s, frame(601, 0, 4), 2);
    expect(b.trunkDeg).toBe(4);
  });
});

describe('sudden shift of the thoracic sensor', () => {
  /** Raw frames at 100 Hz from `from` to `to` s: pelvis and trunk readings (and side tilt, vertical acceleration) as functions of time. */
  function feed(s: ReturnType<typeof createSlipTracker>, from: number, to: number, pelvis: (t: number) => number, trunk: (t: number) => number, side = 0, accMS2 = 0) {
    const messages: string[] = [];
    for (let k = Math.round(from * 100); k < Math.round(to * 100); k++) {
      const t = k / 100;
      const raw: BodyFrame = { ...frame(t, pelvis(t), trunk(t)), trunkSideDeg: side, still: false, sacrumVertAccMS2: accMS2 };
      correctSlip(s, raw, 1);
      const m = followShift(s, raw, true);
      if (m) messages.push(m);
    }
    return messages;
  }
  const sway = (t: number) => 0.2 * Math.sin(2 * Math.PI * 0.4 * t);

  it('standing upright with the trunk reading 20 deg (pelvis at neutral) re-zeroes the trunk, and the angles read standing again', () => {
    const s = createSlipTracker();
    const messages = feed(s, 0, 3, sway, (t) => 20 + sway(t));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/thoracic sensor has shifted/);
    expect(s.trunk.offsetDeg).toBeCloseTo(20, 0);
    expect(correctSlip(s, frame(3, 0, 20), 1).lumbarDeg).toBeCloseTo(0, 0);
    // Swaying about the ankles (both segments 3 deg together) is standing too; the sensor moving back re-zeroes back.
    const back = feed(s, 3, 6, (t) => 3 * Math.sin(t), (t) => 3 * Math.sin(t));
    expect(back).toHaveLength(1);
    expect(s.trunk.offsetDeg).toBeCloseTo(0, 0);
  });

  it('held still with the pelvis tilted (the bottom of a bend, a whole-body lean), bent to the side, walking, or less than 8 deg off: no re-zero', () => {
    const cases: [string, () => string[]][] = [
      ['pause at the bottom of a hinge', () => feed(createSlipTracker(), 0, 4, () => 12, () => 30)],
      ['side bend with forward lean', () => feed(createSlipTracker(), 0, 4, () => 1, () => 14, 20)],
      ['steps (heel strikes)', () => feed(createSlipTracker(), 0, 4, () => 0, () => 20, 0, 2)],
      ['slouching 6 deg', () => feed(createSlipTracker(), 0, 4, () => -1, () => 5)],
    ];
    for (const [name, run] of cases) expect(run(), name).toHaveLength(0);
  });

  it('a stand shorter than 1.5 s is not evidence enough', () => {
    expect(feed(createSlipTracker(), 0, 1.4, () => 0, () => 20)).toHaveLength(0);
  });
});
