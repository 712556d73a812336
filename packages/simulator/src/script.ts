// The session script: what the simulated person does, step by step. Every step starts and ends
// standing upright (only heading and position carry over), so steps can be put in any order.
// A step may leave parameters out; they are then drawn from the kind's realistic range with the
// session's seeded generator (`completeScript`). docs/simulator.md lists the kinds and ranges.
import { createRng, deriveSeed, type Rng } from './random';

export const REP_KINDS = ['hinge', 'rounded', 'squat', 'fast'] as const;
export type RepKind = (typeof REP_KINDS)[number];

/** One repetition: bend down and come back up. Angles are peaks at the end of the descent. */
export interface RepStep {
  kind: RepKind;
  trunkDeg: number;
  pelvisDeg: number;
  /** How far the hip joint sinks (knee bend), m. */
  hipDropM: number;
  /** How far the hips move back, m. */
  hipBackM: number;
  /** Movement times of the minimum-jerk descent and ascent, and the hold at the bottom, s. */
  descentS: number;
  pauseS: number;
  ascentS: number;
}

/**
 * Standing still (postural sway only). `calibrate` adds a `calibrate` event at the start of the step: the
 * request to stand still for calibration, as a live session sends it.
 */
export interface StandStep {
  kind: 'stand' | 'pause';
  durationS: number;
  calibrate?: boolean;
}

/** Weight shifting side to side with small forward-back leans. */
export interface SwayStep {
  kind: 'sway';
  durationS: number;
  sideRollDeg: number;
  sideShiftM: number;
  /** Forward-back lean of the whole body, at half the side-to-side frequency. */
  leanDeg: number;
  frequencyHz: number;
}

/** Turning round on the spot; positive = to the left (about +z). */
export interface TurnStep {
  kind: 'turn';
  angleDeg: number;
  durationS: number;
}

/** A few steps forward along the current heading. */
export interface WalkStep {
  kind: 'walk';
  durationS: number;
  distanceM: number;
  stepHz: number;
}

/** A small forward lean of the upper trunk (nod) and back. */
export interface NodStep {
  kind: 'nod';
  trunkDeg: number;
  durationS: number;
}

/** Going up (riseM > 0) or down (riseM < 0) a few stairs while walking forward; the height carries over. */
export interface StairsStep {
  kind: 'stairs';
  durationS: number;
  /** Number of stairs. */
  stairs: number;
  /** Height of one stair, m (+ = up). */
  riseM: number;
  stepHz: number;
  /** Forward lean of the trunk while climbing, deg. */
  leanDeg: number;
}

/** A bend to the side (trunk roll sideDeg, + = to the left) with some forward lean, and back. */
export interface SideBendStep {
  kind: 'sidebend';
  durationS: number;
  sideDeg: number;
  leanDeg: number;
}

/**
 * Reaching overhead: the trunk extends and the arms go up, then come down. The skin over the thoracic
 * spine moves with the shoulder blades: the thoracic sensor turns by shiftDeg about the trunk's
 * left-right axis (+ = its top forward) and stays so for the rest of the session.
 */
export interface ReachStep {
  kind: 'reach';
  durationS: number;
  extensionDeg: number;
  shiftDeg: number;
}

/**
 * Sitting down on a chair, sitting, standing up again: the hips sink hipDropM and move back, the trunk
 * leans forward by leanDeg on the way down and up, and the pelvis rolls back to seatedPelvisDeg while
 * seated. Sitting is rest, not a bend: never a rep.
 */
export interface SitStep {
  kind: 'sit';
  durationS: number;
  transitionS: number;
  hipDropM: number;
  leanDeg: number;
  seatedPelvisDeg: number;
}

export type ScriptStep = RepStep | StandStep | SwayStep | TurnStep | WalkStep | NodStep | StairsStep | SideBendStep | ReachStep | SitStep;
export type StepKind = ScriptStep['kind'];

/** A step as a user may write it: the kind, and any parameters to fix (a complete ScriptStep is one too). */
export type ScriptStepInput = ScriptStep | { kind: StepKind; [param: string]: unknown };

/** Level walking before the first stair and after the last one, s. */
export const STAIRS_RAMP_S = 0.5;

/** Standing time before and after the bend of every rep step, s. */
export const REP_LEAD_S = 0.3;
export const REP_TAIL_S = 0.7;

type Range = readonly [number, number];

