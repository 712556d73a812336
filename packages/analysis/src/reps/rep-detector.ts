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
//
// Physics that holds whatever the person does (docs/analysis.md, "Repetitions"):
// - A rep starts and ends standing at the same height. The sacrum's height is measured only between
//   two quiet moments (vertical acceleration and trunk speed both small for a few tenths of a second),
//   where its vertical velocity is known to be zero; sitting down, stairs and walking on never end
//   where they began, so they are not reps, and a sink measured across them is not reported.
// - Flexion is sagittal: a bend is a rep only while its forward component is larger than its side tilt.
// - Held low with the trunk upright is sitting (an unsupported crouch must lean forward to keep the
//   body's centre of mass over the feet); held low with the trunk forward is a pause at the bottom.
// - A rep cannot last longer than maxRepS; a quiet upright stand (the pelvis reads standing) sets the
//   trunk's standing baseline even when a shifted sensor makes it read far from zero. When the trunk's
//   reference is re-zeroed on such a stand (body/slip.ts), the caller says so (standingReferenceChanged).
import type { AnalysisEvent, CalibrationBend, Fault, FaultDetail, PatientSettings, RepPhase, RepReport, SetSummary } from '@hinge/protocol';
import type { BodyFrame } from '../body/body-angles';
import { kneeDominant, lumbarRounding, round1, round3, tooFast, DEFAULT_KNEE_DOMINANCE, type KneeDominanceOptions } from './faults';
import { backToStartHeight, heelStrikes, repTiming, sacrumSinkM, sacrumSinkSeriesM, type RepTrace } from './rep-metrics';
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
  /** Without set lines (sets from pauses): a pause longer than this between reps starts a new set, s. */
  setBreakS: number;
  /** With set lines: a rep that began at most this long before a set-start, outside any set, belongs to that set, s. */
  setStartGraceS: number;
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
  /**
   * More heel strikes than a bend's upward lobes (heelStrikes, rep-metrics.ts) within a rep's sink window:
   * walking or stairs. A sink-driven candidate is then no rep; a trunk-driven rep keeps no sink.
   */
  maxHeelStrikes: number;
  sinkCandidateM: number;
  sinkReturnM: number;
  sinkLeakS: number;
  /** Quiet: RMS vertical sacrum acceleration under quietAccMS2 and trunk speed under quietDegS over the last quietWindowS. */
  quietAccMS2: number;
  quietDegS: number;
  quietWindowS: number;
  /** A height is measured from a quiet moment at most this long before a candidate opened, s. */
  quietLookbackS: number;
  /**
   * Rest (zero vertical velocity) is taken quietLagS before the last quiet frame, and no earlier than
   * quietLagS into its quiet run: the quiet test notices a slow movement's start and end late (zeroVelocityT), s.
   */
  quietLagS: number;
  /** A rest (zero vertical velocity) is a quiet run with the pelvis upright of at least this, s. */
  minRestS: number;
  /** Longest rep, s (descent + hold + ascent of the slowest people, with room to spare). */
  maxRepS: number;
  /** Held low (not back at the start height) with the trunk within seatedTrunkDeg of standing for seatedS: sitting. */
  seatedTrunkDeg: number;
  seatedS: number;
  /**
   * Held: the sink estimate changes by less than this over the hold, m. A slow descent that reads quiet
   * sinks 10 cm/s; a seated person's estimate drifts a few cm/s as its correction window grows.
   */
  heldM: number;
  /** The pelvis within this of its neutral while quiet: the person stands upright (the trunk's baseline may be reset), deg. */
  standingPelvisDeg: number;
  /** Quiet, trunk upright and the pelvis rolled back past this (deg, negative): seated, where no height is known. */
  seatedPelvisDeg: number;
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
  setStartGraceS: 1,
  baselineTauS: 2,
  maxBaselineDeg: 10,
  minSinkM: 0.1,
  maxHeelStrikes: 2,
  sinkCandidateM: 0.06,
  sinkReturnM: 0.03,
  sinkLeakS: 5,
  quietAccMS2: 0.12,
  quietDegS: 4,
  quietWindowS: 0.2,
  quietLookbackS: 4,
  quietLagS: 0.5,
  minRestS: 0.3,
  maxRepS: 15,
  seatedTrunkDeg: 10,
  seatedS: 1.5,
  heldM: 0.06,
  standingPelvisDeg: 5,
  seatedPelvisDeg: -5,
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
  /** The settings in force when the rep began: its live alerts and its faults are judged by these. */
  settings: PatientSettings;
  /** Time the trunk came back within returnDeg of standing, while the rep waits to settle. */
  settleSinceT?: number;
  /** The latest quiet moment before the candidate opened (zero vertical velocity), or null if none was close. */
  quietBeforeT: number | null;
  /** Largest side tilt of the trunk so far, deg. */
  peakSideDeg: number;
  /** Back up in angle but still held low (not at the start height): since when, and since when upright. */
  lowSinceT?: number;
  seatedSinceT?: number;
  /** The sink when seatedSinceT began, m: held is held at one height. */
  seatedAtM?: number;
  lastHeightCheckT: number;
  /** Opened while the person sat: standing up from a chair, never a rep. */
  fromSeat: boolean;
  /** A bend the calibration wizard asked for (decided when it is confirmed): not a rep. */
  calibrationBend: boolean;
}

/** The detector's history: a rep trace's columns, and each frame's trunk speed (trunkSpeedDegS, for the quiet test), deg/s. */
export interface DetectorHistory extends RepTrace {
  trunkSpeedDegS: number[];
}

