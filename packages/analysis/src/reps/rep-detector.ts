// Streaming repetition detector. It sees one body frame at a time (live or from a file: the same code)
// and emits events as they happen: rep started, phase changes, alerts the moment a limit is crossed,
// rep completed with its metrics, set completed.
//
// A rep (analysis-output spec) is a bend from standing down and back up in which the trunk flexes at
// least minTrunkDeg. The state machine works on the trunk angle relative to a standing baseline (a
// slow average of the trunk angle while standing, so a slightly changed posture does not count):
//   standing --(trunk > baseline + candidateDeg)--> candidate (not yet a rep; sways and leans stay here)
//   candidate --(trunk >= baseline + minTrunkDeg)--> descent: "rep started"
//   candidate --(back below baseline + returnDeg)--> standing (not a rep)
//   descent --(no new peak for bottomHoldS)--> bottom --(trunk < peak - max(reboundDeg, 15% depth))--> ascent
//   ascent --(trunk <= baseline + returnDeg, then settled)--> completed
//   ascent --(trunk rises reboundDeg above its lowest point)--> a new bend: if the lowest point was
//            near standing the rep completes there and the next one starts, else the rep goes on
// Turning round and walking change heading, not the sagittal angles, so they do not move this machine.
// A sensor gap (null trunk) freezes it; the gap is reported with the rep.
import type { AnalysisEvent, Fault, FaultDetail, PatientSettings, RepPhase, RepReport, SetSummary } from '@hinge/protocol';
import type { BodyFrame } from '../body/body-angles';
import { kneeDominant, lumbarRounding, round1, round3, tooFast, DEFAULT_KNEE_DOMINANCE, type KneeDominanceOptions } from './faults';
import { repTiming, sacrumSinkM, sacrumSinkSeriesM, type RepTrace } from './rep-metrics';
import { summarizeReps } from './summary';

export interface RepDetectorOptions {
  candidateDeg: number;
  minTrunkDeg: number;
  returnDeg: number;
  reboundDeg: number;
  bottomHoldS: number;
  /** Back near standing, a rep completes when the trunk is slower than settledDegS, or after settleMaxS. */
  settledDegS: number;
  settleMaxS: number;
  /** History kept before a rep starts, s (its onset lies before the candidate threshold). */
  preBufferS: number;
  /** A pause longer than this between reps starts a new set, s. */
  setBreakS: number;
  /** Time constant of the standing baseline, s. */
  baselineTauS: number;
  /** Largest standing baseline accepted, deg (beyond it the calibration is stale, not the posture). */
  maxBaselineDeg: number;
  /**
   * Squats with an upright trunk are reps too (the sacrum sinks >= minSinkM). The sacrum's height is
   * tracked by integrating its vertical acceleration from the last still moment, with a leak of
   * sinkLeakS against drift; a sink candidate starts at sinkCandidateM and becomes a rep at minSinkM.
   */
  minSinkM: number;
  sinkCandidateM: number;
  sinkReturnM: number;
  sinkLeakS: number;
  kneeDominance: KneeDominanceOptions;
}

export const DEFAULT_REP_OPTIONS: RepDetectorOptions = {
  candidateDeg: 10,
  minTrunkDeg: 20,
  returnDeg: 5,
  reboundDeg: 8,
  bottomHoldS: 0.2,
  settledDegS: 3,
  settleMaxS: 1,
  preBufferS: 3,
  setBreakS: 30,
  baselineTauS: 2,
  maxBaselineDeg: 10,
  minSinkM: 0.1,
  sinkCandidateM: 0.06,
  sinkReturnM: 0.03,
  sinkLeakS: 5,
  kneeDominance: DEFAULT_KNEE_DOMINANCE,
};

interface OpenRep {
  /** What drives the state machine: the trunk angle, or (upright squats) the sacrum's sink. */
  driver: 'trunk' | 'sink';
  index: number;
  /** History index where the candidate began (the trunk was last near standing). */
  startIdx: number;
  confirmed: boolean;
  phase: RepPhase;
  peakDeg: number;
  peakT: number;
  alerted: Set<Fault>;
  ascentMinDeg: number;
  ascentMinIdx: number;
  missingS: number;
  baselineDeg: number;
  /** Time the candidate opened, s. */
  openT: number;
  /** Time the trunk came back within returnDeg of standing, while the rep waits to settle. */
  settleSinceT?: number;
}

