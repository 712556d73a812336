// The sensors: how a body motion becomes the numbers a device sends. Ideal readings come from the
// motion (gyro from the orientation's change, accelerometer from the position's second derivative plus
// gravity), then each device's imperfections are applied: mounting, scale, bias and bias drift, white
// noise, soft-tissue wobble, and its timing (phase, clock offset and drift, jitter).
import type { Quat, SampleLine, Vec3 } from '@hinge/protocol';
import { bodyPose, OSCILLATION_RAMP_S, sensorSite, type Motion, type Placement } from './body';
import { conjugate, fromAxisAngle, fromYawPitchRoll, IDENTITY, multiply, normalize, rotate, toRotationVector } from './quaternion';
import { createRng, randomRotation, randomUnitVector, type Rng } from './random';
import { isRepStep, REP_LEAD_S, type ScriptStep } from './script';

export const GRAVITY_MS2 = 9.81;
/** Step of the central differences for angular rate and acceleration, s. */
const DIFF_STEP_S = 1e-3;
const DEG = Math.PI / 180;

export type NoiseLevel = 'none' | 'typical' | 'high';
export type Mounting = 'aligned' | 'random';

/**
 * The hard conditions a clinic meets (issue 12), each on top of the noise level. All of them are
 * written into the truth file with the other imperfections.
 */
export interface SensorConditions {
  /** Gyroscope full-scale range, deg/s: readings clip at +- this (the MetaMotion default is 250). */
  gyrRangeDegS?: number;
  /** Accelerometer full-scale range, g (e.g. 2). */
  accRangeG?: number;
  /** Heavy soft tissue: strong, slow-decaying wobble and a skin shift that grows with the bend. */
  heavySoftTissue?: boolean;
  /** The thoracic sensor slips this far on the skin (mostly about the left-right axis), deg ... */
  thoracicSlipDeg?: number;
  /** ... at a constant rate over this long from the start, s (then it stays). */
  thoracicSlipOverS?: number;
  /** The thoracic sensor's clock lags the sacrum's by this much more, s (e.g. 0.035-0.040). */
  thoracicLagS?: number;
  /**
   * Both devices send this many samples per BLE packet, without timestamps (three to a MetaWear packed
   * notification), and the recorder stamps them as the packet arrives, 1 ms apart (a recorder without
   * the bridge's clock, sensor-bridge/src/ble/clock.ts). The packet arrives when its last sample is taken
   * (plus the clock offset and jitter).
   */
  packetSamples?: number;
}

/** The imperfections of one device. All of it goes into the truth file. */
export interface SensorErrors {
  /** Sensor frame -> segment frame. */
  mountQuat: Quat;
  gyrBiasRadS: Vec3;
  /** Random walk of the gyro bias, rad/s per sqrt(s). */
  gyrBiasWalkRadSPerSqrtS: number;
  gyrNoiseRadS: number;
  gyrScale: Vec3;
  accBiasMS2: Vec3;
  accNoiseMS2: number;
  accScale: Vec3;
  /** Delay from the sensor's sample instant to the bridge clock, s. */
  clockOffsetS: number;
  /** The sensor clock runs fast (+) or slow (-) by this many parts per million. */
  clockDriftPpm: number;
  /** First sample instant, s (the two sensors are not aligned). */
  phaseS: number;
  /** Timestamp jitter: each written t is off by up to +-jitterS (uniform). */
  jitterS: number;
  /** Soft-tissue wobble: damped oscillation about `wobbleAxis` (segment frame) after each sharp movement change. */
  wobbleAxis: Vec3;
  wobbleAmplitudeRad: number;
  wobbleFrequencyHz: number;
  wobbleDecayS: number;
  /** quat-only devices: heading of the device's own earth frame, and its slow yaw drift. */
  quatHeadingRad: number;
  quatYawDriftRadS: number;
  quatNoiseRad: number;
  /** Readings clip at +- these (per axis); null: no clipping. */
  gyrRangeRadS: number | null;
  accRangeMS2: number | null;
  /** Skin shift: extra rotation about the segment's left-right axis, this fraction of the segment's pitch. */
  skinShiftPerPitch: number;
  /** Slow slip on the skin: rotation about `slipAxis` (segment frame) growing to slipTotalRad over slipOverS. */
  slipAxis: Vec3;
  slipTotalRad: number;
  slipOverS: number;
  /** Samples per packet stamped on arrival (absent: every sample stamped at its own instant). */
  packetSamples?: number;
}