export interface RepDetector {
  readonly options: RepDetectorOptions;
  settings: PatientSettings;
  /** Observable internals. */
  phase: RepPhase;
  baselineDeg: number;
  current: OpenRep | null;
  lastPeakDeg: number | null;
  readonly history: DetectorHistory;
  repCount: number;
  /**
   * Where sets come from: `events` (set-start / set-end lines of the recording) or `pauses` (a new set
   * after setBreakS without reps). A recording without setsFrom in its header starts in `pauses` and
   * switches to `events` at its first set line.
   */
  setsFrom: 'events' | 'pauses';
  /** Number of the latest set opened (0: none yet). */
  setIndex: number;
  /** Sets from pauses: start of the open set, or null. */
  setStartT: number | null;
  /** Sets from events: each set's [start, end] (end null while it runs), in order. */
  readonly setWindows: { index: number; start: number; end: number | null }[];
  /** Sets from events that have ended but wait for the rep under way to complete before their summary. */
  closingSets: number[];
  lastRepEndT: number | null;
  readonly reps: RepReport[];
  readonly sets: SetSummary[];
  readonly events: AnalysisEvent[];
  lastT: number;
  /** Sacrum vertical velocity (m/s) and height (m) since the last quiet moment, leaky. */
  sacrumVelMS: number;
  sacrumHeightM: number;
  /** Mean squares of the sacrum's vertical acceleration and of the trunk's speed over quietWindowS (quiet test). */
  quietAcc2: number;
  quietSpeed2: number;
  quiet: boolean;
  lastQuietT: number | null;
  /** Start of the quiet run that lastQuietT ends (or is in), s. */
  quietRunStartT: number | null;
  /** Start of the quiet upright run under way (not yet minRestS long, perhaps), or null. */
  restSinceT: number | null;
  /** Time the running sacrum height is integrated from (a zero-velocity moment), or null while it is held at 0. */
  heightFromT: number | null;
  /** Where the last rep's trace ended (its completion), s: the next rep's history starts no earlier. */
  lastRepDoneT: number | null;
  /** The person has sat down (a bend ended low with the trunk upright): the next movement is standing up. */
  seated: boolean;
  /** The trunk's standing reference last changed here (a re-zeroed sensor shift), s: history before it reads otherwise. */
  referenceFromT: number | null;
  /** Calibration bends still expected (calibrationRequested sets it, a set-start clears it). */
  calibrationBendsLeft: number;
  readonly calibrationBends: CalibrationBend[];
}

export function createRepDetector(
  settings: PatientSettings,
  options: Partial<RepDetectorOptions> = {},
  setsFrom: RepDetector['setsFrom'] = 'pauses',
): RepDetector {
  return {
    options: { ...DEFAULT_REP_OPTIONS, ...options },
    settings,
    setsFrom,
    setWindows: [],
    closingSets: [],
    phase: 'standing',
    baselineDeg: 0,
    current: null,
    lastPeakDeg: null,
    history: { t: [], trunkDeg: [], pelvisDeg: [], lumbarDeg: [], sacrumVertAccMS2: [], trunkSpeedDegS: [] },
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
    quietAcc2: 0,
    quietSpeed2: 0,
    quiet: false,
    lastQuietT: null,
    quietRunStartT: null,
    restSinceT: null,
    heightFromT: null,
    lastRepDoneT: null,
    seated: false,
    referenceFromT: null,
    calibrationBendsLeft: 0,
    calibrationBends: [],
  };
}

function pushHistory(d: RepDetector, f: BodyFrame): number {
  const h = d.history;
  h.t.push(f.t);
  h.trunkDeg.push(f.trunkDeg);
  h.pelvisDeg.push(f.pelvisDeg);
  h.lumbarDeg.push(f.lumbarDeg);
  h.sacrumVertAccMS2.push(f.sacrumVertAccMS2);
  const idx = h.t.length - 1;
  h.trunkSpeedDegS.push(trunkSpeedDegS(h, idx));
  return idx;
}

function trimHistory(d: RepDetector): void {
  const h = d.history;
  const keep = Math.ceil(Math.max(d.options.preBufferS, d.options.quietLookbackS + 1) * 100) + 50;
  if (d.current || h.t.length < 4 * keep) return;
  const drop = h.t.length - keep;
  for (const series of [h.t, h.trunkDeg, h.pelvisDeg, h.lumbarDeg, h.sacrumVertAccMS2, h.trunkSpeedDegS] as unknown[][]) series.splice(0, drop);
}

function setPhase(d: RepDetector, rep: OpenRep, phase: RepPhase, t: number): void {
  rep.phase = phase;
  d.phase = phase;
  if (rep.confirmed && !rep.calibrationBend) d.events.push({ type: 'phase', t, index: rep.index, phase });
}

function alert(d: RepDetector, rep: OpenRep, detail: FaultDetail, t: number): void {
  if (rep.calibrationBend || rep.alerted.has(detail.fault)) return;
  rep.alerted.add(detail.fault);
  d.events.push({ type: 'alert', t, index: rep.index, fault: detail.fault, message: detail.message, values: detail.values });
}

function emitSetSummary(d: RepDetector, index: number, start: number, end: number, t: number): void {
  if (d.sets.some((s) => s.index === index)) return;
  const set: SetSummary = { index, start: round3(start), end: round3(end), ...summarizeReps(d.reps.filter((r) => r.set === index)) };
  d.sets.push(set);
  d.events.push({ type: 'set-completed', t, set });
}

/** Sets from pauses: closes the open set (it always has reps) and emits its end and summary. */
function closePauseSet(d: RepDetector, t: number): void {
  const setReps = d.reps.filter((r) => r.set === d.setIndex);
  if (d.setIndex > 0 && d.setStartT !== null && setReps.length > 0) {
    const end = setReps[setReps.length - 1]!.end;
    d.events.push({ type: 'set-ended', t, index: d.setIndex, end });
    emitSetSummary(d, d.setIndex, setReps[0]!.start, end, t);
  }
  d.setStartT = null;
}

