// Accuracy guards: the figures `pnpm bench` reports, on a smaller sample, so a regression fails CI.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BROAD_DIR, broadRmseDeg, listBroadTrials, loadBroadTrial } from '../bench/broad';
import { evaluateSuite, matchReps } from '../bench/evaluate';
import { evaluateHardCondition, hardConditionOptions } from '../bench/hard-conditions';
import { analyzeRecordingLines, createSessionAnalyzer } from '../packages/analysis/src/session-analyzer';
import { simulateSession } from '@hinge/simulator';

describe('accuracy on simulated sessions (random mountings, typical sensor errors)', () => {
  it('meets the body-angle, rep and fault targets on 8 sessions', () => {
    const r = evaluateSuite([3100, 3101, 3102, 3103, 3104, 3105, 3106, 3107]);
    expect(r.rmse.pelvisDeg).toBeLessThan(1.0);
    expect(r.rmse.trunkDeg).toBeLessThan(1.0);
    expect(r.rmse.lumbarDeg).toBeLessThan(1.5);
    expect(r.p95PeakLumbarErrDeg).toBeLessThan(2);
    expect(r.repF1).toBeGreaterThanOrEqual(0.98);
    for (const f1 of Object.values(r.faultF1)) expect(f1).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});

describe('accuracy under hard conditions (issue 12; bench/hard-conditions.ts, other seeds than pnpm bench)', () => {
  it('gyroscope clipped at 250 deg/s in ballistic reps: trunk and lumbar within 1.5 deg RMS, every peak within 5 deg', () => {
    const r = evaluateHardCondition('clipping', [3200, 3201, 3202, 3203]);
    expect(r.rmse.pelvisDeg).toBeLessThan(1.0);
    expect(r.rmse.trunkDeg).toBeLessThan(1.5);
    expect(r.rmse.lumbarDeg).toBeLessThan(1.5);
    expect(r.maxPeakLumbarErrDeg).toBeLessThan(5);
  }, 120_000);

  it('back-to-back fast reps (descents of 0.4-0.55 s): no transient error above 3 deg while standing after them', () => {
    const r = evaluateHardCondition('fast-reps', [3200, 3201, 3202, 3203]);
    // pelvis, trunk or lumbar error wherever the person stands (truth trunk within 3 deg): what the next rep starts from
    expect(r.maxStandingErrDeg).toBeLessThan(3);
    expect(r.rmse.pelvisDeg).toBeLessThan(1.0);
    expect(r.rmse.lumbarDeg).toBeLessThan(1.5);
  }, 120_000);

  it('35-40 ms between the two clocks: the lag is estimated from the first bends (within 5 ms by 40 s), within 4 ms by the end, and reported', () => {
    for (const seed of [3210, 3211, 3212, 3213]) {
      const sim = simulateSession(hardConditionOptions('lag', seed));
      const [sacrum, thoracic] = sim.header.sensors.map((s) => sim.truth.sensorErrors[s.id]!.clockOffsetS);
      const trueLagMs = (thoracic! - sacrum!) * 1000;
      const analyzer = createSessionAnalyzer(sim.header, {}, { maxPendingAngles: 0 });
      let lagAt40S: number | null = null;
      for (const line of sim.lines) {
        analyzer.push(line);
        if (lagAt40S === null && analyzer.now() >= 40) lagAt40S = analyzer.internals.lag.lagS * 1000;
      }
      const doc = analyzer.finish();
      expect(Math.abs(lagAt40S! - trueLagMs), `seed ${seed} at 40 s`).toBeLessThan(5);
      expect(Math.abs(doc.thoracicLagMs! - trueLagMs), `seed ${seed} at the end`).toBeLessThan(4);
    }
  }, 120_000);

  // Failed before (61 % within one sigma, RMS of error / sigma 1.07 on these seeds): the uncertainty had no term for
  // soft tissue ringing after the stop at the bottom of a bend (lumbar-uncertainty.ts, wobble).
  it('heavy soft tissue: the uncertainty is honest (at least 68 % of the peaks within one sigma, RMS of error / sigma at most 1)', () => {
    let reps = 0, within = 0, z2 = 0;
    for (const seed of [3204, 3205, 3206, 3207, 3208, 3209]) {
      const sim = simulateSession(hardConditionOptions('soft-tissue', seed));
      const doc = analyzeRecordingLines(sim.header, sim.lines);
      for (const [rep, truth] of matchReps(doc.reps, sim.truth.reps)) {
        const z = (rep.peakLumbarDeg! - truth.peakLumbarDeg) / rep.peakLumbarUncertaintyDeg!;
        reps++;
        if (Math.abs(z) <= 1) within++;
        z2 += z * z;
      }
    }
    expect(reps).toBeGreaterThan(60);
    expect(within / reps).toBeGreaterThanOrEqual(0.68);
    expect(Math.sqrt(z2 / reps)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('every rep carries the uncertainty of its peak lumbar flexion, and the truth lies within two of them', () => {
    let reps = 0, within = 0;
    for (const options of [hardConditionOptions('clipping', 3204), hardConditionOptions('soft-tissue', 3204)]) {
      const sim = simulateSession(options);
      const doc = analyzeRecordingLines(sim.header, sim.lines);
      for (const [rep, truth] of matchReps(doc.reps, sim.truth.reps)) {
        expect(rep.peakLumbarUncertaintyDeg).toBeGreaterThan(0.5);
        reps++;
        if (Math.abs(rep.peakLumbarDeg! - truth.peakLumbarDeg) <= 2 * rep.peakLumbarUncertaintyDeg!) within++;
      }
    }
    expect(reps).toBeGreaterThan(20);
    expect(within / reps).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});

describe.skipIf(!existsSync(BROAD_DIR))('orientation accuracy on BROAD (real IMU, optical ground truth)', () => {
  it('mean inclination RMSE over the shipped trials stays better than VQF (0.758 deg)', () => {
    const errors = listBroadTrials().map((name) => broadRmseDeg(loadBroadTrial(name)));
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(errors.length).toBe(9);
    expect(mean).toBeLessThan(0.758);
  }, 120_000);
});