const LEVELS = {
  none: { gyrBiasRadS: 0, gyrWalk: 0, gyrNoise: 0, scale: 0, accBias: 0, accNoise: 0, offsetS: 0, driftPpm: 0, jitterS: 0, wobbleDeg: 0, yawDriftDegPerMin: 0, quatNoiseDeg: 0 },
  // Typical consumer MEMS after turn-on (e.g. BMI160/ICM-20948 class): gyro bias up to ~1.5 deg/s.
  typical: { gyrBiasRadS: 1.5 * DEG, gyrWalk: 2e-5, gyrNoise: 0.005, scale: 0.005, accBias: 0.05, accNoise: 0.03, offsetS: 0.01, driftPpm: 50, jitterS: 0.002, wobbleDeg: 0.3, yawDriftDegPerMin: 0.5, quatNoiseDeg: 0.05 },
  high: { gyrBiasRadS: 3 * DEG, gyrWalk: 1e-4, gyrNoise: 0.01, scale: 0.01, accBias: 0.15, accNoise: 0.05, offsetS: 0.025, driftPpm: 200, jitterS: 0.004, wobbleDeg: 0.5, yawDriftDegPerMin: 2, quatNoiseDeg: 0.15 },
} as const;

/** Heavy soft tissue: wobble amplitude, deg, decay range, s, and the largest skin shift per degree of pitch. */
const HEAVY_WOBBLE_DEG = 2;
const HEAVY_WOBBLE_DECAY_S = [0.1, 0.2] as const;
const HEAVY_SKIN_SHIFT_PER_PITCH = 0.04;

export function randomSensorErrors(
  rng: Rng,
  options: { noise: NoiseLevel; mounting: Mounting; periodS: number; jitterS?: number; placement?: Placement; conditions?: SensorConditions },
): SensorErrors {
  const level = LEVELS[options.noise];
  const spread = (max: number): Vec3 => [rng.uniform(-max, max), rng.uniform(-max, max), rng.uniform(-max, max)];
  const scale = (): Vec3 => spread(level.scale).map((e) => 1 + e) as Vec3;
  const errors = ordinaryErrors();
  // Drawn after the ordinary errors, so a session with and without conditions shares every ordinary error.
  if (!options.conditions) return errors;
  return applyConditions(errors, options.conditions, options.placement ?? 'sacrum', createRng(Math.floor(rng.uniform(0, 2 ** 31))));

  function ordinaryErrors(): SensorErrors {
    return {
    mountQuat: options.mounting === 'random' ? randomRotation(rng) : IDENTITY,
    gyrBiasRadS: spread(level.gyrBiasRadS),
    gyrBiasWalkRadSPerSqrtS: level.gyrWalk,
    gyrNoiseRadS: level.gyrNoise,
    gyrScale: scale(),
    accBiasMS2: spread(level.accBias),
    accNoiseMS2: level.accNoise,
    accScale: scale(),
    clockOffsetS: rng.uniform(0, level.offsetS),
    clockDriftPpm: rng.uniform(-level.driftPpm, level.driftPpm),
    phaseS: rng.uniform(0, options.periodS),
    jitterS: options.jitterS ?? level.jitterS,
    wobbleAxis: randomUnitVector(rng),
    wobbleAmplitudeRad: level.wobbleDeg * DEG,
    wobbleFrequencyHz: rng.uniform(8, 15),
    wobbleDecayS: rng.uniform(0.05, 0.1),
    quatHeadingRad: rng.uniform(-Math.PI, Math.PI),
    quatYawDriftRadS: (rng.uniform(-1, 1) * level.yawDriftDegPerMin * DEG) / 60,
    quatNoiseRad: level.quatNoiseDeg * DEG,
    gyrRangeRadS: null,
    accRangeMS2: null,
    skinShiftPerPitch: 0,
    slipAxis: [0, 1, 0],
    slipTotalRad: 0,
    slipOverS: 1,
    };
  }
}

