// The forward model of the body: where the pelvis and the upper trunk are and how they are oriented at
// any time t, evaluated analytically from the script (docs/simulator.md, "Physical model").
// Earth frame: x forward (initial facing), y left, z up. Segment orientation R = Rz(yaw) Ry(pitch) Rx(roll);
// Ry(+pitch) tilts the segment's up axis toward +x, i.e. forward flexion.
import type { Quat, Vec3 } from '@hinge/protocol';
import { add, fromYawPitchRoll, multiply, rotate } from './quaternion';
import { bendProfile, minimumJerk, plateau, plateauIntegral } from './profiles';
import type { Rng } from './random';
import { isRepStep, REP_LEAD_S, STAIRS_RAMP_S, stepDurationS, type ScriptStep } from './script';

const DEG = Math.PI / 180;

/** Fraction of the bend a person keeps sinking during a pause at the bottom (see bendProfile). */
const BOTTOM_SINK = 0.03;
/**
 * In a rounded rep the lumbar spine flexes first and unrolls last: its flexion takes this fraction less
 * time on the way down and up (and holds longer at the bottom) than the pelvis tilt.
 */
const ROUNDED_LUMBAR_LEAD = 0.25;
/** Fade-in and fade-out of oscillating steps (sway, walk), s. */
export const OSCILLATION_RAMP_S = 0.8;

/** One frequency of quiet-standing postural sway. */
interface SwayComponent {
  amplitudeRad: number;
  frequencyHz: number;
  phaseRad: number;
}

/** The person: segment geometry and their own quiet-standing sway. */
export interface BodyParams {
  /** Height of the hip joint centre when standing, m (also the ankle-to-hip pendulum length of sway). */
  hipHeightM: number;
  /** Sacrum sensor position relative to the hip joint centre, in the pelvis frame, m. */
  sacrumOffsetM: Vec3;
  /** Lumbosacral joint relative to the hip joint centre, in the pelvis frame, m. */
  lumbosacralOffsetM: Vec3;
  /** Thoracic sensor position relative to the lumbosacral joint, in the trunk frame, m. */
  thoracicOffsetM: Vec3;
  /** Forward-back (pitch) and side (roll) postural sway, present all the time. */
  pitchSway: SwayComponent[];
  rollSway: SwayComponent[];
}

export function randomBody(rng: Rng): BodyParams {
  const sway = (amplitudesDeg: number[], frequenciesHz: number[]): SwayComponent[] =>
    amplitudesDeg.map((a, i) => ({
      amplitudeRad: a * DEG * rng.uniform(0.7, 1.3),
      frequencyHz: (frequenciesHz[i] ?? 0.2) * rng.uniform(0.85, 1.15),
      phaseRad: rng.uniform(0, 2 * Math.PI),
    }));
  return {
    hipHeightM: rng.uniform(0.85, 1.0),
    sacrumOffsetM: [-rng.uniform(0.09, 0.11), 0, rng.uniform(0.07, 0.09)],
    lumbosacralOffsetM: [-0.05, 0, 0.12],
    thoracicOffsetM: [-rng.uniform(0.09, 0.11), 0, rng.uniform(0.27, 0.33)],
    // Quiet standing: a few tenths of a degree, most of it below 0.3 Hz.
    pitchSway: sway([0.3, 0.12, 0.05], [0.12, 0.35, 0.7]),
    rollSway: sway([0.2, 0.08], [0.18, 0.45]),
  };
}

/** Everything that moves, at one instant. Angles rad, positions m, earth frame. */
export interface BodyPose {
  yawRad: number;
  pelvisPitchRad: number;
  pelvisRollRad: number;
  trunkPitchRad: number;
  trunkRollRad: number;
  /** Hip joint centre. */
  hipM: Vec3;
  /** How far the skin has turned the thoracic sensor about the trunk's left-right axis (reach steps). */
  thoracicSkinShiftRad: number;
}

/** A step placed on the timeline, with the heading and floor position it starts from. */
export interface PlacedStep {
  step: ScriptStep;
  startS: number;
  endS: number;
  yawRad: number;
  floorM: [number, number];
  /** Floor height (stairs climbed so far), m. */
  floorZM: number;
  /** Thoracic skin shift accumulated by earlier steps, rad. */
  skinShiftRad: number;
}

export interface Motion {
  body: BodyParams;
  steps: PlacedStep[];
}

/** Motion of one step at local time tS, relative to standing at the step's heading and floor position. */
interface StepDelta {
  yawRad: number;
  pelvisPitchRad: number;
  pelvisRollRad: number;
  trunkPitchRad: number;
  trunkRollRad: number;
  dropM: number;
  backM: number;
  leftM: number;
  walkedM: number;
  skinShiftRad: number;
}