/** The first set line of a recording without `setsFrom`: from here on sets come from the lines. */
function switchToEventSets(d: RepDetector, t: number): void {
  if (d.setsFrom === 'events') return;
  closePauseSet(d, t);
  d.setsFrom = 'events';
}

/** Summaries of ended sets once no rep is under way (a rep that began in a set is part of its summary). */
function completeEndedSets(d: RepDetector, t: number): void {
  if (d.current || d.closingSets.length === 0) return;
  for (const index of d.closingSets.splice(0)) {
    const w = d.setWindows.find((s) => s.index === index)!;
    emitSetSummary(d, index, w.start, w.end ?? t, t);
  }
}

/** A `set-end` line at t (or the end of the data): the running set ends. Ignored when no set runs. */
export function endSet(d: RepDetector, t: number): void {
  switchToEventSets(d, t);
  const running = d.setWindows.find((w) => w.end === null);
  if (!running) return;
  running.end = t;
  d.events.push({ type: 'set-ended', t, index: running.index, end: round3(t) });
  d.closingSets.push(running.index);
  completeEndedSets(d, t);
}

/** A `set-start` line at t: a running set ends there and the next one begins. */
export function startSet(d: RepDetector, t: number): void {
  switchToEventSets(d, t);
  endSet(d, t);
  d.setIndex++;
  d.setWindows.push({ index: d.setIndex, start: t, end: null });
  d.events.push({ type: 'set-started', t, index: d.setIndex, start: round3(t) });
  // The calibration is over once a set starts: a bend under way is exercise after all (a rep from here on).
  d.calibrationBendsLeft = 0;
  const rep = d.current;
  if (rep?.calibrationBend) {
    rep.calibrationBend = false;
    countAsRep(d, rep, t);
  }
}

/**
 * THE rule for which set a rep belongs to (the only one: the bridge stores and the dashboard shows
 * `RepReport.set`). Sets from events: the set running at the rep's start (a rep starting at the very
 * instant one set ends and the next begins is in the next); when none ran then, the set that began at
 * most setStartGraceS after the rep's start (the patient moved just before the clinician pressed
 * "start set"). Sets from pauses: the set the rep opened or continued. Undefined: outside any set.
 */
export function setOfRep(d: RepDetector, repStartT: number): number | undefined {
  if (d.setsFrom === 'pauses') return d.setIndex > 0 ? d.setIndex : undefined;
  let set: number | undefined;
  for (let i = d.setWindows.length - 1; i >= 0 && set === undefined; i--) {
    const w = d.setWindows[i]!;
    if (w.start <= repStartT && (w.end === null || repStartT <= w.end)) set = w.index;
  }
  if (set === undefined) {
    const next = d.setWindows.find((w) => w.start > repStartT);
    if (next && next.start - repStartT <= d.options.setStartGraceS) set = next.index;
  }
  // A set's summary is final once emitted: a rep found only after it (its onset reaching back over
  // the set's end) is outside it rather than missing from the summary.
  return set !== undefined && !d.sets.some((s) => s.index === set) ? set : undefined;
}

function confirm(d: RepDetector, rep: OpenRep, t: number): void {
  rep.confirmed = true;
  if (isCalibrationBend(d, d.history.t[rep.startIdx]!)) {
    rep.calibrationBend = true;
    d.calibrationBendsLeft--;
    return;
  }
  countAsRep(d, rep, t);
}

/** A confirmed bend becomes the next rep: its number, and (sets from pauses) a new set after a pause. */
function countAsRep(d: RepDetector, rep: OpenRep, t: number): void {
  const start = d.history.t[rep.startIdx]!;
  const pause = d.setStartT === null || (d.lastRepEndT !== null && start - d.lastRepEndT > d.options.setBreakS);
  if (d.setsFrom === 'pauses' && pause) {
    closePauseSet(d, t);
    d.setIndex++;
    d.setStartT = start;
    d.events.push({ type: 'set-started', t, index: d.setIndex, start: round3(start) });
  }
  d.repCount++;
  rep.index = d.repCount;
  d.events.push({ type: 'rep-started', t, index: rep.index });
  d.events.push({ type: 'phase', t, index: rep.index, phase: rep.phase });
}

/**
 * A sink series between two rests at the start height, in cm, with what is left at its end (accelerometer
 * tilt and scale errors, up to backToStartHeight's tolerance) removed linearly: both ends stand at one
 * height. Timing needs it: a series that ends 8 cm low never crosses half of a 19 cm sink on the way up, and
 * its ascent read 0.02 s.
 */
function levelledSinkCm(series: { t: number[]; sinkM: number[] }): number[] {
  const n = series.t.length;
  const t0 = series.t[0]!, span = series.t[n - 1]! - t0 || 1;
  const endM = series.sinkM[n - 1]!;
  return series.sinkM.map((m, i) => (m - (endM * (series.t[i]! - t0)) / span) * 100);
}

/** The sacrum's sink series (m, + = below the start) between two times, from the detector's history. */
function sinkSeries(d: RepDetector, fromT: number, toT: number) {
  return sacrumSinkSeriesM(d.history, fromT, toT);
}

/**
 * Closes a rep over history [rep.startIdx, endIdx]. `sinkWindow` is the span whose two ends are at rest
 * (zero vertical velocity), over which the sacrum's sink is measured; without one, the rep's own span
 * padded by 0.3 s is used, and the sink is only reported if it comes back to the start height.
 */