/**
 * Parameter ranges per rep kind. The bend is drawn as one peak angle (`trunkDeg` for hinges, `pelvisDeg`
 * for rounded reps and squats) plus the lumbar flexion (trunk minus pelvis). The lumbar range keeps every
 * kind clearly on one side of the truth thresholds: good reps <= 13 deg lumbar (limit 25), rounded >= 34;
 * normal movement times >= 1.7 s (the measured descent from leaving standing to the bottom is about 0.8x
 * that: >= 1.3 s, threshold 1.0 s), fast ones <= 0.8 s (measured <= 0.65 s); squats tilt the pelvis
 * <= 25 deg with a hip drop >= 0.28 m (knee-dominant: the thighs incline >= 44 deg, more than the pelvis).
 */
interface RepRange {
  peak: 'trunkDeg' | 'pelvisDeg';
  peakDeg: Range;
  lumbarDeg: Range;
  hipDropM: Range;
  hipBackM: Range;
  descentS: Range;
  pauseS: Range;
  ascentS: Range;
}
const NORMAL_TEMPO = { descentS: [1.7, 2.5], pauseS: [0, 1], ascentS: [1.7, 2.5] } as const;
const REP_RANGES: Record<RepKind, RepRange> = {
  hinge: { peak: 'trunkDeg', peakDeg: [50, 90], lumbarDeg: [3, 13], hipDropM: [0.03, 0.08], hipBackM: [0.1, 0.15], ...NORMAL_TEMPO },
  rounded: { peak: 'pelvisDeg', peakDeg: [25, 40], lumbarDeg: [34, 46], hipDropM: [0.03, 0.08], hipBackM: [0.04, 0.1], ...NORMAL_TEMPO },
  squat: { peak: 'pelvisDeg', peakDeg: [15, 25], lumbarDeg: [10, 15], hipDropM: [0.28, 0.45], hipBackM: [0.05, 0.1], ...NORMAL_TEMPO },
  fast: { peak: 'trunkDeg', peakDeg: [50, 85], lumbarDeg: [3, 13], hipDropM: [0.03, 0.08], hipBackM: [0.1, 0.15], descentS: [0.4, 0.8], pauseS: [0, 0], ascentS: [0.4, 0.8] },
};

const OTHER_RANGES = {
  stand: { durationS: [1, 3] },
  pause: { durationS: [1, 3] },
  sway: { durationS: [4, 8], sideRollDeg: [2, 4], sideShiftM: [0.03, 0.06], leanDeg: [2, 7], frequencyHz: [0.3, 0.5] },
  turn: { angleDeg: [90, 180], durationS: [1.5, 3] },
  walk: { durationS: [3, 6], distanceM: [1.5, 4], stepHz: [1.7, 2.1] },
  nod: { trunkDeg: [5, 13], durationS: [2, 3] },
  // Stairs: 15-19 cm risers (building codes allow up to about 19 cm), 1.2-1.8 steps/s on stairs
  // (slower than level walking), trunk lean of 3-15 deg going up.
  stairs: { stairs: [3, 12], riseM: [0.15, 0.19], stepHz: [1.2, 1.8], leanDeg: [3, 15] },
  // Side bends: lateral trunk flexion range is about 30-40 deg each way in adults; mostly to the side.
  sidebend: { durationS: [2, 5], sideDeg: [15, 40], leanDeg: [0, 12] },
  reach: { durationS: [2, 4], extensionDeg: [3, 12], shiftDeg: [0, 3] },
  // Chair seat at 42-48 cm: the hips sink 0.40-0.55 m; trunk lean at seat-off 25-45 deg (sit-to-stand studies).
  sit: { durationS: [5, 15], transitionS: [1.2, 2.5], hipDropM: [0.4, 0.55], leanDeg: [25, 45], seatedPelvisDeg: [-15, -3] },
} as const satisfies Record<Exclude<StepKind, RepKind>, Record<string, Range>>;

/** Limits a script file may not exceed (a person, not a robot). */
const LIMITS: Record<string, Range> = {
  trunkDeg: [-30, 130],
  pelvisDeg: [-30, 120],
  hipDropM: [0, 0.7],
  hipBackM: [-0.2, 0.4],
  descentS: [0.1, 30],
  pauseS: [0, 60],
  ascentS: [0.1, 30],
  durationS: [0.1, 24 * 3600],
  sideRollDeg: [0, 20],
  sideShiftM: [0, 0.3],
  leanDeg: [-20, 60],
  stairs: [1, 40],
  riseM: [-0.25, 0.25],
  sideDeg: [-60, 60],
  extensionDeg: [0, 30],
  shiftDeg: [-30, 30],
  transitionS: [0.3, 5],
  seatedPelvisDeg: [-30, 15],
  frequencyHz: [0.05, 3],
  angleDeg: [-720, 720],
  distanceM: [0, 100],
  stepHz: [0.5, 3],
};

