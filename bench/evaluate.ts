// Accuracy of the analysis against simulated sessions with known truth: body-angle RMSE, peak lumbar
// error per rep, rep counts, rep F1 and per-fault F1. Used by `pnpm bench` and by the accuracy tests.
import { FAULTS, type AnalysisDocument, type Fault, type RepReport } from '@hinge/protocol';
import { analyzeRecordingLines } from '../packages/analysis/src/session-analyzer';
import { simulateSession, type SimulatorOptions, type SimulationTruth, type TruthRep } from '@hinge/simulator';

export interface SessionScore {
  seed: number;
  rmse: { pelvisDeg: number; trunkDeg: number; lumbarDeg: number };
  maxPeakLumbarErrDeg: number;
  /** Largest pelvis, trunk or lumbar error while the person stands (truth trunk within 3 deg), deg: what a rep after a disturbance starts from. */
  maxStandingErrDeg: number;
  truthReps: number;
  detectedReps: number;
  matched: number;
  faults: Record<Fault, { tp: number; fp: number; fn: number }>;
}

/** Pairs detected reps with truth reps whose bottoms are within 1.5 s, greedily by time. */
export function matchReps(detected: RepReport[], truth: TruthRep[]): [RepReport, TruthRep][] {
  const pairs: [RepReport, TruthRep][] = [];
  const used = new Set<number>();
  for (const d of detected) {
    let best = -1;
    let bestDt = 1.5;
    truth.forEach((t, i) => {
      const dt = Math.abs(t.bottom - d.bottom);
      if (!used.has(i) && dt < bestDt) {
        best = i;
        bestDt = dt;
      }
    });
    if (best >= 0) {
      used.add(best);
      pairs.push([d, truth[best]!]);
    }
  }
  return pairs;
}

export function scoreSession(seed: number, doc: AnalysisDocument, truth: SimulationTruth): SessionScore {
  const sq = { pelvisDeg: 0, trunkDeg: 0, lumbarDeg: 0 };
  let n = 0;
  let maxStandingErrDeg = 0;
  const a = doc.angles!;
  const truthIndex = (t: number) => Math.round(t * 100);
  for (let i = 0; i < a.t.length; i++) {
    const k = truthIndex(a.t[i]!);
    const p = a.pelvisDeg[i], tr = a.trunkDeg[i], l = a.lumbarDeg[i];
    if (p === null || tr === null || l === null || p === undefined || tr === undefined || l === undefined) continue;
    if (k >= truth.angles.t.length || Math.abs(truth.angles.t[k]! - a.t[i]!) > 1e-6) continue;
    if (doc.calibration && a.t[i]! < doc.calibration.end) continue;
    sq.pelvisDeg += (p - truth.angles.pelvisDeg[k]!) ** 2;
    sq.trunkDeg += (tr - truth.angles.trunkDeg[k]!) ** 2;
    sq.lumbarDeg += (l - truth.angles.lumbarDeg[k]!) ** 2;
    n++;
    if (Math.abs(truth.angles.trunkDeg[k]!) < 3) {
      const err = Math.max(Math.abs(p - truth.angles.pelvisDeg[k]!), Math.abs(tr - truth.angles.trunkDeg[k]!), Math.abs(l - truth.angles.lumbarDeg[k]!));
      if (err > maxStandingErrDeg) maxStandingErrDeg = err;
    }
  }
  const pairs = matchReps(doc.reps, truth.reps);
  const faults = Object.fromEntries(FAULTS.map((f) => [f, { tp: 0, fp: 0, fn: 0 }])) as SessionScore['faults'];
  const matchedDetected = new Set(pairs.map(([d]) => d));
  const matchedTruth = new Set(pairs.map(([, t]) => t));
  for (const [d, t] of pairs) {
    for (const f of FAULTS) {
      const dh = d.faults.includes(f), th = t.faults.includes(f);
      if (dh && th) faults[f].tp++;
      else if (dh) faults[f].fp++;
      else if (th) faults[f].fn++;
    }
  }
  for (const d of doc.reps) if (!matchedDetected.has(d)) for (const f of d.faults) faults[f].fp++;
  for (const t of truth.reps) if (!matchedTruth.has(t)) for (const f of t.faults) faults[f].fn++;
  return {
    seed,
    rmse: { pelvisDeg: Math.sqrt(sq.pelvisDeg / n), trunkDeg: Math.sqrt(sq.trunkDeg / n), lumbarDeg: Math.sqrt(sq.lumbarDeg / n) },
    maxPeakLumbarErrDeg: Math.max(0, ...pairs.map(([d, t]) => Math.abs((d.peakLumbarDeg ?? NaN) - t.peakLumbarDeg))),
    maxStandingErrDeg,
    truthReps: truth.reps.length,
    detectedReps: doc.reps.length,
    matched: pairs.length,
    faults,
  };
}

export interface SuiteResult {
  sessions: SessionScore[];
  rmse: { pelvisDeg: number; trunkDeg: number; lumbarDeg: number };
  maxPeakLumbarErrDeg: number;
  p95PeakLumbarErrDeg: number;
  /**
   * Honesty of each rep's peakLumbarUncertaintyDeg (sigma): the share of matched reps whose peak lumbar error
   * lies within one sigma (about 0.68 if sigma is right), and the RMS of error / sigma (about 1). Null without reps.
   */
  peakWithinSigmaShare: number | null;
  peakErrOverSigmaRms: number | null;
  maxStandingErrDeg: number;
  exactCountShare: number;
  repF1: number;
  faultF1: Record<Fault, number>;
}

