// Orientation error trace across back-to-back fast reps (issue 12, "after fast motion"): one simulated
// session of the fast-reps hard condition, analysed as `hinge analyze` does, printed as error against
// time: the body-angle errors (pelvis, trunk, lumbar), the truth pelvis and trunk angles, and the
// sacrum filter's gyroscope bias error and rest flag, one line per window.
// Run: pnpm exec tsx bench/fast-reps-trace.ts [seed = 3000] [condition = fast-reps] [window s = 0.5]
import type { SampleLine } from '@hinge/protocol';
import { createSessionAnalyzer } from '../packages/analysis/src/session-analyzer';
import { simulateSession } from '@hinge/simulator';
import { HARD_CONDITIONS, hardConditionOptions, type HardCondition } from './hard-conditions';
import { invokedDirectly } from './stats';

const DEG = 180 / Math.PI;

export interface TraceRow {
  t: number;
  truthPelvisDeg: number;
  truthTrunkDeg: number;
  /** Largest |error| in the window, deg. */
  pelvisErrDeg: number;
  trunkErrDeg: number;
  lumbarErrDeg: number;
  /** |bias estimate - true initial bias| of the sacrum and thoracic filters at the window's end, deg/s. */
  sacrumBiasErrDegS: number;
  thoracicBiasErrDegS: number;
  sacrumRest: boolean;
}

export function fastRepsTrace(seed: number, condition: HardCondition = 'fast-reps', windowS = 0.5): TraceRow[] {
  const sim = simulateSession(hardConditionOptions(condition, seed));
  const analyzer = createSessionAnalyzer(sim.header, {}, { keepAngleSeries: true, maxPendingAngles: 0 });
  const biasAt: { t: number; sacrum: number; thoracic: number; rest: boolean }[] = [];
  const biasErr = (id: string): number => {
    const f = analyzer.internals.trackers.get(id)?.filter;
    const b = sim.truth.sensorErrors[id]!.gyrBiasRadS;
    return f ? Math.hypot(f.bx - b[0], f.by - b[1], f.bz - b[2]) * DEG : NaN;
  };
  let nextT = windowS;
  for (const line of sim.lines) {
    analyzer.push(line);
    const t = (line as SampleLine).t;
    if (t >= nextT) {
      biasAt.push({ t: nextT, sacrum: biasErr('sacrum'), thoracic: biasErr('thoracic'), rest: analyzer.internals.trackers.get('sacrum')?.filter?.restDetected ?? false });
      nextT += windowS;
    }
  }
  const doc = analyzer.finish();
  const a = doc.angles!;
  const truth = sim.truth.angles;
  const rows: TraceRow[] = biasAt.map((b) => ({ t: b.t, truthPelvisDeg: 0, truthTrunkDeg: 0, pelvisErrDeg: 0, trunkErrDeg: 0, lumbarErrDeg: 0, sacrumBiasErrDegS: b.sacrum, thoracicBiasErrDegS: b.thoracic, sacrumRest: b.rest }));
  for (let i = 0; i < a.t.length; i++) {
    const t = a.t[i]!;
    const k = Math.round(t * 100);
    const row = rows[Math.floor(t / windowS)];
    const p = a.pelvisDeg[i], tr = a.trunkDeg[i], l = a.lumbarDeg[i];
    if (!row || k >= truth.t.length || p == null || tr == null || l == null) continue;
    row.truthPelvisDeg = truth.pelvisDeg[k]!;
    row.truthTrunkDeg = truth.trunkDeg[k]!;
    row.pelvisErrDeg = Math.max(row.pelvisErrDeg, Math.abs(p - truth.pelvisDeg[k]!));
    row.trunkErrDeg = Math.max(row.trunkErrDeg, Math.abs(tr - truth.trunkDeg[k]!));
    row.lumbarErrDeg = Math.max(row.lumbarErrDeg, Math.abs(l - truth.lumbarDeg[k]!));
  }
  return rows;
}

if (invokedDirectly(import.meta.url)) {
  const seed = Number(process.argv[2] ?? 3000);
  const condition = (process.argv[3] ?? 'fast-reps') as HardCondition;
  if (!HARD_CONDITIONS.includes(condition)) throw new Error(`condition must be one of ${HARD_CONDITIONS.join(', ')}`);
  const windowS = Number(process.argv[4] ?? 0.5);
  const f = (x: number, w = 6) => x.toFixed(2).padStart(w);
  console.log('     t  pelvis   trunk | err pelvis  trunk lumbar | bias err sacrum thoracic (deg/s) rest');
  for (const r of fastRepsTrace(seed, condition, windowS)) {
    console.log(`${f(r.t)} ${f(r.truthPelvisDeg, 7)} ${f(r.truthTrunkDeg, 7)} | ${f(r.pelvisErrDeg, 10)} ${f(r.trunkErrDeg)} ${f(r.lumbarErrDeg)} | ${f(r.sacrumBiasErrDegS, 15)} ${f(r.thoracicBiasErrDegS, 8)} ${r.sacrumRest ? 'rest' : ''}`);
  }
}
