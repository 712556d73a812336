// The hard tier (docs/simulator.md, "Hard tier"): per class of issue #11, how often the rep count is exact,
// rep precision and recall, F1 per fault, and false reps per minute of everyday (non-exercise) movement.
//
// Borderline truth (within BORDERLINE of a threshold) is scored at BORDERLINE_WEIGHT either way: missing a
// borderline rep, counting a near-rep, or calling a borderline fault either way costs a quarter of a clear
// mistake, and getting it right earns a quarter. A count is exact when it lies between the clear reps and
// the clear reps plus every borderline bend.
//
// Run alone: pnpm exec tsx bench/hard.ts [sessions per class = 6] [class ...]
import { FAULTS, type AnalysisDocument, type Fault } from '@hinge/protocol';
import { analyzeRecordingLines } from '../packages/analysis/src/session-analyzer';
import { hardSession, HARD_CLASSES, isRepStep, simulateSession, stepDurationS, type HardClass, type SimulationTruth, type TruthRep } from '@hinge/simulator';
import { invokedDirectly } from './stats';

export const BORDERLINE_WEIGHT = 0.25;
const MATCH_S = 1.5;
const EVERYDAY_KINDS = new Set(['walk', 'stairs', 'sidebend', 'reach', 'sit', 'turn', 'sway', 'nod']);

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}
const tally = (): Tally => ({ tp: 0, fp: 0, fn: 0 });

export interface HardSessionScore {
  cls: HardClass;
  seed: number;
  exact: boolean;
  clearReps: number;
  detected: number;
  reps: Tally;
  faults: Record<Fault, Tally>;
  /** Detected reps matching no bend at all, with their bottom in everyday movement. */
  everydayFalseReps: number;
  everydayS: number;
  calibrated: boolean;
  /** What went wrong, one line each (for reading, not scoring). */
  problems: string[];
}

/** Time spans of the everyday steps of the script, s. */
function everydaySpans(truth: SimulationTruth): [number, number][] {
  const spans: [number, number][] = [];
  let t = 0;
  for (const step of truth.script) {
    const d = stepDurationS(step);
    if (!isRepStep(step) && EVERYDAY_KINDS.has(step.kind)) spans.push([t, t + d]);
    t += d;
  }
  return spans;
}

export function scoreHardSession(cls: HardClass, seed: number, doc: AnalysisDocument, truth: SimulationTruth): HardSessionScore {
  const w = BORDERLINE_WEIGHT;
  const bends: { rep: TruthRep; isRep: boolean; weight: number }[] = [
    ...truth.reps.map((rep) => ({ rep, isRep: true, weight: rep.borderline?.includes('rep') ? w : 1 })),
    ...(truth.nearReps ?? []).map((rep) => ({ rep, isRep: false, weight: w })),
  ];
  const used = new Set<number>();
  const reps = tally();
  const faults = Object.fromEntries(FAULTS.map((f) => [f, tally()])) as Record<Fault, Tally>;
  const problems: string[] = [];
  const spans = everydaySpans(truth);
  let everydayFalseReps = 0;
  for (const d of doc.reps) {
    let best = -1;
    bends.forEach((b, i) => {
      if (!used.has(i) && Math.abs(b.rep.bottom - d.bottom) < MATCH_S && (best < 0 || Math.abs(b.rep.bottom - d.bottom) < Math.abs(bends[best]!.rep.bottom - d.bottom))) best = i;
    });
    if (best < 0) {
      reps.fp += 1;
      for (const f of d.faults) faults[f].fp += 1;
      const everyday = spans.some(([a, b]) => d.bottom >= a && d.bottom <= b);
      if (everyday) everydayFalseReps++;
      problems.push(`false rep at ${d.bottom.toFixed(1)} s (trunk ${d.peakTrunkDeg} deg, sink ${d.sacrumDropM ?? '-'} m${everyday ? ', everyday movement' : ''})`);
      continue;
    }
    used.add(best);
    const b = bends[best]!;
    if (!b.isRep) {
      reps.fp += w;
      for (const f of d.faults) faults[f].fp += w;
      continue;
    }
    reps.tp += b.weight;
    for (const f of FAULTS) {
      const fw = b.weight * (b.rep.borderline?.includes(f) ? w : 1);
      const dh = d.faults.includes(f), th = b.rep.faults.includes(f);
      if (dh && th) faults[f].tp += fw;
      else if (dh) faults[f].fp += fw;
      else if (th) faults[f].fn += fw;
      if (dh !== th && fw === 1) problems.push(`${f} ${dh ? 'flagged' : 'missed'} on the rep at ${b.rep.bottom.toFixed(1)} s`);
    }
  }
  bends.forEach((b, i) => {
    if (used.has(i) || !b.isRep) return;
    reps.fn += b.weight;
    for (const f of b.rep.faults) faults[f].fn += b.weight * (b.rep.borderline?.includes(f) ? w : 1);
    if (b.weight === 1) problems.push(`missed rep at ${b.rep.bottom.toFixed(1)} s (${b.rep.kind}, trunk ${b.rep.peakTrunkDeg.toFixed(0)} deg, sink ${b.rep.sacrumDropM.toFixed(2)} m)`);
  });
  const clearReps = truth.reps.filter((r) => !r.borderline?.includes('rep')).length;
  const borderline = bends.length - clearReps;
  return {
    cls,
    seed,
    exact: doc.reps.length >= clearReps && doc.reps.length <= clearReps + borderline,
    clearReps,
    detected: doc.reps.length,
    reps,
    faults,
    everydayFalseReps,
    everydayS: spans.reduce((s, [a, b]) => s + b - a, 0),
    calibrated: doc.calibration !== null,
    problems,
  };
}

