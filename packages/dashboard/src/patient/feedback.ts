// What the patient is told, as pure functions: which zone the lumbar angle is in, and whether this
// moment of this rep gets feedback at all (faded feedback for motor learning).
//
// Zones: "flat" (green) while lumbar flexion stays clear of the limit, "near" (amber) within the margin
// below the limit, "past" (red) above it. The margin is a quarter of the limit, at least 3 degrees.
//
// Faded feedback follows two findings from motor-learning research: reducing how often feedback is given
// (e.g. every Nth trial) helps retention (Winstein & Schmidt 1990, J Exp Psychol Learn Mem Cogn 16:677),
// and "bandwidth" feedback, given only when performance leaves a tolerance band, does the same
// (Sherwood 1988, Percept Mot Skills 66:535).

export type Zone = 'flat' | 'near' | 'past';

export function nearMarginDeg(limitDeg: number): number {
  return Math.max(3, limitDeg * 0.25);
}

/** The zone of one lumbar angle (degrees, + = flexion) against the limit; null angle means no data. */
export function zoneOf(lumbarDeg: number | null, limitDeg: number): Zone | null {
  if (lumbarDeg === null || !Number.isFinite(lumbarDeg)) return null;
  if (lumbarDeg > limitDeg) return 'past';
  if (lumbarDeg > limitDeg - nearMarginDeg(limitDeg)) return 'near';
  return 'flat';
}

export type FeedbackMode =
  | { kind: 'always' }
  | { kind: 'outside-band' }
  | { kind: 'every-nth'; n: number };

/**
 * Whether the patient sees colour and hears sound right now. `repIndex` is the rep in progress
 * (from 1), or null between reps. Outside a rep the figure is always shown calmly.
 */
export function feedbackOn(mode: FeedbackMode, repIndex: number | null, zone: Zone | null): boolean {
  switch (mode.kind) {
    case 'always':
      return true;
    case 'outside-band':
      return zone === 'near' || zone === 'past';
    case 'every-nth':
      return repIndex !== null && mode.n >= 1 && repIndex % Math.round(mode.n) === 0;
  }
}

export interface PatientDisplayInput {
  /** Latest lumbar angle, degrees (+ = flexion). */
  lumbarDeg: number | null;
  limitDeg: number;
  /** The rep in progress (from 1), null while standing between reps. */
  currentRep: number | null;
  /** Reps that raised a lumbar-rounding alert. */
  roundedReps: ReadonlySet<number>;
  lastRep: { index: number; peakLumbarDeg: number | null; faults: readonly string[] } | null;
  mode: FeedbackMode;
}

/** What the patient screen shows: a zone (null = calm, no feedback now) and its words (an i18n key, `patient.*`). */
export interface PatientDisplay {
  zone: Zone | null;
  words: PatientWords;
}

export type PatientWords = 'patient.ready' | 'patient.keepGoing' | 'patient.readyNext' | `patient.zone.${Zone}` | `patient.last.${Zone}`;

const WORSE: Record<Zone, number> = { flat: 0, near: 1, past: 2 };
const worst = (a: Zone | null, b: Zone | null): Zone | null => (a === null ? b : b === null ? a : WORSE[a] >= WORSE[b] ? a : b);

/**
 * During a rep: the live zone, held at "past" for the rest of a rep once it raised a rounding alert.
 * Between reps: how the last rep went (its peak lumbar angle and faults). Faded feedback can hide both.
 */
export function patientDisplay(input: PatientDisplayInput): PatientDisplay {
  const { currentRep, lastRep, mode } = input;
  if (currentRep !== null) {
    const zone = worst(zoneOf(input.lumbarDeg, input.limitDeg), input.roundedReps.has(currentRep) ? 'past' : null);
    if (zone === null || !feedbackOn(mode, currentRep, zone)) return { zone: null, words: 'patient.keepGoing' };
    return { zone, words: `patient.zone.${zone}` };
  }
  if (lastRep === null) return { zone: null, words: 'patient.ready' };
  const rounded = lastRep.faults.includes('lumbar-rounding') || input.roundedReps.has(lastRep.index);
  const zone = worst(zoneOf(lastRep.peakLumbarDeg, input.limitDeg), rounded ? 'past' : null) ?? 'flat';
  if (!feedbackOn(mode, lastRep.index, zone)) return { zone: null, words: 'patient.readyNext' };
  return { zone, words: `patient.last.${zone}` };
}