const still = (): StepDelta => ({
  yawRad: 0, pelvisPitchRad: 0, pelvisRollRad: 0, trunkPitchRad: 0, trunkRollRad: 0, dropM: 0, backM: 0, leftM: 0, walkedM: 0, skinShiftRad: 0,
});

/** Down in 40 % of the time, hold 20 %, back up in 40 % (0 -> 1 -> 0). */
function downHoldUp(tS: number, durationS: number): number {
  return minimumJerk(tS / (0.4 * durationS)) - minimumJerk((tS - 0.6 * durationS) / (0.4 * durationS));
}

/** A smooth bump 0 -> 1 -> 0 over u in [0, 1] (16 u^2 (1-u)^2: zero slope at both ends). */
function bump(u: number): number {
  if (u <= 0 || u >= 1) return 0;
  return 16 * u * u * (1 - u) * (1 - u);
}

/** Going up or down stairs at the step rate: one stair per step, a minimum-jerk rise each. */
const STAIR_TREAD_M = 0.28;

function stepDelta(step: ScriptStep, tS: number): StepDelta {
  const d = still();
  if (isRepStep(step)) {
    const timing = { leadS: REP_LEAD_S, descentS: step.descentS, pauseS: step.pauseS, ascentS: step.ascentS };
    const bend = bendProfile(tS, timing, BOTTOM_SINK);
    const lead = step.kind === 'rounded' ? ROUNDED_LUMBAR_LEAD : 0;
    const lumbarBend = bendProfile(
      tS,
      {
        leadS: REP_LEAD_S,
        descentS: (1 - lead) * step.descentS,
        pauseS: step.pauseS + lead * (step.descentS + step.ascentS),
        ascentS: (1 - lead) * step.ascentS,
      },
      BOTTOM_SINK,
    );
    d.pelvisPitchRad = bend * step.pelvisDeg * DEG;
    d.trunkPitchRad = d.pelvisPitchRad + lumbarBend * (step.trunkDeg - step.pelvisDeg) * DEG;
    d.dropM = bend * step.hipDropM;
    d.backM = bend * step.hipBackM;
    return d;
  }
  switch (step.kind) {
    case 'stand':
    case 'pause':
      return d;
    case 'sway': {
      const w = plateau(tS, step.durationS, OSCILLATION_RAMP_S);
      const side = w * Math.sin(2 * Math.PI * step.frequencyHz * tS);
      const lean = w * Math.sin(Math.PI * step.frequencyHz * tS) * step.leanDeg * DEG;
      d.leftM = side * step.sideShiftM;
      d.pelvisRollRad = -side * step.sideRollDeg * DEG; // hips shift left: the pelvis drops on the right
      d.trunkRollRad = 0.5 * side * step.sideRollDeg * DEG; // the trunk leans back toward the middle
      d.pelvisPitchRad = lean;
      d.trunkPitchRad = lean;
      return d;
    }
    case 'turn': {
      d.yawRad = minimumJerk(tS / step.durationS) * step.angleDeg * DEG;
      // small steps while turning on the spot: ~1 cm bounce at 2 Hz
      d.dropM = 0.01 * plateau(tS, step.durationS, 0.4) * (1 - Math.cos(4 * Math.PI * tS)) * 0.5;
      return d;
    }
    case 'walk': {
      const ramp = Math.min(OSCILLATION_RAMP_S, step.durationS / 2);
      const w = plateau(tS, step.durationS, ramp);
      const stepPhase = 2 * Math.PI * step.stepHz * tS;
      const stridePhase = stepPhase / 2;
      d.walkedM = (step.distanceM * plateauIntegral(tS, step.durationS, ramp)) / (step.durationS - ramp);
      d.dropM = 0.02 * w * (1 + Math.cos(stepPhase)); // 4 cm vertical bounce, lowest at double support
      d.yawRad = 4 * DEG * w * Math.sin(stridePhase); // pelvic rotation
      d.pelvisRollRad = 3 * DEG * w * Math.sin(stridePhase + Math.PI / 2); // pelvic obliquity
      d.trunkRollRad = -1.5 * DEG * w * Math.sin(stridePhase + Math.PI / 2);
      d.leftM = 0.02 * w * Math.sin(stridePhase);
      d.pelvisPitchRad = 1 * DEG * w * Math.sin(stepPhase);
      d.trunkPitchRad = 1.5 * DEG * w * Math.sin(stepPhase + 0.5);
      return d;
    }
    case 'nod': {
      // down in 40 % of the time, hold 20 %, back up in 40 %; the pelvis follows a little
      const lean = downHoldUp(tS, step.durationS);
      d.trunkPitchRad = lean * step.trunkDeg * DEG;
      d.pelvisPitchRad = lean * 0.2 * step.trunkDeg * DEG;
      return d;
    }
    case 'stairs': {
      const stepS = 1 / step.stepHz;
      const climbS = step.stairs * stepS;
      const u = (tS - STAIRS_RAMP_S) / stepS;
      const done = Math.max(0, Math.min(step.stairs, Math.floor(u)));
      const climbed = u >= step.stairs ? step.stairs : done + minimumJerk(u - done);
      const w = plateau(tS, step.durationS, STAIRS_RAMP_S);
      d.dropM = -step.riseM * climbed + 0.015 * w * (1 - Math.cos(2 * Math.PI * step.stepHz * tS));
      d.walkedM = STAIR_TREAD_M * step.stairs * minimumJerk((tS - STAIRS_RAMP_S / 2) / (climbS + STAIRS_RAMP_S));
      const stridePhase = Math.PI * step.stepHz * tS;
      const lean = (step.riseM > 0 ? 1 : 0.4) * step.leanDeg * DEG * w;
      d.trunkPitchRad = lean + 2 * DEG * w * Math.sin(2 * stridePhase);
      d.pelvisPitchRad = 0.5 * lean + 3 * DEG * w * Math.sin(2 * stridePhase + 0.8);
      d.pelvisRollRad = 4 * DEG * w * Math.sin(stridePhase);
      d.trunkRollRad = -2 * DEG * w * Math.sin(stridePhase);
      d.yawRad = 4 * DEG * w * Math.sin(stridePhase);
      d.leftM = 0.025 * w * Math.sin(stridePhase);
      return d;
    }
    case 'sidebend': {
      const bend = downHoldUp(tS, step.durationS);
      d.trunkRollRad = -bend * step.sideDeg * DEG; // Rx(-phi) tips the up axis toward +y (left)
      d.trunkPitchRad = bend * step.leanDeg * DEG;
      d.pelvisRollRad = 0.2 * bend * step.sideDeg * DEG;
      d.pelvisPitchRad = 0.3 * bend * step.leanDeg * DEG;
      d.leftM = -0.04 * bend * Math.sign(step.sideDeg);
      return d;
    }
    case 'reach': {
      const up = downHoldUp(tS, step.durationS);
      d.trunkPitchRad = -up * step.extensionDeg * DEG;
      d.pelvisPitchRad = -0.3 * up * step.extensionDeg * DEG;
      d.skinShiftRad = minimumJerk(tS / (0.4 * step.durationS)) * step.shiftDeg * DEG;
      return d;
    }
    case 'sit': {
      const tr = Math.min(step.transitionS, step.durationS / 2);
      const down = minimumJerk(tS / tr) - minimumJerk((tS - (step.durationS - tr)) / tr);
      const lean = bump(tS / tr) + bump((tS - (step.durationS - tr)) / tr);
      d.dropM = down * step.hipDropM;
      d.backM = down * 0.25;
      d.trunkPitchRad = (lean * step.leanDeg + down * 0.3 * step.seatedPelvisDeg) * DEG;
      d.pelvisPitchRad = (lean * 0.6 * step.leanDeg + down * step.seatedPelvisDeg) * DEG;
      return d;
    }
  }
}

