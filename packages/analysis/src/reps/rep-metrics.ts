// Metrics of one finished repetition, computed from its stretch of body frames: timing from the
// trunk's angular velocity, peaks, hip share, and the sacrum's vertical travel.

export interface RepTrace {
  t: number[];
  trunkDeg: (number | null)[];
  pelvisDeg: (number | null)[];
  lumbarDeg: (number | null)[];
  sacrumVertAccMS2: (number | null)[];
}

export interface RepTiming {
  start: number;
  bottom: number;
  end: number;
  descentS: number;
  ascentS: number;
}

/**
 * Timing of a rep from its depth signal (the trunk angle, deg, or for a squat without trunk flexion the
 * sacrum's sink, cm), with minSpeed in the signal's units per second.
 * Timing from the trunk's angular velocity. Movement onset and end are where the trunk's speed falls
 * below max(2 deg/s, 5% of the rep's peak speed), searched outwards from the half-depth crossings;
 * the bottom is the time of peak trunk flexion; the descent ends when the trunk first stops near the
 * bottom, and the ascent starts when it last leaves it (so a pause at the bottom counts in neither).
 * Velocity thresholds find the true start of a smooth movement much better than angle thresholds:
 * near its ends a smooth bend's angle grows with the cube of time but its speed only with the square.
 */
export function repTiming(t: number[], signal: (number | null)[], baseline: number, minSpeed = 2, peakFromIdx = 0): RepTiming | null {
  const n = t.length;
  const trunk = signal;
  let peakIdx = -1;
  let peak = -Infinity;
  // The peak is searched from peakFromIdx on: the seconds kept before a rep began may still hold the
  // end of an earlier bend, whose depth is not this rep's.
  for (let i = Math.max(0, peakFromIdx); i < n; i++) {
    const v = trunk[i];
    if (v !== null && v !== undefined && v > peak) {
      peak = v;
      peakIdx = i;
    }
  }
  if (peakIdx < 0) return null;
  const half = baseline + (peak - baseline) / 2;
  // Speed by central differences over +-2 frames; null where data is missing.
  const speed: (number | null)[] = new Array(n).fill(null);
  let maxSpeed = 0;
  for (let i = 2; i < n - 2; i++) {
    const a = trunk[i - 2], b = trunk[i + 2];
    if (a === null || b === null || a === undefined || b === undefined) continue;
    const v = (b - a) / (t[i + 2]! - t[i - 2]!);
    speed[i] = v;
    maxSpeed = Math.max(maxSpeed, Math.abs(v));
  }
  const threshold = Math.max(minSpeed, 0.05 * maxSpeed);
  const slow = (i: number) => speed[i] !== null && Math.abs(speed[i]!) <= threshold;
  // Half-depth crossings around the peak.
  let down = peakIdx;
  while (down > 0 && (trunk[down] === null || trunk[down]! > half)) down--;
  let up = peakIdx;
  while (up < n - 1 && (trunk[up] === null || trunk[up]! > half)) up++;
  let onset = down;
  while (onset > 0 && !slow(onset)) onset--;
  let arrive = down;
  while (arrive < peakIdx && !slow(arrive)) arrive++;
  let leave = up;
  while (leave > peakIdx && !slow(leave)) leave--;
  let finish = up;
  while (finish < n - 1 && !slow(finish)) finish++;
  return {
    start: t[onset]!,
    bottom: t[peakIdx]!,
    end: t[finish]!,
    descentS: t[arrive]! - t[onset]!,
    ascentS: t[finish]! - t[leave]!,
  };
}

/**
 * Vertical travel of the sacrum during a rep, m (+ = sank), from its vertical acceleration: double
 * integration between two moments of zero vertical velocity (standing before and after), with the
 * velocity drift removed linearly so that it is zero at both ends (a zero-velocity update, as in
 * foot-mounted inertial navigation, e.g. Foxlin 2005). Null when the acceleration is missing for
 * more than a tenth of the rep.
 */
export function sacrumSinkM(trace: RepTrace, fromT: number, toT: number): number | null {
  const series = sacrumSinkSeriesM(trace, fromT, toT);
  if (!series) return null;
  const deepest = Math.max(0, ...series.sinkM);
  // The window must begin and end at the same standing height. When it does not, one of its ends was not
  // at rest (walking on, stepping down): the linear velocity correction is then wrong, and so is the sink.
  if (!backToStartHeight(deepest, series.sinkM[series.sinkM.length - 1]!)) return null;
  return deepest;
}

