// Summaries of a set or a whole session: counts, fault counts, peak and mean angles, hip share, tempo.
import { FAULTS, type FaultCounts, type RepReport, type SetSummary } from '@hinge/protocol';

const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null);
const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
const known = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');

export function summarizeReps(reps: RepReport[]): Omit<SetSummary, 'index' | 'start' | 'end'> {
  const faultCounts = Object.fromEntries(FAULTS.map((f) => [f, 0])) as FaultCounts;
  for (const r of reps) for (const f of r.faults) faultCounts[f] = (faultCounts[f] ?? 0) + 1;
  const lumbar = known(reps.map((r) => r.peakLumbarDeg));
  return {
    repCount: reps.length,
    cleanReps: reps.filter((r) => r.faults.length === 0).length,
    faultCounts,
    peakTrunkDegMax: maxOf(known(reps.map((r) => r.peakTrunkDeg))),
    peakLumbarDegMax: maxOf(lumbar),
    peakLumbarDegMean: mean(lumbar),
    hipShareMean: mean(known(reps.map((r) => r.hipShare))),
    descentSMean: mean(known(reps.map((r) => r.descentS))),
    ascentSMean: mean(known(reps.map((r) => r.ascentS))),
  };
}
