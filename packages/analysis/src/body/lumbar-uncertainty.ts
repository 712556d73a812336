// The lumbar angle's own uncertainty while it moves: one standard deviation, deg, per grid frame.
// Lumbar flexion is trunk minus pelvis, two sensors' inclinations, so it inherits the errors of both
// and of putting them side by side. The contributions are independent and add in quadrature:
//
//   orientation  each sensor's inclination error of the 6D filter: ORIENTATION_SIGMA_DEG, this filter's
//                RMSE against optical ground truth on BROAD's undisturbed trials with slow and moderate
//                movement (0.31-0.54 deg; fast rotation 0.80, fast combined 1.48: `pnpm bench`);
//   soft tissue  a skin-mounted sensor follows the skin, which slides over the spinous processes as the
//                back flexes (F. Morl and R. Blickhan, Eur Spine J 15, 2006; R. Zemp et al., PLoS ONE
//                9(4), 2014): SKIN_SHARE of each segment's flexion, a model constant, not a fit;
//   clipping     after a bridged span, until the inclination is re-anchored, the bridge's own error
//                (orientation-filter.ts, bridgeVarRad2): per sensor;
//   lag          a residual clock offset dt between the sensors reads the trunk at the wrong instant:
//                error = dt * trunk rate. dt's standard deviation is the lag estimator's sigmaS
//                (lag-estimator.ts), or, while that is unknown, that of an unknown offset anywhere in
//                +-40 ms (uniform: 40 / sqrt(3) ms);
//   slip         what the slip correction has not absorbed yet: the corrected standing reading of each
//                segment at its last quiet stand (slip.ts), which should be 0;
//   wobble       soft tissue also rings: after a sharp change of movement (the stop at the bottom of a
//                bend) the skin, fat and muscle under a sensor oscillate for a few tenths of a second at some
//                5-20 Hz, by up to several degrees (wobbling masses: A. Leardini et al., "Human movement
//                analysis using stereophotogrammetry Part 3: soft tissue artifact assessment", Gait & Posture
//                21, 2005; skin-mounted inertial sensors: A. Forner-Cordero et al., "Study of the motion
//                artefacts of skin-mounted inertial sensors under different attachment conditions", Physiol.
//                Meas. 29, 2008). The bone's own movement in a rep lies mostly below 2-3 Hz, so the ringing
//                is what is left of the lumbar angle after a local quadratic fit over 0.27 s (Savitzky-Golay
//                smoothing: passes the bone's motion, curvature included; the residual keeps half of 5 Hz and
//                nearly all from 6 Hz up; bone motion that leaks in makes the term larger, never smaller).
//                It is measured, not modelled. The rep's peak is its largest reading, so it sits on a crest of
//                the ringing when there is one: the term is the largest residual within +-WOBBLE_HALF_FRAMES
//                of the peak frame (the crest's height). A calm segment adds only the residual of noise.
// Cheap: a handful of multiplications per frame, no allocation.

/** One sensor's inclination error, deg (see above). */
const ORIENTATION_SIGMA_DEG = 0.5;
/** Soft tissue: standard deviation as a share of the segment's flexion. */
const SKIN_SHARE = 0.02;
/** An unknown clock offset within +-40 ms, uniform: its standard deviation, s. */
const UNKNOWN_LAG_SIGMA_S = 0.04 / Math.sqrt(3);
/** Wobble: the quadratic fit spans 2 * WOBBLE_HALF_FRAMES + 1 grid frames (0.27 s at 100 Hz), and so does the search for its crest. */
export const WOBBLE_HALF_FRAMES = 13;
/** Savitzky-Golay weights of a quadratic fit's centre value over 2h+1 points: (3(3h^2+3h-1) - 15 j^2) / ((2h-1)(2h+1)(2h+3)). */
const SG_WEIGHTS = Array.from({ length: 2 * WOBBLE_HALF_FRAMES + 1 }, (_, i) => {
  const h = WOBBLE_HALF_FRAMES, j = i - h;
  return (3 * (3 * h * h + 3 * h - 1) - 15 * j * j) / ((2 * h - 1) * (2 * h + 1) * (2 * h + 3));
});

export interface UncertaintyInputs {
  pelvisDeg: number;
  trunkDeg: number;
  /** Trunk angular rate about the flexion axis, deg/s. */
  trunkRateDegS: number;
  /** Standard deviation of the remaining inter-sensor lag, s (null: no estimate yet). */
  lagSigmaS: number | null;
  /** Per sensor, the bridges' inclination uncertainty since the last re-anchoring, deg. */
  pelvisBridgeDeg: number;
  trunkBridgeDeg: number;
  /** Per segment, the slip correction's residual (corrected standing reading at the last stand), deg. */
  pelvisSlipDeg: number;
  trunkSlipDeg: number;
}