export interface RepDetector {
  readonly options: RepDetectorOptions;
  settings: PatientSettings;
  /** Observable internals. */
  phase: RepPhase;
  baselineDeg: number;
  current: OpenRep | null;
  lastPeakDeg: number | null;
  readonly history: RepTrace;
  repCount: number;
  setIndex: number;
  setStartT: number | null;
  lastRepEndT: number | null;
  readonly reps: RepReport[];
  readonly sets: SetSummary[];
  readonly events: AnalysisEvent[];
  lastT: number;
  /** Sacrum vertical velocity (m/s) and height (m) since the last still moment, leaky. */
  sacrumVelMS: number;
  sacrumHeightM: number;
}

export function createRepDetector(settings: PatientSettings, options: Partial<RepDetectorOptions> = {}): RepDetector {
  return {
    options: { ...DEFAULT_REP_OPTIONS, ...options },
    settings,
    phase: 'standing',
    baselineDeg: 0,
    current: null,
    lastPeakDeg: null,
    history: { t: [], trunkDeg: [], pelvisDeg: [], lumbarDeg: [], sacrumVertAccMS2: [] },
    repCount: 0,
    setIndex: 0,
    setStartT: null,
    lastRepEndT: null,
    reps: [],
    sets: [],
    events: [],
    lastT: 0,
    sacrumVelMS: 0,
    sacrumHeightM: 0,
  };
}

function pushHistory(d: RepDetector, f: BodyFrame): number {
  const h = d.history;
  h.t.push(f.t);
  h.trunkDeg.push(f.trunkDeg);
  h.pelvisDeg.push(f.pelvisDeg);
  h.lumbarDeg.push(f.lumbarDeg);
  h.sacrumVertAccMS2.push(f.sacrumVertAccMS2);
  return h.t.length - 1;
}

function trimHistory(d: RepDetector): void {
  const h = d.history;
  const keep = Math.ceil(d.options.preBufferS * 100) + 50;
  if (d.current || h.t.length < 4 * keep) return;
  const drop = h.t.length - keep;
  for (const series of [h.t, h.trunkDeg, h.pelvisDeg, h.lumbarDeg, h.sacrumVertAccMS2] as unknown[][]) series.splice(0, drop);
}

function setPhase(d: RepDetector, rep: OpenRep, phase: RepPhase, t: number): void {
  rep.phase = phase;
  d.phase = phase;
  if (rep.confirmed) d.events.push({ type: 'phase', t, index: rep.index, phase });
}

function alert(d: RepDetector, rep: OpenRep, detail: FaultDetail, t: number): void {
  if (rep.alerted.has(detail.fault)) return;
  rep.alerted.add(detail.fault);
  d.events.push({ type: 'alert', t, index: rep.index, fault: detail.fault, message: detail.message, values: detail.values });
}

/** Closes the current set (if it has reps) and emits its summary. */
export function closeSet(d: RepDetector, t: number): void {
  const setReps = d.reps.filter((r) => r.set === d.setIndex);
  if (d.setIndex > 0 && setReps.length > 0 && !d.sets.some((s) => s.index === d.setIndex)) {
    const set: SetSummary = { index: d.setIndex, start: setReps[0]!.start, end: setReps[setReps.length - 1]!.end, ...summarizeReps(setReps) };
    d.sets.push(set);
    d.events.push({ type: 'set-completed', t, set });
  }
  d.setStartT = null;
}

function confirm(d: RepDetector, rep: OpenRep, t: number): void {
  rep.confirmed = true;
  const start = d.history.t[rep.startIdx]!;
  if (d.setIndex === 0 || d.setStartT === null || (d.lastRepEndT !== null && start - d.lastRepEndT > d.options.setBreakS)) {
    if (d.setIndex > 0) closeSet(d, t);
    d.setIndex++;
    d.setStartT = start;
  }
  d.repCount++;
  rep.index = d.repCount;
  d.events.push({ type: 'rep-started', t, index: rep.index });
  d.events.push({ type: 'phase', t, index: rep.index, phase: rep.phase });
}