function complete(d: RepDetector, rep: OpenRep, endIdx: number, t: number, sinkWindow?: [number, number]): void {
  const h = d.history;
  const slice = (a: (number | null)[]) => a.slice(rep.startIdx, endIdx + 1);
  const trace: RepTrace = {
    t: h.t.slice(rep.startIdx, endIdx + 1),
    trunkDeg: slice(h.trunkDeg),
    pelvisDeg: slice(h.pelvisDeg),
    lumbarDeg: slice(h.lumbarDeg),
    sacrumVertAccMS2: slice(h.sacrumVertAccMS2),
  };
  let peakFrom = trace.t.findIndex((x) => x >= rep.openT);
  if (peakFrom < 0) peakFrom = 0;
  let timing;
  if (rep.driver === 'trunk') {
    timing = repTiming(trace.t, trace.trunkDeg, rep.baselineDeg, 2, peakFrom);
    // Where the hips sank too, the body is back up only when both are: a chest raised while the hips stay
    // down (a pause at the bottom of a crouch) is not the ascent. The movement times are the longer of
    // the two, so a quick lift of the chest alone does not make a rep too fast.
    const sink = sinkWindow && timing ? sinkSeries(d, sinkWindow[0], sinkWindow[1]) : null;
    const sinkTiming = sink && Math.max(...sink.sinkM) >= d.options.minSinkM ? repTiming(sink.t, levelledSinkCm(sink), 0) : null;
    if (timing && sinkTiming) {
      const end = Math.min(Math.max(timing.end, sinkTiming.end), h.t[endIdx]!);
      timing = {
        start: Math.min(timing.start, Math.max(sinkTiming.start, trace.t[0]!)),
        bottom: timing.bottom,
        end: trace.t.find((x) => x >= end) ?? timing.end,
        descentS: Math.max(timing.descentS, sinkTiming.descentS),
        ascentS: Math.max(timing.ascentS, sinkTiming.ascentS),
      };
    }
  } else {
    const sink = sinkWindow ? sinkSeries(d, sinkWindow[0], sinkWindow[1]) : null;
    timing = sink && repTiming(sink.t, levelledSinkCm(sink), 0);
  }
  if (!timing) return;
  // Peaks over the movement itself (the trace also holds the seconds before it).
  const from = Math.max(0, trace.t.findIndex((x) => x >= timing.start)), to = trace.t.indexOf(timing.end) >= 0 ? trace.t.indexOf(timing.end) : trace.t.length - 1;
  const max = (a: (number | null)[]) =>
    a.slice(from, to + 1).reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
  const peakTrunk = max(trace.trunkDeg) ?? rep.peakDeg;
  const peakPelvis = max(trace.pelvisDeg);
  const peakLumbar = max(trace.lumbarDeg);
  let bottomIdx = trace.t.findIndex((x) => x >= timing.bottom);
  if (bottomIdx < 0) bottomIdx = trace.t.length - 1;
  const pelvisAtBottom = trace.pelvisDeg[bottomIdx] ?? null;
  const trunkAtBottom = trace.trunkDeg[bottomIdx] ?? null;
  const hipShare = pelvisAtBottom !== null && trunkAtBottom !== null && trunkAtBottom > 1 ? Math.max(0, Math.min(1, pelvisAtBottom / trunkAtBottom)) : null;
  // Steps inside the window (walked into or out of the bend): the sink is walking's, not the bend's. A fast
  // deep hinge swings the sacrum sensor through an arc with upward peaks of its own, so steps do not void
  // a trunk-driven rep, only its sink (and with it the knee-dominance verdict).
  const [sinkFrom, sinkTo] = sinkWindow ?? [timing.start - 0.3, timing.end + 0.3];
  const walked = heelStrikes(h, sinkFrom, sinkTo) > d.options.maxHeelStrikes;
  const sink = walked ? null : sinkWindow ? sacrumSinkM(h, sinkFrom, sinkTo) : sacrumSinkM(trace, sinkFrom, sinkTo);
  const details = [
    lumbarRounding(peakLumbar, rep.settings),
    kneeDominant(sink, peakPelvis, d.options.kneeDominance),
    tooFast(timing.descentS, timing.ascentS, rep.settings),
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
  };
  d.lastRepEndT = timing.end;
  d.lastRepDoneT = h.t[endIdx]!;
  d.seated = false;
  // Back standing: the sacrum's running height starts again from here.
  d.sacrumVelMS = 0;
  d.sacrumHeightM = 0;
  if (rep.calibrationBend) {
    const bend: CalibrationBend = { start: report.start, bottom: report.bottom, end: report.end, peakTrunkDeg: report.peakTrunkDeg, peakLumbarDeg: report.peakLumbarDeg };
    d.calibrationBends.push(bend);
    d.events.push({ type: 'calibration-bend', t, bend });
    return;
  }
  const set = setOfRep(d, timing.start);
  if (set !== undefined) report.set = set;
  if (rep.missingS > 0) report.missingS = round3(rep.missingS);
  // Faults found only now (knee dominance from the two-sided estimate, rounding missed during a gap) still alert.
  for (const detail of details) alert(d, rep, detail, t);
  d.reps.push(report);
  d.lastPeakDeg = peakTrunk;
  d.events.push({ type: 'rep-completed', t, rep: report });
}

/** A rep that turned out not to be one (sat down, stood up from a chair, went down stairs, ran too long). */
function cancel(d: RepDetector, rep: OpenRep, seated = false): void {
  if (rep.calibrationBend) d.calibrationBendsLeft++;
  else if (rep.confirmed) d.repCount--;
  d.current = null;
  d.phase = 'standing';
  d.seated = seated;
}

/** The rest moment (zero vertical velocity) a candidate opening at t is measured from, or null if none was close. */
function restBeforeT(d: RepDetector, t: number): number | null {
  const floorT = Math.max(d.lastRepEndT ?? -Infinity, d.lastRepDoneT ?? -Infinity);
  const anchorT = zeroVelocityT(d);
  if (anchorT === null || d.lastQuietT === null || t - d.lastQuietT > d.options.quietLookbackS || anchorT < floorT) return null;
  // Steps since then (walked or went down stairs): the height integrated across them is no one's.
  return heelStrikes(d.history, anchorT, t) > d.options.maxHeelStrikes ? null : anchorT;
}