export function lumbarSigmaDeg(x: UncertaintyInputs): number {
  const orientation = 2 * ORIENTATION_SIGMA_DEG * ORIENTATION_SIGMA_DEG;
  const skin = (SKIN_SHARE * x.pelvisDeg) ** 2 + (SKIN_SHARE * x.trunkDeg) ** 2;
  const lag = ((x.lagSigmaS ?? UNKNOWN_LAG_SIGMA_S) * x.trunkRateDegS) ** 2;
  const clip = x.pelvisBridgeDeg ** 2 + x.trunkBridgeDeg ** 2;
  const slip = x.pelvisSlipDeg ** 2 + x.trunkSlipDeg ** 2;
  return Math.sqrt(orientation + skin + lag + clip + slip);
}

/**
 * The last frames' lumbar angle and its uncertainty (a ring of `capacity` frames), so that a rep, once
 * it is reported, gets the uncertainty at its peak lumbar frame.
 */
export interface UncertaintyTrail {
  readonly t: Float64Array;
  readonly lumbarDeg: Float64Array;
  readonly sigmaDeg: Float64Array;
  /** Per frame, the squared residual of the lumbar angle from its local quadratic fit, deg^2 (the wobble; NaN until known). */
  readonly wobbleDeg2: Float64Array;
  /** Frames written so far. */
  count: number;
  /** Previous frame's trunk angle and time, for the trunk rate. */
  prevTrunkDeg: number | null;
  prevT: number;
}

export function createUncertaintyTrail(capacity = 16384): UncertaintyTrail {
  return {
    t: new Float64Array(capacity),
    lumbarDeg: new Float64Array(capacity),
    sigmaDeg: new Float64Array(capacity),
    wobbleDeg2: new Float64Array(capacity).fill(NaN),
    count: 0,
    prevTrunkDeg: null,
    prevT: 0,
  };
}

/** Trunk rate from the previous frame, deg/s (0 for the first frame or after a gap of data). */
export function trunkRateDegS(trail: UncertaintyTrail, t: number, trunkDeg: number | null): number {
  const prev = trail.prevTrunkDeg;
  const dtS = t - trail.prevT;
  trail.prevTrunkDeg = trunkDeg;
  trail.prevT = t;
  return prev === null || trunkDeg === null || !(dtS > 0) ? 0 : (trunkDeg - prev) / dtS;
}

export function recordUncertainty(trail: UncertaintyTrail, t: number, lumbarDeg: number | null, sigmaDeg: number): void {
  const i = trail.count % trail.t.length;
  trail.t[i] = t;
  trail.lumbarDeg[i] = lumbarDeg ?? NaN;
  trail.sigmaDeg[i] = sigmaDeg;
  trail.wobbleDeg2[i] = NaN;
  trail.count++;
  updateWobble(trail);
}

/** The wobble of the frame WOBBLE_HALF_FRAMES back, now that the frames after it are in (NaN across a missing angle). */
function updateWobble(trail: UncertaintyTrail): void {
  const n = trail.t.length;
  const h = WOBBLE_HALF_FRAMES;
  const first = trail.count - 1 - 2 * h;
  if (first < 0) return;
  let fit = 0;
  let i = first % n; // the ring slot of frame first + j (stepped, not a remainder per term)
  for (let j = 0; j <= 2 * h; j++) {
    fit += SG_WEIGHTS[j]! * trail.lumbarDeg[i]!;
    i = i + 1 === n ? 0 : i + 1;
  }
  const centre = (first + h) % n;
  trail.wobbleDeg2[centre] = (trail.lumbarDeg[centre]! - fit) ** 2;
}

/**
 * The uncertainty at the frame of largest lumbar flexion within [start, end], deg, with the wobble around
 * it (see the header); null when none is kept.
 */
export function uncertaintyAtPeak(trail: UncertaintyTrail, start: number, end: number): number | null {
  const n = trail.t.length;
  let best = -Infinity;
  let peak = -1;
  for (let k = trail.count - 1; k >= 0 && k >= trail.count - n; k--) {
    const i = k % n;
    const t = trail.t[i]!;
    if (t < start - 1e-9) break;
    if (t > end + 1e-9) continue;
    const l = trail.lumbarDeg[i]!;
    if (l >= best) {
      best = l;
      peak = k;
    }
  }
  if (peak < 0) return null;
  return Math.hypot(trail.sigmaDeg[peak % n]!, wobbleAmplitudeDeg(trail, peak));
}

/** The largest wobble within +-WOBBLE_HALF_FRAMES of frame k (the frames known), deg: the crest the peak may sit on. */
export function wobbleAmplitudeDeg(trail: UncertaintyTrail, k: number): number {
  const n = trail.t.length;
  let largest = 0;
  for (let j = Math.max(k - WOBBLE_HALF_FRAMES, trail.count - n); j <= Math.min(k + WOBBLE_HALF_FRAMES, trail.count - 1); j++) {
    const w = trail.wobbleDeg2[j % n]!;
    if (w > largest) largest = w; // NaN (not known) is never larger
  }
  return Math.sqrt(largest);
}