function complete(d: RepDetector, rep: OpenRep, endIdx: number, t: number): void {
  const h = d.history;
  const slice = (a: (number | null)[]) => a.slice(rep.startIdx, endIdx + 1);
  const trace: RepTrace = {
    t: h.t.slice(rep.startIdx, endIdx + 1),
    trunkDeg: slice(h.trunkDeg),
    pelvisDeg: slice(h.pelvisDeg),
    lumbarDeg: slice(h.lumbarDeg),
    sacrumVertAccMS2: slice(h.sacrumVertAccMS2),
  };
  let timing;
  if (rep.driver === 'trunk') {
    timing = repTiming(trace.t, trace.trunkDeg, rep.baselineDeg);
  } else {
    const sink = sacrumSinkSeriesM(trace, rep.openT - 1.5, t - 1);
    timing = sink && repTiming(sink.t, sink.sinkM.map((m) => m * 100), 0);
  }
  if (!timing) return;
  // Peaks over the movement itself (the trace also holds the seconds before it).
  const from = trace.t.indexOf(timing.start), to = trace.t.indexOf(timing.end);
  const max = (a: (number | null)[]) =>
    a.slice(from, to + 1).reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
  const peakTrunk = max(trace.trunkDeg)!;
  const peakPelvis = max(trace.pelvisDeg);
  const peakLumbar = max(trace.lumbarDeg);
  const bottomIdx = trace.t.indexOf(timing.bottom);
  const pelvisAtBottom = trace.pelvisDeg[bottomIdx] ?? null;
  const trunkAtBottom = trace.trunkDeg[bottomIdx] ?? null;
  const hipShare = pelvisAtBottom !== null && trunkAtBottom !== null && trunkAtBottom > 1 ? Math.max(0, Math.min(1, pelvisAtBottom / trunkAtBottom)) : null;
  const sink = sacrumSinkM(trace, timing.start - 0.3, timing.end + 0.3);
  const details = [
    lumbarRounding(peakLumbar, d.settings),
    kneeDominant(sink, peakPelvis, d.options.kneeDominance),
    tooFast(timing.descentS, timing.ascentS, d.settings),
  ].filter((x): x is FaultDetail => x !== null);
  const report: RepReport = {
    index: rep.index,
    start: round3(timing.start),
    bottom: round3(timing.bottom),
    end: round3(timing.end),
    peakTrunkDeg: round1(peakTrunk),
    peakPelvisDeg: peakPelvis === null ? null : round1(peakPelvis),
    peakLumbarDeg: peakLumbar === null ? null : round1(peakLumbar),
    hipShare: hipShare === null ? null : Math.round(hipShare * 100) / 100,
    descentS: round3(timing.descentS),
    ascentS: round3(timing.ascentS),
    faults: details.map((x) => x.fault),
    faultDetails: details,
    sacrumDropM: sink === null ? null : round3(sink),
    set: d.setIndex,
  };
  if (rep.missingS > 0) report.missingS = round3(rep.missingS);
  // Faults found only now (knee dominance from the two-sided estimate, rounding missed during a gap) still alert.
  for (const detail of details) alert(d, rep, detail, t);
  d.reps.push(report);
  d.lastRepEndT = timing.end;
  // Back standing: the sacrum's running height starts again from here.
  d.sacrumVelMS = 0;
  d.sacrumHeightM = 0;
  d.lastPeakDeg = peakTrunk;
  d.events.push({ type: 'rep-completed', t, rep: report });
}

/** Opens a candidate at history index idx, keeping up to preBufferS before it (not before the previous rep). */
function openCandidate(d: RepDetector, idx: number, driver: OpenRep['driver'], depth: number, t: number): OpenRep {
  // The movement began before the threshold was crossed; repTiming finds where.
  let start = idx;
  const h = d.history;
  while (start > 0 && h.t[idx]! - h.t[start - 1]! <= d.options.preBufferS && h.t[start - 1]! > (d.lastRepEndT ?? -Infinity)) start--;
  d.phase = 'descent';
  return {
    driver, index: 0, startIdx: start, openT: t, confirmed: false, phase: 'descent', peakDeg: depth, peakT: t,
    alerted: new Set(), ascentMinDeg: Infinity, ascentMinIdx: idx, missingS: 0, baselineDeg: d.baselineDeg,
  };
}