/** Opens a candidate at history index idx, keeping up to preBufferS before it (not before the previous rep's completion). */
function openCandidate(d: RepDetector, idx: number, driver: OpenRep['driver'], depth: number, t: number): OpenRep {
  // The movement began before the threshold was crossed; repTiming finds where.
  let start = idx;
  const h = d.history;
  const floorT = Math.max(d.lastRepEndT ?? -Infinity, d.lastRepDoneT ?? -Infinity, d.referenceFromT ?? -Infinity);
  while (start > 0 && h.t[idx]! - h.t[start - 1]! <= d.options.preBufferS && h.t[start - 1]! >= floorT) start--;
  d.phase = 'descent';
  const quietBeforeT = restBeforeT(d, t);
  return {
    driver, index: 0, startIdx: start, openT: t, confirmed: false, phase: 'descent', peakDeg: depth, peakT: t,
    alerted: new Set(), ascentMinDeg: Infinity, ascentMinIdx: idx, missingS: 0, baselineDeg: d.baselineDeg, settings: d.settings,
    quietBeforeT, peakSideDeg: 0, lastHeightCheckT: -Infinity, fromSeat: d.seated, calibrationBend: false,
  };
}

/**
 * The trunk's angular speed at history index i over the 0.1 s before it, deg/s (0 where unknown). Taken once,
 * as the frame joins the history (the frames before it never change; a trim keeps far more than 0.1 s).
 */
function trunkSpeedDegS(h: RepTrace, i: number): number {
  const j = Math.max(0, i - 10);
  const a = h.trunkDeg[j], b = h.trunkDeg[i];
  return a !== null && a !== undefined && b !== null && b !== undefined && i > j ? (b - a) / (h.t[i]! - h.t[j]! || 1) : 0;
}

/**
 * Quiet moments: the sacrum's vertical acceleration and the trunk's speed both small (mean squares over
 * the last quietWindowS). At a quiet moment the body's vertical velocity is zero, which is what the
 * two-sided sink estimate needs at both ends. Walking (heel strikes of 2-3 m/s^2) is never quiet.
 */
function trackQuiet(d: RepDetector, f: BodyFrame, idx: number): void {
  const o = d.options;
  const h = d.history;
  // Mean squares over the last quietWindowS (a sliding window, as zero-velocity detectors use: Skog 2010).
  // A running exponential mean kept a jolt's square for ln(jolt^2 / limit^2) time constants: after a turn
  // or a step, the half-second stand before the next squat never read quiet, and its sink had no rest.
  let n = 0, acc2 = 0, speed2 = 0;
  for (let i = idx; i >= 0 && h.t[idx]! - h.t[i]! < o.quietWindowS; i--) {
    const ai = h.sacrumVertAccMS2[i] ?? 0;
    const si = h.trunkSpeedDegS[i]!;
    acc2 += ai * ai;
    speed2 += si * si;
    n++;
  }
  d.quietAcc2 = acc2 / n;
  d.quietSpeed2 = speed2 / n;
  d.quiet = f.trunkDeg !== null && d.quietAcc2 <= o.quietAccMS2 ** 2 && d.quietSpeed2 <= o.quietDegS ** 2;
  // A rest before a rep is quiet for at least minRestS with the pelvis not tilted forward (standing, or
  // sitting with it rolled back). Quiet with the pelvis forward is a pause low in a bend; a moment's quiet
  // during a slow squat (its acceleration under the threshold, the trunk briefly slow) is no rest: the
  // sacrum is sinking then.
  const rest = d.quiet && (f.pelvisDeg === null || f.pelvisDeg <= o.standingPelvisDeg);
  if (!rest) d.restSinceT = null;
  else d.restSinceT ??= f.t;
  if (d.restSinceT !== null && f.t - d.restSinceT >= o.minRestS) {
    d.quietRunStartT = d.restSinceT;
    d.lastQuietT = f.t;
  }
}

/**
 * A moment known to be at rest (zero vertical velocity) before now, s, or null. The quiet test lags: a
 * slow squat (0.2 m in 3.5 s, minimum jerk) accelerates at most 0.09 m/s^2, under quietAccMS2, so only the
 * trunk's speed ends the quiet, about 0.45 s after onset for a 20 deg lean, when the sacrum already sinks
 * at 2 cm/s; over the rest of the squat that lost velocity is about 6 cm of sink. So rest is taken
 * quietLagS before the last quiet frame. Early in a quiet run the previous movement may still be ending
 * as slowly, so not within quietLagS of the run's start either (mid-way through a shorter run).
 * A slower start (a 12 deg lean over 3.5 s passes 4 deg/s only after 1.1 s) is still caught late.
 */
function zeroVelocityT(d: RepDetector): number | null {
  if (d.lastQuietT === null) return null;
  const runStart = d.quietRunStartT ?? d.lastQuietT;
  const lag = d.options.quietLagS;
  return Math.max(runStart + Math.min(lag, (d.lastQuietT - runStart) / 2), d.lastQuietT - lag);
}

/**
 * Leaky double integration of the sacrum's vertical acceleration, held at 0 while the body is quiet between
 * reps. When quiet ends, it starts from the rest moment (zeroVelocityT), integrating the frames since then
 * from the history: the movement began before the quiet test noticed it.
 */