function applyConditions(errors: SensorErrors, c: SensorConditions, placement: Placement, rng: Rng): SensorErrors {
  const e = { ...errors };
  if (c.gyrRangeDegS !== undefined) e.gyrRangeRadS = c.gyrRangeDegS * DEG;
  if (c.accRangeG !== undefined) e.accRangeMS2 = c.accRangeG * GRAVITY_MS2;
  if (c.packetSamples !== undefined) e.packetSamples = Math.max(1, Math.round(c.packetSamples));
  if (c.heavySoftTissue) {
    e.wobbleAmplitudeRad = HEAVY_WOBBLE_DEG * DEG;
    e.wobbleFrequencyHz = rng.uniform(6, 12);
    e.wobbleDecayS = rng.uniform(...HEAVY_WOBBLE_DECAY_S);
    e.skinShiftPerPitch = rng.uniform(-1, 1) * HEAVY_SKIN_SHIFT_PER_PITCH;
  }
  if (placement === 'thoracic') {
    if (c.thoracicSlipDeg) {
      // Mostly about the left-right axis (the strap slides up or down the curved back), a little sideways.
      const side = rng.uniform(-0.3, 0.3);
      const n = Math.hypot(side, 1);
      e.slipAxis = [side / n, 1 / n, 0];
      e.slipTotalRad = c.thoracicSlipDeg * DEG * (rng.next() < 0.5 ? -1 : 1);
      e.slipOverS = c.thoracicSlipOverS ?? 600;
    }
    if (c.thoracicLagS) e.clockOffsetS += c.thoracicLagS;
  }
  return e;
}

interface Kick {
  tS: number;
  strength: number;
}
const kicksOfStep = new WeakMap<ScriptStep, Kick[]>();

function wobbleKicks(step: ScriptStep): Kick[] {
  let kicks = kicksOfStep.get(step);
  if (!kicks) kicksOfStep.set(step, (kicks = findKicks(step)));
  return kicks;
}

/** Local times (s) of the sharp movement changes in a step that set soft tissue wobbling, with a strength. */
function findKicks(step: ScriptStep): Kick[] {
  if (step.kind === 'walk') {
    // heel strikes, once the walk is under way and until it slows down
    const kicks: Kick[] = [];
    for (let tS = OSCILLATION_RAMP_S; tS < step.durationS - OSCILLATION_RAMP_S; tS += 1 / step.stepHz) kicks.push({ tS, strength: 1 });
    return kicks;
  }
  if (!isRepStep(step)) return [];
  const bottomS = REP_LEAD_S + step.descentS;
  return [
    { tS: bottomS, strength: Math.min(3, 1.5 / step.descentS) },
    { tS: bottomS + step.pauseS + step.ascentS, strength: Math.min(3, 1.5 / step.ascentS) },
  ];
}

