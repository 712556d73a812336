// Smooth time profiles the script is built from. All of them have continuous first and second
// derivatives, so velocities and accelerations computed from them are continuous too.

/**
 * Minimum-jerk transition from 0 (u <= 0) to 1 (u >= 1): 10u^3 - 15u^4 + 6u^5, zero velocity and
 * acceleration at both ends (T. Flash & N. Hogan, J Neurosci 1985: the shape of smooth human reaching).
 */
export function minimumJerk(u: number): number {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  return u * u * u * (10 + u * (-15 + 6 * u));
}

/** Integral of minimumJerk over [0, u] for u in [0, 1]: 2.5u^4 - 3u^5 + u^6 (0.5 at u = 1). */
function minimumJerkIntegral(u: number): number {
  const v = Math.min(Math.max(u, 0), 1);
  return v ** 4 * (2.5 + v * (-3 + v));
}

/** A window that rises 0 -> 1 over `rampS`, holds 1, and falls back to 0 over the last `rampS` of `durationS`. */
export function plateau(tS: number, durationS: number, rampS: number): number {
  const r = Math.min(rampS, durationS / 2);
  if (tS <= 0 || tS >= durationS) return 0;
  if (tS < r) return minimumJerk(tS / r);
  if (tS > durationS - r) return minimumJerk((durationS - tS) / r);
  return 1;
}

/** Integral of `plateau` over [0, tS] (s): the distance covered when `plateau` is a speed of 1. */
export function plateauIntegral(tS: number, durationS: number, rampS: number): number {
  const r = Math.min(rampS, durationS / 2);
  const full = durationS - r; // the integral over the whole window
  if (tS <= 0) return 0;
  if (tS >= durationS) return full;
  if (tS < r) return r * minimumJerkIntegral(tS / r);
  if (tS <= durationS - r) return r / 2 + (tS - r);
  const fromEnd = durationS - tS;
  return full - r * minimumJerkIntegral(fromEnd / r);
}

export interface BendTiming {
  /** Standing still before the bend starts, s. */
  leadS: number;
  descentS: number;
  /** Time spent at the bottom, s. */
  pauseS: number;
  ascentS: number;
}

/** Pauses at least this long get the full bottom sink, s. */
const FULL_SINK_PAUSE_S = 0.5;

/**
 * The bend of one repetition: 0 standing, 1 at the end of the descent. During a pause at the bottom the
 * body keeps sinking a little (`bottomSink`, a fraction of the bend) and comes back, so the deepest
 * point (the rep's `bottom`) is the middle of the pause rather than anywhere on a flat hold.
 */
export function bendProfile(tS: number, timing: BendTiming, bottomSink: number): number {
  const { leadS, descentS, pauseS, ascentS } = timing;
  const down = tS - leadS;
  if (down < descentS) return minimumJerk(down / descentS);
  const hold = down - descentS;
  if (hold < pauseS) {
    // The sink scales with the square of a short pause, so its acceleration stays bounded: a fixed sink
    // squeezed into a 20 ms pause would mean hundreds of m/s^2 (a knock, not a pause).
    const sink = bottomSink * Math.min(1, (pauseS / FULL_SINK_PAUSE_S) ** 2);
    const u = hold / pauseS;
    return 1 + sink * (u < 0.5 ? minimumJerk(2 * u) : minimumJerk(2 - 2 * u));
  }
  return 1 - minimumJerk((hold - pauseS) / ascentS);
}