/** Lays the steps out in time after `after` (or from t = 0, standing at the origin facing +x). */
export function placeSteps(steps: readonly ScriptStep[], after?: PlacedStep): PlacedStep[] {
  let startS = after?.endS ?? 0;
  let yawRad = after ? after.yawRad + endYaw(after.step) : 0;
  let floorM: [number, number] = after ? endFloor(after) : [0, 0];
  let floorZM = after ? after.floorZM + endRise(after.step) : 0;
  let skinShiftRad = after ? after.skinShiftRad + endShift(after.step) : 0;
  return steps.map((step) => {
    const placed: PlacedStep = { step, startS, endS: startS + stepDurationS(step), yawRad, floorM, floorZM, skinShiftRad };
    startS = placed.endS;
    yawRad += endYaw(step);
    floorM = endFloor(placed);
    floorZM += endRise(step);
    skinShiftRad += endShift(step);
    return placed;
  });
}

function endRise(step: ScriptStep): number {
  return step.kind === 'stairs' ? step.stairs * step.riseM : 0;
}

function endShift(step: ScriptStep): number {
  return step.kind === 'reach' ? step.shiftDeg * DEG : 0;
}

function endYaw(step: ScriptStep): number {
  return step.kind === 'turn' ? step.angleDeg * DEG : 0;
}

function endFloor(placed: PlacedStep): [number, number] {
  const distanceM = placed.step.kind === 'walk' ? placed.step.distanceM : placed.step.kind === 'stairs' ? STAIR_TREAD_M * placed.step.stairs : 0;
  return [placed.floorM[0] + distanceM * Math.cos(placed.yawRad), placed.floorM[1] + distanceM * Math.sin(placed.yawRad)];
}

