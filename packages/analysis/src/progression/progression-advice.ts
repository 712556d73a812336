// Progression advice for the hip hinge: from a patient's course of sessions, propose the next load
// step (none -> dowel -> band -> weights), staying, or a step back when pain rises. A proposal only:
// the clinician decides. The rule and its sources are in docs/analysis.md ("Progression advice").
import { LOADS, type Load } from '@hinge/protocol';

/** One finished session, as the review knows it. Null where a figure is missing. */
export interface CourseSession {
  load: Load;
  repCount: number;
  /** Clean reps / reps, 0..1. */
  cleanShare: number | null;
  /** Mean of the reps' peak lumbar flexion, degrees. */
  peakLumbarDegMean: number | null;
  lumbarLimitDeg: number;
  /** Mean descent time, s, against the session's shortest allowed descent. */
  descentSMean: number | null;
  tempoMinS: number;
  /** Pain on a 0-10 scale before and after the session. */
  painBefore: number | null;
  painAfter: number | null;
}

export interface ProgressionSettings {
  /** Sessions at the current load that must all pass before a step up. */
  sessionsAtLoad: number;
  /** Clean-rep share each of those sessions needs, 0..1. */
  cleanShareMin: number;
  /** Mean peak lumbar flexion must stay at or below this share of the limit. */
  peakLumbarShareOfLimitMax: number;
  /** A rise of pain (after minus before) of at least this many points is a step back (MCID of the NPRS). */
  painRiseStepBack: number;
  /** Pain (before or after) above this: a step back; the hip hinge suits 1-5. */
  painCeiling: number;
  /** Fewest reps a session needs to count. */
  repsMin: number;
}

export const DEFAULT_PROGRESSION_SETTINGS: ProgressionSettings = {
  sessionsAtLoad: 2,
  cleanShareMin: 0.8,
  peakLumbarShareOfLimitMax: 0.75,
  painRiseStepBack: 2,
  painCeiling: 5,
  repsMin: 5,
};

export type ProgressionCheck =
  | 'sessions-at-load'
  | 'reps'
  | 'clean-share'
  | 'peak-lumbar'
  | 'tempo'
  | 'pain-rise'
  | 'pain-ceiling';

/** One reason: which check, whether it passed, the value and the threshold it was held against. */
export interface ProgressionReason {
  check: ProgressionCheck;
  ok: boolean;
  value: number | null;
  threshold: number;
}

export interface ProgressionAdvice {
  action: 'up' | 'stay' | 'down';
  from: Load;
  to: Load;
  /** Every check made, in order; the failing ones explain a stay or a step back. */
  reasons: ProgressionReason[];
}

const loadIndex = (load: Load) => LOADS.indexOf(load);

/** Pain checks on the latest session: a rise of `painRiseStepBack` points, or pain above the ceiling. */
function painReasons(latest: CourseSession, s: ProgressionSettings): ProgressionReason[] {
  const rise = latest.painBefore !== null && latest.painAfter !== null ? latest.painAfter - latest.painBefore : null;
  const highest = Math.max(latest.painBefore ?? -1, latest.painAfter ?? -1);
  return [
    { check: 'pain-rise', ok: rise === null || rise < s.painRiseStepBack, value: rise, threshold: s.painRiseStepBack },
    { check: 'pain-ceiling', ok: highest <= s.painCeiling, value: highest < 0 ? null : highest, threshold: s.painCeiling },
  ];
}

/** Movement checks on one session; all must pass for it to count towards a step up. */
function movementReasons(session: CourseSession, s: ProgressionSettings): ProgressionReason[] {
  const peakShare = session.peakLumbarDegMean === null ? null : session.peakLumbarDegMean / session.lumbarLimitDeg;
  return [
    { check: 'reps', ok: session.repCount >= s.repsMin, value: session.repCount, threshold: s.repsMin },
    { check: 'clean-share', ok: session.cleanShare !== null && session.cleanShare >= s.cleanShareMin, value: session.cleanShare, threshold: s.cleanShareMin },
    { check: 'peak-lumbar', ok: peakShare !== null && peakShare <= s.peakLumbarShareOfLimitMax, value: peakShare, threshold: s.peakLumbarShareOfLimitMax },
    { check: 'tempo', ok: session.descentSMean !== null && session.descentSMean >= session.tempoMinS, value: session.descentSMean, threshold: session.tempoMinS },
  ];
}

/** Worst result per check across sessions (the first failing one, else the latest passing one). */
function worstPerCheck(perSession: ProgressionReason[][]): ProgressionReason[] {
  const latest = perSession[perSession.length - 1] ?? [];
  return latest.map((reason, i) => perSession.map((list) => list[i]!).find((r) => !r.ok) ?? reason);
}

/**
 * `course`: finished sessions, oldest first. Step back one load when the latest session's pain rose by
 * `painRiseStepBack` points or more, or went above `painCeiling`; step up one load when the latest
 * `sessionsAtLoad` sessions were all at the current load and each passed every movement check; else stay.
 */
export function progressionAdvice(course: readonly CourseSession[], settings: Partial<ProgressionSettings> = {}): ProgressionAdvice | null {
  const s = { ...DEFAULT_PROGRESSION_SETTINGS, ...settings };
  const latest = course[course.length - 1];
  if (!latest) return null;
  const from = latest.load;
  const at = loadIndex(from);
  const pain = painReasons(latest, s);
  if (pain.some((r) => !r.ok)) {
    return { action: at > 0 ? 'down' : 'stay', from, to: LOADS[Math.max(0, at - 1)]!, reasons: pain };
  }
  let streak = 0;
  while (streak < course.length && course[course.length - 1 - streak]!.load === from) streak++;
  const recent = course.slice(course.length - Math.min(streak, s.sessionsAtLoad));
  const movement = worstPerCheck(recent.map((session) => movementReasons(session, s)));
  const reasons: ProgressionReason[] = [
    { check: 'sessions-at-load', ok: streak >= s.sessionsAtLoad, value: streak, threshold: s.sessionsAtLoad },
    ...movement,
    ...pain,
  ];
  const canStepUp = at < LOADS.length - 1 && reasons.every((r) => r.ok);
  return { action: canStepUp ? 'up' : 'stay', from, to: canStepUp ? LOADS[at + 1]! : from, reasons };
}
