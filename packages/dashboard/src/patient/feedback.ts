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

export const ZONE_WORDS: Record<Zone, { label: string; cue: string }> = {
  flat: { label: 'Back flat', cue: 'Good, keep your back flat' },
  near: { label: 'Near the limit', cue: 'Careful, keep your back flat' },
  past: { label: 'Back rounding', cue: 'Flat back. Push your hips back' },
};

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

export function describeMode(mode: FeedbackMode): string {
  switch (mode.kind) {
    case 'always':
      return 'Feedback on every rep';
    case 'outside-band':
      return 'Feedback only near or past the limit';
    case 'every-nth':
      return `Feedback on every ${ordinal(mode.n)} rep`;
  }
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