function trackSacrumHeight(d: RepDetector, f: BodyFrame, idx: number, dt: number): void {
  if (f.sacrumVertAccMS2 === null || dt <= 0 || dt > 0.1 || (!d.current && (f.still || d.lastQuietT === f.t))) {
    d.sacrumVelMS = 0;
    d.sacrumHeightM = 0;
    d.heightFromT = null;
    return;
  }
  const h = d.history;
  let from = idx;
  if (d.heightFromT === null) {
    d.heightFromT = zeroVelocityT(d) ?? f.t;
    while (from > 0 && h.t[from - 1]! >= d.heightFromT) from--;
    d.sacrumVelMS = 0;
    d.sacrumHeightM = 0;
  }
  const leak = (step: number) => Math.min(1, step / d.options.sinkLeakS);
  for (let i = from; i <= idx; i++) {
    const step = i > 0 ? h.t[i]! - h.t[i - 1]! : 0;
    if (i === from && from !== idx) continue; // the rest moment itself: the integration starts there
    if (step <= 0 || step > 0.1) continue;
    d.sacrumVelMS += (h.sacrumVertAccMS2[i] ?? 0) * step - d.sacrumVelMS * leak(step);
    d.sacrumHeightM += d.sacrumVelMS * step - d.sacrumHeightM * leak(step);
  }
}

type HeightVerdict = 'back' | 'low' | 'seated' | 'not-a-rep' | 'unknown';

/**
 * At a quiet moment, where is the sacrum relative to where the rep began? 'back' (within a third of the
 * deepest sink, or 8 cm), 'low' (held down with the trunk forward: a pause at the bottom), 'seated' (held
 * down with the trunk upright for seatedS: sitting), 'not-a-rep' (ended higher than it began: stood up,
 * climbed), 'unknown' (no quiet moment before the rep, no acceleration, or steps since it).
 */
function heightVerdict(d: RepDetector, rep: OpenRep, f: BodyFrame, rel: number): { verdict: HeightVerdict; deepestM: number } {
  const o = d.options;
  if (rep.quietBeforeT === null) return { verdict: 'unknown', deepestM: 0 };
  const series = sinkSeries(d, rep.quietBeforeT, f.t);
  if (!series) return { verdict: 'unknown', deepestM: 0 };
  const deepestM = Math.max(0, ...series.sinkM);
  // Steps since the rest (stairs down, walking on): where they ended says nothing of sitting or standing
  // back up, and the person is not seated (steps are taken standing).
  if (heelStrikes(d.history, rep.quietBeforeT, f.t) > o.maxHeelStrikes) return { verdict: 'unknown', deepestM };
  const finalM = series.sinkM[series.sinkM.length - 1]!;
  const pelvisShiftDeg = pelvisSinceStartDeg(d, rep.quietBeforeT, f);
  if (backToStartHeight(deepestM, finalM) && Math.abs(pelvisShiftDeg) <= o.standingPelvisDeg) {
    rep.lowSinceT = undefined;
    rep.seatedSinceT = undefined;
    return { verdict: 'back', deepestM };
  }
  if (finalM < 0 && !backToStartHeight(deepestM, finalM)) return { verdict: 'not-a-rep', deepestM };
  rep.lowSinceT ??= f.t;
  if (rel < o.seatedTrunkDeg) {
    // Held low means held at one height: a slow squat's descent reads quiet too (its acceleration under
    // quietAccMS2, the trunk already still) while the sacrum still sinks.
    if (rep.seatedSinceT === undefined || Math.abs(finalM - (rep.seatedAtM ?? finalM)) > o.heldM) {
      rep.seatedSinceT = f.t;
      rep.seatedAtM = finalM;
    }
    // Low with the trunk upright and the pelvis rolled back past standing sway: a seat carries the body
    // (a crouch tilts the pelvis forward, never back). Otherwise it takes seatedS to tell.
    const rolledBack = f.pelvisDeg !== null && f.pelvisDeg < o.seatedPelvisDeg && pelvisShiftDeg < -o.standingPelvisDeg;
    if (f.t - rep.seatedSinceT >= o.seatedS || rolledBack) return { verdict: 'seated', deepestM };
  } else {
    rep.seatedSinceT = undefined;
  }
  return { verdict: 'low', deepestM };
}

/**
 * How far the pelvis has tilted (+ forward) since the rep's rest moment, deg (0 when unknown). Standing
 * where it began needs it back within standing sway (standingPelvisDeg): the height alone cannot tell, as
 * its tolerance (backToStartHeight) is as large as a shallow squat, and the quiet bottom of a 0.2 m squat
 * with 16 deg of pelvic tilt would read "back".
 */
function pelvisSinceStartDeg(d: RepDetector, startT: number, f: BodyFrame): number {
  if (f.pelvisDeg === null) return 0;
  const h = d.history;
  let i = h.t.length - 1;
  while (i > 0 && h.t[i]! > startT) i--;
  const startPelvis = h.pelvisDeg[i];
  return startPelvis === null || startPelvis === undefined ? 0 : f.pelvisDeg - startPelvis;
}

/** Height checks run at quiet moments, at most every 0.1 s. */
function heightCheckDue(d: RepDetector, rep: OpenRep, t: number): boolean {
  if (!d.quiet || t - rep.lastHeightCheckT < 0.1) return false;
  rep.lastHeightCheckT = t;
  return true;
}

/**
 * A bend whose trunk stayed short of a rep's flexion, judged by how far the sacrum sank. Between the
 * quiet moment before it and a quiet moment after it (zero vertical velocity at both ends), the
 * two-sided estimate must have sunk at least minSinkM, come back to the start height, and gone down and
 * up over at least 0.3 s each. Held low, it waits (a pause at the bottom); seated, stood up from a chair
 * or gone on for maxRepS, it is no rep. Such reps are reported (started and completed) at that moment.
 */