/** Wobble angle (rad) at tS: decaying oscillations after each kick of the step running, faded in over 20 ms. */
function wobbleRad(motion: Motion, errors: SensorErrors, tS: number, stepIndexHint: { index: number }): number {
  if (errors.wobbleAmplitudeRad === 0) return 0;
  const steps = motion.steps;
  let i = Math.min(stepIndexHint.index, steps.length - 1);
  while (i > 0 && steps[i]!.startS > tS) i--;
  while (i < steps.length - 1 && steps[i]!.endS <= tS) i++;
  stepIndexHint.index = i;
  let sum = 0;
  // the wobble of a kick near the end of the previous step may still be ringing
  for (const placed of [steps[i - 1], steps[i]]) {
    if (!placed) continue;
    for (const kick of wobbleKicks(placed.step)) {
      const since = tS - placed.startS - kick.tS;
      if (since <= 0 || since > 8 * errors.wobbleDecayS) continue;
      const fadeIn = Math.min(1, since / 0.02);
      const envelope = fadeIn * fadeIn * (3 - 2 * fadeIn) * Math.exp(-since / errors.wobbleDecayS);
      sum += kick.strength * errors.wobbleAmplitudeRad * envelope * Math.sin(2 * Math.PI * errors.wobbleFrequencyHz * since);
    }
  }
  return sum;
}

/** Orientation and position of one device (sensor frame -> earth) at the true instant tS. */
function devicePose(motion: Motion, placement: Placement, errors: SensorErrors, tS: number, hint: { index: number }): { q: Quat; p: Vec3 } {
  const pose = bodyPose(motion, tS);
  const { segment, positionM } = sensorSite(motion.body, pose, placement);
  let onSkin = segment;
  if (errors.slipTotalRad !== 0) onSkin = multiply(onSkin, fromAxisAngle(errors.slipAxis, errors.slipTotalRad * Math.min(1, Math.max(0, tS) / errors.slipOverS)));
  if (errors.skinShiftPerPitch !== 0) {
    const pitchRad = placement === 'sacrum' ? pose.pelvisPitchRad : pose.trunkPitchRad;
    onSkin = multiply(onSkin, fromAxisAngle([0, 1, 0], errors.skinShiftPerPitch * pitchRad));
  }
  const wobbleAngleRad = wobbleRad(motion, errors, tS, hint);
  const wobbling = wobbleAngleRad === 0 ? onSkin : multiply(onSkin, fromAxisAngle(errors.wobbleAxis, wobbleAngleRad));
  return { q: multiply(wobbling, errors.mountQuat), p: positionM };
}

interface IdealReading {
  /** Sensor -> earth orientation. */
  q: Quat;
  gyrRadS: Vec3;
  accMS2: Vec3;
}

/**
 * What a perfect device would read at the true instant tS. Angular rate: rotation vector of
 * q(t-h)^-1 q(t+h) over 2h (sensor frame). Acceleration: (p(t+h) - 2p(t) + p(t-h)) / h^2, plus gravity,
 * rotated into the sensor frame (specific force: +9.81 along the up axis at rest).
 */
function idealReading(motion: Motion, placement: Placement, errors: SensorErrors, tS: number, hint: { index: number }): IdealReading {
  const h = DIFF_STEP_S;
  const before = devicePose(motion, placement, errors, tS - h, hint);
  const now = devicePose(motion, placement, errors, tS, hint);
  const after = devicePose(motion, placement, errors, tS + h, hint);
  const turn = toRotationVector(multiply(conjugate(before.q), after.q));
  const specificForce: Vec3 = [
    (after.p[0] - 2 * now.p[0] + before.p[0]) / (h * h),
    (after.p[1] - 2 * now.p[1] + before.p[1]) / (h * h),
    (after.p[2] - 2 * now.p[2] + before.p[2]) / (h * h) + GRAVITY_MS2,
  ];
  return {
    q: now.q,
    gyrRadS: [turn[0] / (2 * h), turn[1] / (2 * h), turn[2] / (2 * h)],
    accMS2: rotate(conjugate(now.q), specificForce),
  };
}

/** A device's full-scale range: each axis saturates at +- range (null: no limit). */
function clip(v: Vec3, range: number | null): Vec3 {
  if (range === null) return v;
  return v.map((x) => Math.max(-range, Math.min(range, x))) as Vec3;
}

/** Rounds for writing; `+ 0` turns -0 into 0 so a written file reads back to the same numbers. */
const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f + 0;
};