/** Leaky double integration of the sacrum's vertical acceleration, reset whenever the body is still. */
function trackSacrumHeight(d: RepDetector, f: BodyFrame, dt: number): void {
  if (f.still || f.sacrumVertAccMS2 === null || dt <= 0 || dt > 0.1) {
    d.sacrumVelMS = 0;
    d.sacrumHeightM = 0;
    return;
  }
  const leak = Math.min(1, dt / d.options.sinkLeakS);
  d.sacrumVelMS += f.sacrumVertAccMS2 * dt - d.sacrumVelMS * leak;
  d.sacrumHeightM += d.sacrumVelMS * dt - d.sacrumHeightM * leak;
}

/**
 * A squat with an upright trunk, driven by how far the sacrum has sunk (m). The leaky running estimate
 * only finds candidates. Whether it was a rep is decided once the patient stands still again (so the
 * sacrum's velocity is known to be zero at both ends), from the drift-free two-sided estimate: it must
 * have sunk at least minSinkM and come back to within a third of that, going down and up over at least
 * 0.3 s each. Walking and swaying, which never end in a still stand with such a profile, are not reps.
 * Such reps are reported (started and completed) at that moment.
 */
function updateSinkRep(d: RepDetector, rep: OpenRep, idx: number, f: BodyFrame): void {
  const o = d.options;
  const sink = -d.sacrumHeightM;
  if (sink > rep.peakDeg) {
    rep.peakDeg = sink;
    rep.peakT = f.t;
  }
  const tooLong = f.t - d.history.t[rep.startIdx]! > 12;
  if (!f.still && !tooLong) return;
  d.current = null;
  d.phase = 'standing';
  if (tooLong) return;
  const h = d.history;
  const trace: RepTrace = {
    t: h.t.slice(rep.startIdx, idx + 1),
    trunkDeg: h.trunkDeg.slice(rep.startIdx, idx + 1),
    pelvisDeg: h.pelvisDeg.slice(rep.startIdx, idx + 1),
    lumbarDeg: h.lumbarDeg.slice(rep.startIdx, idx + 1),
    sacrumVertAccMS2: h.sacrumVertAccMS2.slice(rep.startIdx, idx + 1),
  };
  // From 1.5 s before the candidate opened to 1 s before stillness was confirmed (it takes 1.5 s): a short
  // window keeps what drift remains small.
  const series = sacrumSinkSeriesM(trace, rep.openT - 1.5, f.t - 1);
  if (!series) return;
  const deepest = Math.max(...series.sinkM);
  const final = series.sinkM[series.sinkM.length - 1]!;
  const timing = repTiming(series.t, series.sinkM.map((m) => m * 100), 0);
  if (deepest < o.minSinkM || Math.abs(final) > deepest / 3 || !timing || timing.descentS < 0.3 || timing.ascentS < 0.3) return;
  rep.phase = 'ascent';
  confirm(d, rep, f.t);
  complete(d, rep, idx, f.t);
}