function updateSinkRep(d: RepDetector, rep: OpenRep, idx: number, f: BodyFrame, rel: number): void {
  const o = d.options;
  const sink = -d.sacrumHeightM;
  if (sink > rep.peakDeg) {
    rep.peakDeg = sink;
    rep.peakT = f.t;
  }
  if (f.t - rep.openT > o.maxRepS || rep.quietBeforeT === null) {
    cancel(d, rep);
    return;
  }
  if (f.t - rep.openT < 0.5 || !heightCheckDue(d, rep, f.t)) return;
  const { verdict, deepestM } = heightVerdict(d, rep, f, rel);
  // Held low with the trunk forward: a pause at the bottom, or on the way down; it may sink further.
  if (verdict === 'low') return;
  if (verdict !== 'back' || deepestM < o.minSinkM || rep.fromSeat) {
    cancel(d, rep, verdict === 'seated');
    return;
  }
  const series = sinkSeries(d, rep.quietBeforeT, f.t)!;
  const timing = repTiming(series.t, levelledSinkCm(series), 0);
  if (!timing || timing.descentS < 0.3 || timing.ascentS < 0.3 || heelStrikes(d.history, rep.quietBeforeT, f.t) > o.maxHeelStrikes) {
    cancel(d, rep);
    return;
  }
  rep.phase = 'ascent';
  confirm(d, rep, f.t);
  complete(d, rep, idx, f.t, [rep.quietBeforeT, f.t]);
  d.current = null;
  d.phase = 'standing';
}

/** Standing quietly: the trunk's baseline follows it slowly while near; an upright stand (pelvis at neutral) sets it wherever it is. */
function followBaseline(d: RepDetector, f: BodyFrame, trunk: number, rel: number, dt: number): void {
  const o = d.options;
  // Only a quiet trunk is standing: a slow bend must not drag the baseline along on its way down.
  if (!d.quiet && !f.still) return;
  const uprightStand = f.pelvisDeg !== null && Math.abs(f.pelvisDeg) <= o.standingPelvisDeg;
  if ((rel < o.candidateDeg && Math.abs(trunk) <= o.maxBaselineDeg) || uprightStand) {
    d.baselineDeg += (trunk - d.baselineDeg) * Math.min(1, dt / o.baselineTauS);
  }
}

/** Feeds one body frame. Events accumulate in `events`. */
export function updateReps(d: RepDetector, f: BodyFrame): void {
  updateRepState(d, f);
  completeEndedSets(d, f.t);
}

