import { describe, expect, it } from 'vitest';
import type { BodyFrame } from './body-angles';
import { correctSlip, createSlipTracker, trackSlip } from './slip';

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