export interface SamplerOptions {
  id: string;
  placement: Placement;
  errors: SensorErrors;
  periodS: number;
  quatOnly: boolean;
  /** Sample lines with a written t in [startS, endS) are dropped (radio drop-outs). */
  dropouts: { startS: number; endS: number }[];
}

/** Produces one device's sample lines in order, on the bridge clock. Holds the bias walk and noise state. */
export interface Sampler {
  /** Sample lines with written t <= untilS whose true instant is at most `motionEndS`. */
  take(motion: Motion, untilS: number, motionEndS: number): SampleLine[];
}

export function createSampler(options: SamplerOptions, rng: Rng): Sampler {
  const { errors, periodS } = options;
  const tickS = periodS * (1 - errors.clockDriftPpm * 1e-6);
  const bias: Vec3 = [...errors.gyrBiasRadS];
  let index = 0;
  let lastWrittenS = 0;
  const hint = { index: 0 };
  const trueInstant = (k: number) => errors.phaseS + k * tickS;
  const perPacket = errors.packetSamples ?? 1;
  let packetJitterS = 0;
  const written = (k: number): number => {
    if (perPacket === 1) return Math.max(lastWrittenS, trueInstant(k) + errors.clockOffsetS + rng.uniform(-errors.jitterS, errors.jitterS));
    // stamped when the packet arrives, after its last sample, then 1 ms apart
    const inPacket = k % perPacket;
    if (inPacket === 0) packetJitterS = rng.uniform(-errors.jitterS, errors.jitterS);
    return Math.max(lastWrittenS, trueInstant(k - inPacket + perPacket - 1) + errors.clockOffsetS + packetJitterS + 0.001 * inPacket);
  };
  let nextWrittenS = written(0);
  const dropped = (tS: number) => options.dropouts.some((d) => tS >= d.startS && tS < d.endS);
  const noisy = (v: Vec3, scale: Vec3, offset: Vec3, sd: number): Vec3 => [
    v[0] * scale[0] + offset[0] + sd * rng.normal(),
    v[1] * scale[1] + offset[1] + sd * rng.normal(),
    v[2] * scale[2] + offset[2] + sd * rng.normal(),
  ];

  return {
    take(motion, untilS, motionEndS) {
      const lines: SampleLine[] = [];
      while (nextWrittenS <= untilS && trueInstant(index) <= motionEndS) {
        const trueS = trueInstant(index);
        const tS = nextWrittenS;
        if (!dropped(tS)) {
          const ideal = idealReading(motion, options.placement, errors, trueS, hint);
          const t = round(tS, 4);
          if (options.quatOnly) {
            const deviceEarth = fromYawPitchRoll(errors.quatHeadingRad + errors.quatYawDriftRadS * trueS, 0, 0);
            const sd = errors.quatNoiseRad;
            const error = sd > 0 ? fromYawPitchRoll(0, sd * rng.normal(), sd * rng.normal()) : IDENTITY;
            const q = normalize(multiply(multiply(error, deviceEarth), ideal.q));
            lines.push({ t, sensor: options.id, quat: q.map((c) => round(c, 6)) as Quat });
          } else {
            const acc = clip(noisy(ideal.accMS2, errors.accScale, errors.accBiasMS2, errors.accNoiseMS2), errors.accRangeMS2);
            const gyr = clip(noisy(ideal.gyrRadS, errors.gyrScale, bias, errors.gyrNoiseRadS), errors.gyrRangeRadS);
            lines.push({
              t,
              sensor: options.id,
              acc: acc.map((v) => round(v, 4)) as Vec3,
              gyr: gyr.map((v) => round(v, 5)) as Vec3,
            });
          }
        }
        if (errors.gyrBiasWalkRadSPerSqrtS > 0) {
          const step = errors.gyrBiasWalkRadSPerSqrtS * Math.sqrt(tickS);
          for (let axis = 0; axis < 3; axis++) bias[axis]! += step * rng.normal();
        }
        lastWrittenS = tS;
        index++;
        nextWrittenS = written(index);
      }
      return lines;
    },
  };
}
