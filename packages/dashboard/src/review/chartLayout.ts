// Where a small progress chart puts its points and which of them get a label, as pure functions: x by
// date (time-proportional, so a gap of weeks looks like one), and labels thinned so none overlap.

/** x positions (px) for dates (ms), spread over [left, right]; one date sits in the middle. */
export function dateXs(datesMs: readonly number[], left: number, right: number): number[] {
  const first = Math.min(...datesMs);
  const last = Math.max(...datesMs);
  const span = last - first;
  return datesMs.map((d) => (span <= 0 ? (left + right) / 2 : left + ((d - first) / span) * (right - left)));
}

/**
 * Indices of the points to label, left to right, at least `minGapPx` apart. The last point is always
 * labelled (the latest session is the one a clinician reads); earlier labels too close to a later
 * chosen one give way.
 */
export function labelledIndices(xs: readonly number[], minGapPx: number): number[] {
  const chosen: number[] = [];
  let nextX = Infinity;
  for (let i = xs.length - 1; i >= 0; i--) {
    if (nextX - xs[i]! >= minGapPx) {
      chosen.push(i);
      nextX = xs[i]!;
    }
  }
  return chosen.reverse();
}