/** The step running at tS (binary search); before the first step and after the last one the body stands. */
type Resting = { yawRad: number; floorM: [number, number]; floorZM: number; skinShiftRad: number };

function stepAt(steps: readonly PlacedStep[], tS: number): { placed: PlacedStep; tS: number } | Resting {
  let lo = 0;
  let hi = steps.length - 1;
  const first = steps[0];
  const last = steps[hi];
  if (!first || !last || tS < first.startS) return { yawRad: first?.yawRad ?? 0, floorM: first?.floorM ?? [0, 0], floorZM: first?.floorZM ?? 0, skinShiftRad: first?.skinShiftRad ?? 0 };
  if (tS >= last.endS) {
    return { yawRad: last.yawRad + endYaw(last.step), floorM: endFloor(last), floorZM: last.floorZM + endRise(last.step), skinShiftRad: last.skinShiftRad + endShift(last.step) };
  }
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid]!.startS <= tS) lo = mid;
    else hi = mid - 1;
  }
  const placed = steps[lo]!;
  return { placed, tS: tS - placed.startS };
}

function swayAt(components: readonly SwayComponent[], tS: number): number {
  let sum = 0;
  for (const c of components) sum += c.amplitudeRad * Math.sin(2 * Math.PI * c.frequencyHz * tS + c.phaseRad);
  return sum;
}

export function bodyPose(motion: Motion, tS: number): BodyPose {
  const at = stepAt(motion.steps, tS);
  const d = 'placed' in at ? stepDelta(at.placed.step, at.tS) : still();
  const baseYaw = 'placed' in at ? at.placed.yawRad : at.yawRad;
  const floor = 'placed' in at ? at.placed.floorM : at.floorM;
  const floorZM = 'placed' in at ? at.placed.floorZM : at.floorZM;
  const skinShiftRad = ('placed' in at ? at.placed.skinShiftRad : at.skinShiftRad) + d.skinShiftRad;
  const { body } = motion;
  // Quiet standing sway pivots at the ankles: the whole body tilts and the hips move with it.
  const swayPitch = swayAt(body.pitchSway, tS);
  const swayRoll = swayAt(body.rollSway, tS);
  const yawRad = baseYaw + d.yawRad;
  const forwardM = body.hipHeightM * swayPitch - d.backM;
  const leftM = d.leftM - body.hipHeightM * swayRoll;
  const c = Math.cos(yawRad);
  const s = Math.sin(yawRad);
  return {
    yawRad,
    pelvisPitchRad: d.pelvisPitchRad + swayPitch,
    pelvisRollRad: d.pelvisRollRad + swayRoll,
    trunkPitchRad: d.trunkPitchRad + swayPitch,
    trunkRollRad: d.trunkRollRad + swayRoll,
    hipM: [
      floor[0] + d.walkedM * Math.cos(baseYaw) + c * forwardM - s * leftM,
      floor[1] + d.walkedM * Math.sin(baseYaw) + s * forwardM + c * leftM,
      floorZM + body.hipHeightM - d.dropM,
    ],
    thoracicSkinShiftRad: skinShiftRad,
  };
}

export type Placement = 'sacrum' | 'thoracic';

export function segmentOrientation(pose: BodyPose, placement: Placement): Quat {
  return placement === 'sacrum'
    ? fromYawPitchRoll(pose.yawRad, pose.pelvisPitchRad, pose.pelvisRollRad)
    : fromYawPitchRoll(pose.yawRad, pose.trunkPitchRad, pose.trunkRollRad);
}

/** The sensor's segment orientation (segment -> earth) and where the sensor sits on it (earth frame, m). */
export function sensorSite(body: BodyParams, pose: BodyPose, placement: Placement): { segment: Quat; positionM: Vec3 } {
  const pelvis = segmentOrientation(pose, 'sacrum');
  if (placement === 'sacrum') return { segment: pelvis, positionM: add(pose.hipM, rotate(pelvis, body.sacrumOffsetM)) };
  const trunk = segmentOrientation(pose, 'thoracic');
  const lumbosacral = add(pose.hipM, rotate(pelvis, body.lumbosacralOffsetM));
  // The skin under the sensor may have turned on the trunk (reach steps): the sensor sits turned about
  // the trunk's left-right axis, while the trunk itself (and so the truth) is unchanged.
  const site = pose.thoracicSkinShiftRad === 0 ? trunk : multiply(trunk, fromYawPitchRoll(0, pose.thoracicSkinShiftRad, 0));
  return { segment: site, positionM: add(lumbosacral, rotate(trunk, body.thoracicOffsetM)) };
}

/** When the motion ends (the end of the last step), s. */
export function motionEndS(motion: Motion): number {
  return motion.steps[motion.steps.length - 1]?.endS ?? 0;
}