/** A script or simulator option that cannot be simulated; the message says which and why. */
export class SimulatorError extends Error {
  readonly code = 'HINGE_ERR_SIMULATOR';
}

const isRepKind = (kind: string): kind is RepKind => (REP_KINDS as readonly string[]).includes(kind);
const STEP_KINDS: readonly string[] = [...REP_KINDS, ...Object.keys(OTHER_RANGES)];

/** Checks a parsed script file (a JSON list of steps, or `{script: [...]}` as in a truth file). */
export function parseScript(value: unknown): ScriptStepInput[] {
  const list = Array.isArray(value) ? value : (value as { script?: unknown } | null)?.script;
  if (!Array.isArray(list) || list.length === 0) throw new SimulatorError('a script is a non-empty JSON list of steps');
  return list.map((step: unknown, i): ScriptStepInput => {
    if (typeof step !== 'object' || step === null || Array.isArray(step)) throw new SimulatorError(`step ${i + 1} is not an object`);
    const entries = step as Record<string, unknown>;
    const kind = entries.kind;
    if (typeof kind !== 'string' || !STEP_KINDS.includes(kind)) {
      throw new SimulatorError(`step ${i + 1}: kind must be one of ${STEP_KINDS.join(', ')}`);
    }
    for (const [key, v] of Object.entries(entries)) {
      if (key === 'kind') continue;
      if (key === 'calibrate') {
        if (typeof v !== 'boolean') throw new SimulatorError(`step ${i + 1}: calibrate must be true or false`);
        continue;
      }
      const limit = LIMITS[key];
      if (!limit) throw new SimulatorError(`step ${i + 1} (${kind}): unknown parameter "${key}"`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < limit[0] || v > limit[1]) {
        throw new SimulatorError(`step ${i + 1} (${kind}): ${key} must be a number from ${limit[0]} to ${limit[1]}`);
      }
    }
    return entries as ScriptStepInput;
  });
}