function updateRepState(d: RepDetector, f: BodyFrame): void {
  const o = d.options;
  const dt = d.lastT > 0 ? f.t - d.lastT : 0;
  d.lastT = f.t;
  const idx = pushHistory(d, f);
  trackQuiet(d, f, idx);
  trackSacrumHeight(d, f, idx, dt);
  const trunk = f.trunkDeg;
  let rep = d.current;
  if (trunk === null) {
    if (rep) rep.missingS += dt;
    return;
  }
  const rel = trunk - d.baselineDeg;
  if (rep) rep.peakSideDeg = Math.max(rep.peakSideDeg, f.trunkSideDeg ?? 0);
  // Sagittal flexion past a rep's threshold, larger than the side tilt: a side bend is not a hinge.
  const flexedEnough = rel >= o.minTrunkDeg && (f.trunkSideDeg === null || f.trunkSideDeg < rel);
  // A candidate is sink-driven while the sacrum sinks but the trunk stays short of a rep's flexion, and
  // trunk-driven as soon as the trunk reaches it.
  if (rep && !rep.confirmed && rep.driver === 'trunk' && -d.sacrumHeightM > o.sinkCandidateM && rel < o.minTrunkDeg) {
    rep.driver = 'sink';
    rep.peakDeg = -d.sacrumHeightM;
    rep.peakT = f.t;
  }
  if (rep?.driver === 'sink' && flexedEnough) {
    rep.driver = 'trunk';
    rep.peakDeg = trunk;
    rep.peakT = f.t;
    rep.phase = 'descent';
  }
  if (rep?.driver === 'sink') {
    updateSinkRep(d, rep, idx, f, rel);
    return;
  }

  if (!rep) {
    followBaseline(d, f, trunk, rel, dt);
    const relNow = trunk - d.baselineDeg;
    if (relNow > o.candidateDeg) {
      d.current = openCandidate(d, idx, 'trunk', trunk, f.t);
    } else if (-d.sacrumHeightM > o.sinkCandidateM && restBeforeT(d, f.t) !== null) {
      // Only a sink measured from a rest can be judged (and a seated person's sink does not end their sitting).
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
  if (!rep.confirmed && flexedEnough && !rep.fromSeat) confirm(d, rep, f.t);
  if (!rep.confirmed) {
    const uprightStand = d.quiet && f.pelvisDeg !== null && Math.abs(f.pelvisDeg) <= o.standingPelvisDeg && f.t - rep.openT > 1;
    if (rel <= o.returnDeg || (f.still && f.t - rep.openT > 2) || uprightStand || f.t - rep.openT > o.maxRepS) {
      // Back near standing without the trunk reaching a rep: the sacrum may still have sunk enough (a
      // squat with little lean); that is judged at the next quiet moment. Otherwise a lean or sway.
      if (rel <= o.returnDeg && rep.quietBeforeT !== null && f.t - rep.openT <= o.maxRepS) {
        rep.driver = 'sink';
        rep.peakDeg = -d.sacrumHeightM;
      } else {
        cancel(d, rep);
      }
    }
    return;
  }

  // Live alerts: lumbar rounding the moment it crosses the limit.
  if (f.lumbarDeg !== null) {
    const rounding = lumbarRounding(f.lumbarDeg, rep.settings);
    if (rounding) alert(d, rep, rounding, f.t);
  }

  const depth = rep.peakDeg - rep.baselineDeg;
  if (f.t - rep.openT > o.maxRepS) {
    // No rep lasts this long: either it went up and never reached the (stale) standing baseline, or it is
    // not a bend at all.
    if ((rep.phase === 'ascent' || rep.phase === 'standing') && rep.ascentMinDeg - rep.baselineDeg <= 0.5 * depth) {
      complete(d, rep, rep.ascentMinIdx, f.t);
      d.current = null;
      d.phase = 'standing';
    } else {
      cancel(d, rep);
    }
    return;
  }
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
      if (rel <= o.returnDeg || ((f.still || d.quiet) && rel < 0.5 * depth)) {
        // Back near standing (or standing still well up from the bottom: the calibration has drifted, the
        // stale-calibration check says so): finish once the trunk has settled (its slow tail belongs to
        // the ascent) and, where it can be measured, the sacrum is back at the height the rep began at.
        rep.settleSinceT ??= f.t;
        const h = d.history;
        const back = Math.max(0, idx - 10);
        const a = h.trunkDeg[back], b = h.trunkDeg[idx];
        const speed = a !== null && a !== undefined && b !== null && b !== undefined ? Math.abs(b - a) / (f.t - h.t[back]! || 1) : Infinity;
        const settled = (speed < o.settledDegS && (d.quiet || f.sacrumVertAccMS2 === null)) || f.t - rep.settleSinceT >= o.settleMaxS;
        if (!settled) break;
        const measured = d.quiet && rep.quietBeforeT !== null;
        if (measured && !heightCheckDue(d, rep, f.t)) break;
        const verdict: HeightVerdict = measured ? heightVerdict(d, rep, f, rel).verdict : 'unknown';
        if (verdict === 'low') break; // held low, the trunk forward: still at the bottom
        if (verdict === 'seated' || verdict === 'not-a-rep') {
          cancel(d, rep, verdict === 'seated');
          break;
        }
        if (verdict === 'back') {
          complete(d, rep, idx, f.t, [rep.quietBeforeT!, f.t]);
        } else if (d.quiet && f.pelvisDeg !== null && f.pelvisDeg < o.seatedPelvisDeg && rel < o.seatedTrunkDeg) {
          // No height to go by (no rest before the bend, or steps since it), but quiet with the trunk upright
          // and the pelvis rolled back past any standing sway: sitting.
          cancel(d, rep, true);
          break;
        } else if (measured || (f.t - rep.settleSinceT >= o.settleMaxS && rep.lowSinceT === undefined)) {
          complete(d, rep, idx, f.t);
        } else {
          break;
        }
        d.current = null;
        d.phase = 'standing';
      } else if (trunk > rep.ascentMinDeg + o.reboundDeg) {
        rep.settleSinceT = undefined;
        if (rep.ascentMinDeg - rep.baselineDeg <= Math.max(o.candidateDeg, 0.3 * depth)) {
          // Back near standing, then straight into the next bend: the rep ends at the turning point.
          const turn = rep.ascentMinIdx;
          complete(d, rep, turn, f.t);
          d.current = openCandidate(d, idx, 'trunk', trunk, f.t);
          d.current.startIdx = turn;
          if (flexedEnough) confirm(d, d.current, f.t);
        } else {
          // Went part way up and down again: still the same rep.
          setPhase(d, rep, 'bottom', f.t);
        }
      }
      break;
  }
}

/**
 * Calibration bends. The calibration wizard asks the patient, once the neutral is marked, for two slow
 * bends that show the flexion axis (body-angles.ts). They are bends like any other, but not exercise:
 * a clinician counts the reps of the sets, and "rep 2 of 10" beside "4 reps" is wrong. So, where sets
 * come from the clinician's set lines (the bridge's live sessions and their recordings), up to
 * CALIBRATION_BENDS bends that start after a `calibrate` line, outside any set and before the next set
 * starts, are calibration bends: no rep number, no rep events or alerts, in no count or summary; each is
 * reported by a `calibration-bend` event and kept in the document's calibrationBends. It is decided when
 * the bend is confirmed, from the lines read so far, so a live session and its recording agree; a set
 * starting while it is under way makes it a rep after all (numbered then; the patient had begun the set).
 * With sets from pauses (a file without set lines) every bend may be exercise, and none is a calibration bend.
 */
export const CALIBRATION_BENDS = 2;

/** A `calibrate` line: the next CALIBRATION_BENDS bends outside a set are the calibration's. */
export function calibrationRequested(d: RepDetector): void {
  d.calibrationBendsLeft = CALIBRATION_BENDS;
}

function isCalibrationBend(d: RepDetector, startT: number): boolean {
  return d.setsFrom === 'events' && d.calibrationBendsLeft > 0 && setOfRep(d, startT) === undefined;
}

/**
 * The trunk's standing reference has changed at t (slip.ts re-zeroed a shifted thoracic sensor on an
 * upright still stand): the person stands, so no rep is under way. A rep still open began in the old
 * reference and is judged in none: it is dropped (it is what the shift made of standing: a bend that never
 * came back). The person stands (not seated), the standing baseline is the new reference's 0, and no later
 * rep reaches back before t.
 */
export function standingReferenceChanged(d: RepDetector, t: number): void {
  if (d.current) cancel(d, d.current);
  d.seated = false;
  d.baselineDeg = 0;
  d.referenceFromT = t;
}

export function finishReps(d: RepDetector): string[] {
  const warnings: string[] = [];
  const rep = d.current;
  if (rep?.confirmed && !rep.calibrationBend) {
    warnings.push(`recording ended during rep ${rep.index} (trunk at ${rep.peakDeg.toFixed(0)} deg peak, not back to standing): not counted`);
    d.repCount--;
  }
  d.current = null;
  if (d.setsFrom === 'pauses') closePauseSet(d, d.lastT);
  else endSet(d, d.lastT);
  completeEndedSets(d, d.lastT);
  return warnings;
}