const f1 = (tp: number, fp: number, fn: number) => (tp === 0 ? (fp + fn === 0 ? 1 : 0) : (2 * tp) / (2 * tp + fp + fn));

export function evaluateSuite(seeds: number[], options: Omit<SimulatorOptions, 'seed'> = {}): SuiteResult {
  return evaluateSessions(seeds, (seed) => ({ mounting: 'random', noise: 'typical', ...options, seed }));
}

/** Scores one simulated session per seed, each with the simulator options `optionsOf(seed)`. */
export function evaluateSessions(seeds: number[], optionsOf: (seed: number) => SimulatorOptions): SuiteResult {
  const sessions: SessionScore[] = [];
  const peakErrs: number[] = [];
  /** Peak lumbar error / its reported sigma, per matched rep that has both. */
  const zs: number[] = [];
  for (const seed of seeds) {
    const sim = simulateSession(optionsOf(seed));
    const doc = analyzeRecordingLines(sim.header, sim.lines, {}, { angles: true });
    const score = scoreSession(seed, doc, sim.truth);
    sessions.push(score);
    for (const [d, t] of matchReps(doc.reps, sim.truth.reps)) {
      peakErrs.push(Math.abs((d.peakLumbarDeg ?? NaN) - t.peakLumbarDeg));
      if (d.peakLumbarDeg !== null && d.peakLumbarUncertaintyDeg) zs.push((d.peakLumbarDeg - t.peakLumbarDeg) / d.peakLumbarUncertaintyDeg);
    }
  }
  const rms = (k: keyof SessionScore['rmse']) => Math.sqrt(sessions.reduce((s, x) => s + x.rmse[k] ** 2, 0) / sessions.length);
  const tp = sessions.reduce((s, x) => s + x.matched, 0);
  const fp = sessions.reduce((s, x) => s + x.detectedReps - x.matched, 0);
  const fn = sessions.reduce((s, x) => s + x.truthReps - x.matched, 0);
  const faultF1 = Object.fromEntries(
    FAULTS.map((f) => {
      const c = sessions.reduce((acc, x) => ({ tp: acc.tp + x.faults[f].tp, fp: acc.fp + x.faults[f].fp, fn: acc.fn + x.faults[f].fn }), { tp: 0, fp: 0, fn: 0 });
      return [f, f1(c.tp, c.fp, c.fn)];
    }),
  ) as Record<Fault, number>;
  peakErrs.sort((a, b) => a - b);
  return {
    sessions,
    rmse: { pelvisDeg: rms('pelvisDeg'), trunkDeg: rms('trunkDeg'), lumbarDeg: rms('lumbarDeg') },
    maxPeakLumbarErrDeg: peakErrs[peakErrs.length - 1] ?? 0,
    p95PeakLumbarErrDeg: peakErrs[Math.floor(0.95 * (peakErrs.length - 1))] ?? 0,
    peakWithinSigmaShare: zs.length ? zs.filter((z) => Math.abs(z) <= 1).length / zs.length : null,
    peakErrOverSigmaRms: zs.length ? Math.sqrt(zs.reduce((a, z) => a + z * z, 0) / zs.length) : null,
    maxStandingErrDeg: Math.max(0, ...sessions.map((s) => s.maxStandingErrDeg)),
    exactCountShare: sessions.filter((s) => s.detectedReps === s.truthReps).length / sessions.length,
    repF1: f1(tp, fp, fn),
    faultF1,
  };
}

// Run alone: pnpm exec tsx bench/evaluate.ts [sessions=20] [noise=typical|high|none] [quat]
// prints the sessions with any miss, then the suite's figures.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1])) {
  const n = Number(process.argv[2] ?? 20);
  const noise = (process.argv[3] ?? 'typical') as SimulatorOptions['noise'];
  const quatOnly = process.argv[4] === 'quat';
  const seeds = Array.from({ length: n }, (_, i) => 2000 + i);
  const r = evaluateSuite(seeds, { noise, quatOnly });
  for (const s of r.sessions) {
    const missed = s.detectedReps !== s.truthReps || FAULTS.some((f) => s.faults[f].fp + s.faults[f].fn > 0) || s.maxPeakLumbarErrDeg > 2;
    if (!missed) continue;
    const fl = FAULTS.map((f) => `${f} tp/fp/fn ${s.faults[f].tp}/${s.faults[f].fp}/${s.faults[f].fn}`).join(', ');
    console.log(`seed ${s.seed}: reps ${s.detectedReps}/${s.truthReps} (${s.matched} matched); ${fl}; peak lumbar error ${s.maxPeakLumbarErrDeg.toFixed(2)}`);
  }
  console.log(JSON.stringify({ rmse: r.rmse, maxPeak: r.maxPeakLumbarErrDeg, p95Peak: r.p95PeakLumbarErrDeg, exact: r.exactCountShare, repF1: r.repF1, faultF1: r.faultF1 }));
}