/** Feeds one body frame. Events accumulate in `events`. */
export function updateReps(d: RepDetector, f: BodyFrame): void {
  const o = d.options;
  const dt = d.lastT > 0 ? f.t - d.lastT : 0;
  d.lastT = f.t;
  const idx = pushHistory(d, f);
  trackSacrumHeight(d, f, dt);
  const trunk = f.trunkDeg;
  let rep = d.current;
  if (trunk === null) {
    if (rep) rep.missingS += dt;
    return;
  }
  const rel = trunk - d.baselineDeg;
  // A candidate is sink-driven while the sacrum sinks but the trunk stays short of a rep's flexion, and
  // trunk-driven as soon as the trunk reaches it.
  if (rep && !rep.confirmed && rep.driver === 'trunk' && -d.sacrumHeightM > o.sinkCandidateM && rel < o.minTrunkDeg) {
    rep.driver = 'sink';
    rep.peakDeg = -d.sacrumHeightM;
    rep.peakT = f.t;
  }
  if (rep?.driver === 'sink' && rel >= o.minTrunkDeg) {
    rep.driver = 'trunk';
    rep.peakDeg = trunk;
    rep.peakT = f.t;
    rep.phase = 'descent';
  }
  if (rep?.driver === 'sink') {
    updateSinkRep(d, rep, idx, f);
    return;
  }

  if (!rep) {
    // Standing: follow the baseline slowly while the trunk is near it.
    if (rel < o.candidateDeg && Math.abs(trunk) <= o.maxBaselineDeg) {
      d.baselineDeg += (trunk - d.baselineDeg) * Math.min(1, dt / o.baselineTauS);
    }
    if (rel > o.candidateDeg) {
      d.current = openCandidate(d, idx, 'trunk', trunk, f.t);
    } else if (-d.sacrumHeightM > o.sinkCandidateM) {
      d.current = openCandidate(d, idx, 'sink', -d.sacrumHeightM, f.t);
    } else {
      trimHistory(d);
    }
    return;
  }
  rep = rep as OpenRep;

  if (trunk > rep.peakDeg) {
    rep.peakDeg = trunk;
    rep.peakT = f.t;
  }
  if (!rep.confirmed && rel >= o.minTrunkDeg) confirm(d, rep, f.t);
  if (!rep.confirmed) {
    // Back near standing, or standing still in a slight lean: a lean or sway, not a rep.
    if (rel <= o.returnDeg || (f.still && f.t - rep.openT > 2)) {
      d.current = null;
      d.phase = 'standing';
    }
    return;
  }

  // Live alerts: lumbar rounding the moment it crosses the limit.
  if (f.lumbarDeg !== null) {
    const rounding = lumbarRounding(f.lumbarDeg, d.settings);
    if (rounding) alert(d, rep, rounding, f.t);
  }

  const depth = rep.peakDeg - rep.baselineDeg;
  switch (rep.phase) {
    case 'descent':
      if (f.t - rep.peakT >= o.bottomHoldS) setPhase(d, rep, 'bottom', f.t);
      break;
    case 'bottom':
      if (trunk < rep.peakDeg - Math.max(o.reboundDeg, 0.15 * depth)) {
        setPhase(d, rep, 'ascent', f.t);
        rep.ascentMinDeg = trunk;
        rep.ascentMinIdx = idx;
      }
      break;
    case 'ascent':
    case 'standing':
      if (trunk < rep.ascentMinDeg) {
        rep.ascentMinDeg = trunk;
        rep.ascentMinIdx = idx;
      }
      if (f.still && rel < 0.5 * depth) {
        // Standing still well up from the bottom, but not back at the baseline: the calibration has
        // drifted (the stale-calibration check will say so); the rep is over all the same.
        complete(d, rep, idx, f.t);
        d.current = null;
        d.phase = 'standing';
      } else if (rel <= o.returnDeg) {
        // Back near standing: finish once the trunk has settled (its slow tail belongs to the ascent).
        rep.settleSinceT ??= f.t;
        const h = d.history;
        const back = Math.max(0, idx - 10);
        const a = h.trunkDeg[back], b = h.trunkDeg[idx];
        const speed = a !== null && a !== undefined && b !== null && b !== undefined ? Math.abs(b - a) / (f.t - h.t[back]! || 1) : Infinity;
        if (speed < o.settledDegS || f.t - rep.settleSinceT >= o.settleMaxS) {
          complete(d, rep, idx, f.t);
          d.current = null;
          d.phase = 'standing';
        }
      } else if (trunk > rep.ascentMinDeg + o.reboundDeg) {
        if (rep.ascentMinDeg - rep.baselineDeg <= Math.max(o.candidateDeg, 0.3 * depth)) {
          // Back near standing, then straight into the next bend: the rep ends at the turning point.
          const turn = rep.ascentMinIdx;
          complete(d, rep, turn, f.t);
          d.current = openCandidate(d, idx, 'trunk', trunk, f.t);
          d.current.startIdx = turn;
          if (trunk - d.baselineDeg >= o.minTrunkDeg) confirm(d, d.current, f.t);
        } else {
          // Went part way up and down again: still the same rep.
          setPhase(d, rep, 'bottom', f.t);
        }
      }
      break;
  }
}

/** End of data: a rep still open is reported as unfinished (not counted). */
export function finishReps(d: RepDetector): string[] {
  const warnings: string[] = [];
  const rep = d.current;
  if (rep?.confirmed) {
    warnings.push(`recording ended during rep ${rep.index} (trunk at ${rep.peakDeg.toFixed(0)} deg peak, not back to standing): not counted`);
    d.repCount--;
  }
  d.current = null;
  closeSet(d, d.lastT);
  return warnings;
}
