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
//                segment at its last quiet stand (slip.ts), which should be 0.
// Cheap: a handful of multiplications per frame, no allocation.

/** One sensor's inclination error, deg (see above). */
const ORIENTATION_SIGMA_DEG = 0.5;
/** Soft tissue: standard deviation as a share of the segment's flexion. */
const SKIN_SHARE = 0.02;
/** An unknown clock offset within +-40 ms, uniform: its standard deviation, s. */
const UNKNOWN_LAG_SIGMA_S = 0.04 / Math.sqrt(3);

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
  /** Frames written so far. */
  count: number;
  /** Previous frame's trunk angle and time, for the trunk rate. */
  prevTrunkDeg: number | null;
  prevT: number;
}

export function createUncertaintyTrail(capacity = 16384): UncertaintyTrail {
  return { t: new Float64Array(capacity), lumbarDeg: new Float64Array(capacity), sigmaDeg: new Float64Array(capacity), count: 0, prevTrunkDeg: null, prevT: 0 };
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
  trail.count++;
}

/** The uncertainty at the frame of largest lumbar flexion within [start, end], deg; null when none is kept. */
export function uncertaintyAtPeak(trail: UncertaintyTrail, start: number, end: number): number | null {
  const n = trail.t.length;
  let best = -Infinity;
  let sigma: number | null = null;
  for (let k = trail.count - 1; k >= 0 && k >= trail.count - n; k--) {
    const i = k % n;
    const t = trail.t[i]!;
    if (t < start - 1e-9) break;
    if (t > end + 1e-9) continue;
    const l = trail.lumbarDeg[i]!;
    if (l >= best) {
      best = l;
      sigma = trail.sigmaDeg[i]!;
    }
  }
  return sigma;
}