function numberOr(input: ScriptStepInput, key: string, draw: () => number): number {
  const v = (input as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : draw();
}

/**
 * A step's parameters in the order its ranges list them, each the input's or drawn from its range. A
 * `signed` parameter goes to a side (left or right, up or down) drawn once, before the others.
 */
function fillParameters<R extends Record<string, Range>>(input: ScriptStepInput, ranges: R, rng: Rng, signed?: keyof R): { [K in keyof R]: number } {
  const side = signed === undefined ? 1 : rng.next() < 0.5 ? -1 : 1;
  const out = {} as { [K in keyof R]: number };
  for (const key of Object.keys(ranges) as (keyof R & string)[]) {
    const [lo, hi] = ranges[key]!;
    const sign = key === signed ? side : 1;
    out[key] = numberOr(input, key, () => sign * rng.uniform(lo, hi));
  }
  return out;
}

/** Fills in the parameters a step leaves out, drawing them from the kind's ranges. */
export function completeStep(input: ScriptStepInput, rng: Rng): ScriptStep {
  const draw = (range: Range) => () => rng.uniform(range[0], range[1]);
  const kind = input.kind;
  if (isRepKind(kind)) {
    const r = REP_RANGES[kind];
    const lumbarDeg = rng.uniform(r.lumbarDeg[0], r.lumbarDeg[1]);
    const fixed = input as Record<string, unknown>;
    let trunkDeg: number;
    let pelvisDeg: number;
    if (typeof fixed.trunkDeg === 'number') {
      trunkDeg = fixed.trunkDeg;
      pelvisDeg = numberOr(input, 'pelvisDeg', () => trunkDeg - lumbarDeg);
    } else if (typeof fixed.pelvisDeg === 'number') {
      pelvisDeg = fixed.pelvisDeg;
      trunkDeg = pelvisDeg + lumbarDeg;
    } else {
      const peakDeg = rng.uniform(r.peakDeg[0], r.peakDeg[1]);
      trunkDeg = r.peak === 'trunkDeg' ? peakDeg : peakDeg + lumbarDeg;
      pelvisDeg = trunkDeg - lumbarDeg;
    }
    return {
      kind,
      trunkDeg,
      pelvisDeg,
      hipDropM: numberOr(input, 'hipDropM', draw(r.hipDropM)),
      hipBackM: numberOr(input, 'hipBackM', draw(r.hipBackM)),
      descentS: numberOr(input, 'descentS', draw(r.descentS)),
      pauseS: numberOr(input, 'pauseS', draw(r.pauseS)),
      ascentS: numberOr(input, 'ascentS', draw(r.ascentS)),
    };
  }
  switch (kind) {
    case 'stand':
    case 'pause': {
      const step: StandStep = { kind, durationS: numberOr(input, 'durationS', draw(OTHER_RANGES[kind].durationS)) };
      if ((input as Record<string, unknown>).calibrate === true) step.calibrate = true;
      return step;
    }
    case 'sway':
      return { kind, ...fillParameters(input, OTHER_RANGES.sway, rng) };
    case 'walk':
      return { kind, ...fillParameters(input, OTHER_RANGES.walk, rng) };
    case 'nod':
      return { kind, ...fillParameters(input, OTHER_RANGES.nod, rng) };
    case 'sit':
      return { kind, ...fillParameters(input, OTHER_RANGES.sit, rng) };
    case 'turn':
      return { kind, ...fillParameters(input, OTHER_RANGES.turn, rng, 'angleDeg') };
    case 'sidebend':
      return { kind, ...fillParameters(input, OTHER_RANGES.sidebend, rng, 'sideDeg') };
    case 'reach':
      return { kind, ...fillParameters(input, OTHER_RANGES.reach, rng, 'shiftDeg') };
    case 'stairs': {
      const r = OTHER_RANGES.stairs;
      const stairs = Math.round(numberOr(input, 'stairs', draw(r.stairs)));
      const side = rng.next() < 0.5 ? -1 : 1;
      const stepHz = numberOr(input, 'stepHz', draw(r.stepHz));
      return {
        kind,
        stairs,
        riseM: numberOr(input, 'riseM', () => side * rng.uniform(r.riseM[0], r.riseM[1])),
        stepHz,
        leanDeg: numberOr(input, 'leanDeg', draw(r.leanDeg)),
        durationS: numberOr(input, 'durationS', () => stairs / stepHz + 2 * STAIRS_RAMP_S),
      };
    }
    default:
      throw new SimulatorError(`unknown step kind "${kind}"`);
  }
}

export function completeScript(inputs: readonly ScriptStepInput[], rng: Rng): ScriptStep[] {
  return inputs.map((input) => completeStep(input, rng));
}

export function isRepStep(step: ScriptStep): step is RepStep {
  return isRepKind(step.kind);
}

export function stepDurationS(step: ScriptStep): number {
  return isRepStep(step) ? REP_LEAD_S + step.descentS + step.pauseS + step.ascentS + REP_TAIL_S : step.durationS;
}

export interface RandomSessionOptions {
  /** Approximate length, s (default 120). Whole sets are added until it is reached; the last set is shortened to fit. */
  durationS?: number;
  /** Start with a calibration stand (default true). */
  calibration?: boolean;
}

const REP_MIX: readonly RepKind[] = [
  'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge', 'hinge',
  'rounded', 'rounded', 'rounded', 'squat', 'squat', 'squat', 'fast', 'fast', 'fast',
];
const BETWEEN_REPS: readonly StepKind[] = ['sway', 'nod', 'pause', 'turn'];
const REST_ACTIVITIES: readonly StepKind[] = ['walk', 'turn', 'sway', 'nod', 'pause'];

/**
 * A varied, realistic session: a calibration stand (3-5 s), then sets of 5-10 reps mixing good,
 * rounded, squat and fast reps, with distractors (sway, nods, turns, pauses) between some reps and a
 * rest with walking and turning between sets.
 */
export function randomSession(seed: number, options: RandomSessionOptions = {}): ScriptStep[] {
  const rng = createRng(deriveSeed(seed, 1));
  const targetS = options.durationS ?? 120;
  const steps: ScriptStep[] = [];
  let totalS = 0;
  const push = (input: ScriptStepInput) => {
    const step = completeStep(input, rng);
    steps.push(step);
    totalS += stepDurationS(step);
  };
  if (options.calibration ?? true) push({ kind: 'stand', durationS: rng.uniform(3, 5), calibrate: true });
  while (totalS < targetS) {
    if (steps.length > 1) {
      push({ kind: 'stand', durationS: rng.uniform(2, 4) });
      for (let i = rng.int(1, 3); i > 0; i--) push({ kind: rng.pick(REST_ACTIVITIES) });
      push({ kind: 'stand', durationS: rng.uniform(3, 5) });
    }
    const reps = rng.int(5, 10);
    for (let rep = 0; rep < reps && totalS < targetS; rep++) {
      if (rep > 0) push(rng.next() < 0.25 ? { kind: rng.pick(BETWEEN_REPS) } : { kind: 'pause', durationS: rng.uniform(0.3, 1.5) });
      push({ kind: rng.pick(REP_MIX) });
    }
  }
  push({ kind: 'stand', durationS: 2 });
  return steps;
}
