import { describe, expect, it } from 'vitest';
import { createUncertaintyTrail, lumbarSigmaDeg, recordUncertainty, trunkRateDegS, uncertaintyAtPeak, type UncertaintyInputs } from './lumbar-uncertainty';

const still: UncertaintyInputs = { pelvisDeg: 0, trunkDeg: 0, trunkRateDegS: 0, lagSigmaS: 0.003, pelvisBridgeDeg: 0, trunkBridgeDeg: 0, pelvisSlipDeg: 0, trunkSlipDeg: 0 };

describe('lumbar uncertainty', () => {
  it('standing still, with the lag known: the two sensors\' orientation errors alone', () => {
    expect(lumbarSigmaDeg(still)).toBeCloseTo(Math.SQRT2 * 0.5, 2);
  });

  it('each contribution adds in quadrature: soft tissue grows with the bend, lag with the trunk rate, bridges and slip as they are', () => {
    const base = lumbarSigmaDeg(still);
    const bent = lumbarSigmaDeg({ ...still, pelvisDeg: 40, trunkDeg: 80 });
    expect(bent ** 2 - base ** 2).toBeCloseTo((0.02 * 40) ** 2 + (0.02 * 80) ** 2, 6);
    // 20 ms of unknown lag at 100 deg/s is 2 deg
    const lagging = lumbarSigmaDeg({ ...still, trunkRateDegS: 100, lagSigmaS: 0.02 });
    expect(lagging ** 2 - base ** 2).toBeCloseTo(4, 6);
    // no lag estimate yet: an offset anywhere within +-40 ms
    const unknown = lumbarSigmaDeg({ ...still, trunkRateDegS: 100, lagSigmaS: null });
    expect(unknown ** 2 - base ** 2).toBeCloseTo((100 * 0.04) ** 2 / 3, 6);
    const clipped = lumbarSigmaDeg({ ...still, trunkBridgeDeg: 1.5, pelvisSlipDeg: 2 });
    expect(clipped ** 2 - base ** 2).toBeCloseTo(1.5 ** 2 + 4, 6);
  });

  it('a rep gets the uncertainty of the frame where its lumbar flexion peaks, within its own time span', () => {
    const trail = createUncertaintyTrail(64);
    for (let k = 0; k < 200; k++) {
      const t = k * 0.01;
      const lumbar = k < 100 ? 30 * Math.sin((Math.PI * k) / 100) : 50; // a peak of 30 at 0.5 s, then 50 (after the rep)
      recordUncertainty(trail, t, lumbar, k === 50 ? 3.3 : 1);
    }
    // the ring holds only the last 64 frames (1.36-1.99 s): a rep before them has no uncertainty kept
    expect(uncertaintyAtPeak(trail, 0.2, 0.9)).toBeNull();
    const wide = createUncertaintyTrail(1000);
    for (let k = 0; k < 200; k++) recordUncertainty(wide, k * 0.01, k < 100 ? 30 * Math.sin((Math.PI * k) / 100) : 50, k === 50 ? 3.3 : 1);
    expect(uncertaintyAtPeak(wide, 0.2, 0.9)).toBeCloseTo(3.3, 2); // a smooth peak: no wobble to add
  });

  // Failed before: the uncertainty had no wobble term, so a peak read on the crest of soft tissue ringing after
  // the stop at the bottom (heavy soft tissue, fast reps: errors of 4-5 deg) kept the 1-2 deg of a calm one.
  it('a peak on soft-tissue ringing gets the ringing\'s amplitude added; the same bend without ringing does not', () => {
    const bend = (t: number) => 40 * Math.sin((Math.PI * Math.min(t, 2)) / 2); // a 2 s bend to 40 deg (the peak at 1 s)
    const ringing = (t: number) => (t < 1 ? 0 : 3 * Math.exp(-(t - 1) / 0.15) * Math.sin(2 * Math.PI * 8 * (t - 1))); // 3 deg at 8 Hz after the stop
    const calm = createUncertaintyTrail(1000), ringy = createUncertaintyTrail(1000);
    for (let k = 0; k <= 300; k++) {
      const t = k * 0.01;
      recordUncertainty(calm, t, bend(t), 1);
      recordUncertainty(ringy, t, bend(t) + ringing(t), 1);
    }
    expect(uncertaintyAtPeak(calm, 0, 2.5)).toBeCloseTo(1, 2);
    // the reading's largest excess over the bend is its error: the uncertainty covers nearly all of it (the local
    // fit absorbs some 15 % of the first crest, which starts abruptly)
    const sigma = uncertaintyAtPeak(ringy, 0, 2.5)!;
    const peakErr = Math.max(...Array.from({ length: 301 }, (_, k) => bend(k * 0.01) + ringing(k * 0.01))) - 40;
    expect(sigma).toBeGreaterThan(Math.hypot(1, peakErr) * 0.85);
    expect(sigma).toBeLessThan(Math.hypot(1, 3.5));
  });

  it('the trunk rate comes from consecutive frames, and is 0 across missing angles', () => {
    const trail = createUncertaintyTrail(8);
    expect(trunkRateDegS(trail, 0, 10)).toBe(0);
    expect(trunkRateDegS(trail, 0.01, 11)).toBeCloseTo(100, 6);
    expect(trunkRateDegS(trail, 0.02, null)).toBe(0);
    expect(trunkRateDegS(trail, 0.03, 12)).toBe(0);
  });
});