/**
 * A movement that sank `deepestM` has come back up when its last sink is within half of that, or within
 * 0.2 m: what is left of acceleration errors after the zero-velocity correction over a slow bend. The
 * accelerometer's scale errors (a few tenths of a percent per axis) put gravity's projection off by
 * about 0.05 m/s^2 while the pelvis is tilted, and only while it is: the linear correction cannot remove
 * that, and over 3-5 s it leaves 0.1-0.2 m. Sitting down (0.40-0.55 m, held) stays outside it.
 */
export function backToStartHeight(deepestM: number, finalM: number): boolean {
  return Math.abs(finalM) <= Math.max(0.2, deepestM / 2);
}

/**
 * The sacrum's sink (m, + = below where it started) over [fromT, toT], from its vertical acceleration:
 * double integration with the velocity drift removed linearly so it is zero at both ends. Null when the
 * acceleration is missing for more than a tenth of the span.
 */
export function sacrumSinkSeriesM(trace: RepTrace, fromT: number, toT: number): { t: number[]; sinkM: number[] } | null {
  const idx: number[] = [];
  for (let i = 0; i < trace.t.length; i++) if (trace.t[i]! >= fromT && trace.t[i]! <= toT) idx.push(i);
  if (idx.length < 10) return null;
  let missing = 0;
  for (const i of idx) if (trace.sacrumVertAccMS2[i] === null) missing++;
  if (missing > idx.length / 10) return null;
  // Velocity by trapezoids (missing acceleration counts as 0), then linear drift removal.
  const v = new Float64Array(idx.length);
  for (let k = 1; k < idx.length; k++) {
    const a0 = trace.sacrumVertAccMS2[idx[k - 1]!] ?? 0, a1 = trace.sacrumVertAccMS2[idx[k]!] ?? 0;
    v[k] = v[k - 1]! + ((a0 + a1) / 2) * (trace.t[idx[k]!]! - trace.t[idx[k - 1]!]!);
  }
  const t0 = trace.t[idx[0]!]!, span = trace.t[idx[idx.length - 1]!]! - t0 || 1;
  const drift = v[idx.length - 1]!;
  const t: number[] = [t0];
  const sinkM: number[] = [0];
  let p = 0;
  for (let k = 1; k < idx.length; k++) {
    const ta = trace.t[idx[k - 1]!]!, tb = trace.t[idx[k]!]!;
    const va = v[k - 1]! - (drift * (ta - t0)) / span, vb = v[k]! - (drift * (tb - t0)) / span;
    p += ((va + vb) / 2) * (tb - ta);
    t.push(tb);
    sinkM.push(-p);
  }
  return { t, sinkM };
}

/**
 * Heel strikes between two times: upward peaks of the sacrum's vertical acceleration of at least
 * stepAccMS2, at least minStepS apart. In walking and on stairs each step lifts the pelvis with a peak of
 * 2-3 m/s^2 (trunk accelerometry of gait: Zijlstra & Hof, Gait Posture 2003), at up to 3 steps/s. A bend
 * has at most two upward lobes (braking the descent, then starting the rise; one without a pause), of
 * 5.8 * depth / time^2: 0.5 m/s^2 for a 0.3 m squat over 1.5 s. Quiet standing and sway stay under 0.3 m/s^2.
 */
export function heelStrikes(trace: RepTrace, fromT: number, toT: number, stepAccMS2 = 1, minStepS = 0.3): number {
  let count = 0;
  let lastT = -Infinity;
  const acc = trace.sacrumVertAccMS2;
  // The first frame at or after fromT (times ascend): a binary search, as this runs while candidates open.
  let lo = 0, hi = trace.t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (trace.t[mid]! < fromT) lo = mid + 1;
    else hi = mid;
  }
  for (let i = Math.max(1, lo); i < trace.t.length - 1; i++) {
    const t = trace.t[i]!;
    if (t > toT) break;
    const a = acc[i];
    if (a === null || a === undefined || a < stepAccMS2) continue;
    if ((acc[i - 1] ?? -Infinity) > a || (acc[i + 1] ?? -Infinity) > a) continue;
    if (t - lastT < minStepS) continue;
    count++;
    lastT = t;
  }
  return count;
}