export interface HardClassResult {
  cls: HardClass | 'all';
  sessions: number;
  exactShare: number;
  precision: number;
  recall: number;
  repF1: number;
  faultF1: Record<Fault, number>;
  /** Truth count (weighted) behind each fault F1: a class without the fault shows '-'. */
  faultSupport: Record<Fault, number>;
  falseRepsPerEverydayMin: number;
  calibratedShare: number;
}

const f1 = (t: Tally) => (t.tp + t.fp + t.fn === 0 ? NaN : (2 * t.tp) / (2 * t.tp + t.fp + t.fn));
const sum = (ts: Tally[]): Tally => ts.reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), tally());

export function summarizeHard(cls: HardClass | 'all', scores: HardSessionScore[]): HardClassResult {
  const reps = sum(scores.map((s) => s.reps));
  const everydayS = scores.reduce((a, s) => a + s.everydayS, 0);
  return {
    cls,
    sessions: scores.length,
    exactShare: scores.filter((s) => s.exact).length / scores.length,
    precision: reps.tp / (reps.tp + reps.fp || 1),
    recall: reps.tp / (reps.tp + reps.fn || 1),
    repF1: f1(reps),
    faultF1: Object.fromEntries(FAULTS.map((f) => [f, f1(sum(scores.map((s) => s.faults[f])))])) as Record<Fault, number>,
    faultSupport: Object.fromEntries(FAULTS.map((f) => [f, sum(scores.map((s) => s.faults[f])).tp + sum(scores.map((s) => s.faults[f])).fn])) as Record<Fault, number>,
    falseRepsPerEverydayMin: everydayS > 0 ? scores.reduce((a, s) => a + s.everydayFalseReps, 0) / (everydayS / 60) : 0,
    calibratedShare: scores.filter((s) => s.calibrated).length / scores.length,
  };
}

/** Seeds of the hard suite: per class, `count` seeds from 5000 (the typical tier uses 1000+ and 2000+). */
export function hardSeeds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 5000 + i);
}

export function evaluateHard(classes: readonly HardClass[], seeds: number[], durationS = 90): { perClass: HardClassResult[]; all: HardClassResult; scores: HardSessionScore[] } {
  const scores: HardSessionScore[] = [];
  for (const cls of classes) {
    for (const seed of seeds) {
      const sim = simulateSession({ seed, mounting: 'random', noise: 'typical', script: hardSession(seed, cls, { durationS }) });
      const doc = analyzeRecordingLines(sim.header, sim.lines);
      scores.push(scoreHardSession(cls, seed, doc, sim.truth));
    }
  }
  const perClass = classes.map((cls) => summarizeHard(cls, scores.filter((s) => s.cls === cls)));
  return { perClass, all: summarizeHard('all', scores), scores };
}

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** The hard-suite table as markdown, with the command that made it. */
export function renderHardTable(r: { perClass: HardClassResult[]; all: HardClassResult }, command: string): string {
  const lines = [
    `Hard tier, typical sensor noise, random mountings (command: \`${command}\`; borderline truth weighted ${BORDERLINE_WEIGHT})`,
    '',
    '| class | sessions | count exact % | rep precision | rep recall | rep F1 | F1 lumbar-rounding | F1 knee-dominant | F1 too-fast | false reps / min everyday | calibrated % |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...[...r.perClass, r.all].map((c) =>
      `| ${c.cls} | ${c.sessions} | ${fmt(100 * c.exactShare, 0)} | ${fmt(c.precision, 3)} | ${fmt(c.recall, 3)} | ${fmt(c.repF1, 3)} | ${FAULTS.map((f) => fmt(c.faultF1[f], 3)).join(' | ')} | ${fmt(c.falseRepsPerEverydayMin, 2)} | ${fmt(100 * c.calibratedShare, 0)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

if (invokedDirectly(import.meta.url)) {
  const count = Number(process.argv[2] ?? 6);
  const classes = (process.argv.length > 3 ? process.argv.slice(3) : HARD_CLASSES) as HardClass[];
  const r = evaluateHard(classes, hardSeeds(count));
  for (const s of r.scores) if (s.problems.length) console.log(`${s.cls} seed ${s.seed}: ${s.detected} reps (clear ${s.clearReps}); ${s.problems.join('; ')}`);
  console.log(renderHardTable(r, `pnpm exec tsx bench/hard.ts ${process.argv.slice(2).join(' ')}`.trim()));
}
