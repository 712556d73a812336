// The hard tier: sessions that ask the questions the typical tier never does. Every kinematic parameter
// is drawn over the range people show (not over the analysis' thresholds, which this file does not know),
// so reps land near every limit, and everyday movement the analysis must not count is mixed in:
// stairs, walking straight into and out of a set, side bends, reaching overhead (with the skin turning
// the thoracic sensor), sitting down and standing up, picking things off the floor with a squat, reps
// less than a second apart, sessions without a still moment. docs/simulator.md, "Hard tier".
import { createRng, deriveSeed, type Rng } from './random';
import { completeStep, stepDurationS, type RepKind, type RepStep, type ScriptStep, type ScriptStepInput } from './script';

/** One hard class per failure class of issue #11, plus a mixed one. */
export const HARD_CLASSES = ['lean-squat', 'walk-stairs', 'side-bend', 'sensor-shift', 'close-reps', 'deep-crouch', 'no-still', 'mixed'] as const;
export type HardClass = (typeof HARD_CLASSES)[number];

type Style = 'hinge' | 'squat' | 'lean-squat' | 'pickup' | 'any';

/**
 * One repetition drawn over the range of people. Sources for the ranges: trunk flexion in lifting and
 * bending 15-100 deg, pelvic share 40-90 % (lumbopelvic rhythm, Esola 1996; Tafazzol 2014), hip sink of a
 * squat to a full crouch 0.1-0.55 m, movement times of self-paced and quick bends 0.5-3.5 s, holds 0-3 s.
 */
export function drawHumanRep(rng: Rng, style: Style): RepStep {
  const s: Exclude<Style, 'any'> = style === 'any' ? rng.pick(['hinge', 'hinge', 'squat', 'lean-squat', 'pickup'] as const) : style;
  let trunkDeg: number, lumbarDeg: number, hipDropM: number, hipBackM: number, pauseS: number;
  switch (s) {
    case 'hinge':
      trunkDeg = rng.uniform(12, 100);
      lumbarDeg = rng.uniform(-3, 0.45 * trunkDeg);
      hipDropM = rng.uniform(0, 0.15);
      hipBackM = rng.uniform(0.02, 0.18);
      pauseS = rng.uniform(0, 1.5);
      break;
    case 'squat':
      lumbarDeg = rng.uniform(-3, 25);
      trunkDeg = rng.uniform(8, 45) + lumbarDeg;
      hipDropM = rng.uniform(0.06, 0.5);
      hipBackM = rng.uniform(0.03, 0.15);
      pauseS = rng.uniform(0, 1.5);
      break;
    case 'lean-squat':
      // Squats with a little forward lean: the trunk 12-24 deg, lumbar near neutral, a 20-38 cm drop.
      trunkDeg = rng.uniform(12, 24);
      lumbarDeg = rng.uniform(-4, 4);
      hipDropM = rng.uniform(0.2, 0.38);
      hipBackM = rng.uniform(0.03, 0.12);
      pauseS = rng.uniform(0, 1);
      break;
    case 'pickup':
      // Picking something off the floor with a squat: deep, with a pause to grasp it.
      lumbarDeg = rng.uniform(3, 30);
      trunkDeg = rng.uniform(15, 45) + lumbarDeg;
      hipDropM = rng.uniform(0.3, 0.55);
      hipBackM = rng.uniform(0.05, 0.15);
      pauseS = rng.uniform(0.5, 4);
      break;
  }
  const descentS = rng.uniform(0.5, 3.5);
  const ascentS = rng.uniform(0.5, 3.5);
  // The kind only shapes the lumbar timing (rounded: the lumbar spine leads) and labels the truth.
  const kind: RepKind = lumbarDeg > 20 ? 'rounded' : hipDropM >= 0.15 ? 'squat' : Math.min(descentS, ascentS) < 1 ? 'fast' : 'hinge';
  return { kind, trunkDeg, pelvisDeg: trunkDeg - lumbarDeg, hipDropM, hipBackM, descentS, pauseS, ascentS };
}

export interface HardSessionOptions {
  /** Approximate length, s (default 90). */
  durationS?: number;
}

/** Everyday movement between sets that is never a rep. */
const EVERYDAY: readonly ScriptStepInput['kind'][] = ['walk', 'stairs', 'sidebend', 'reach', 'sit', 'turn', 'sway', 'nod'];

/** A hard session of one class, reproducible from its seed. */
export function hardSession(seed: number, cls: HardClass, options: HardSessionOptions = {}): ScriptStep[] {
  const rng = createRng(deriveSeed(seed, 40 + HARD_CLASSES.indexOf(cls)));
  const targetS = options.durationS ?? 90;
  const steps: ScriptStep[] = [];
  let totalS = 0;
  const push = (input: ScriptStepInput | ScriptStep) => {
    const step = completeStep(input, rng);
    steps.push(step);
    totalS += stepDurationS(step);
  };
  const style: Style =
    cls === 'lean-squat' ? 'lean-squat' : cls === 'deep-crouch' ? 'pickup' : cls === 'mixed' || cls === 'close-reps' ? 'any' : rng.pick(['hinge', 'any'] as const);
  // Calibration: a still stand, except where the class is that there is none.
  if (cls === 'no-still') push({ kind: 'sway', durationS: rng.uniform(3, 6) });
  else push({ kind: 'stand', durationS: rng.uniform(2, 4), calibrate: true });
  let set = 0;
  while (totalS < targetS) {
    if (set > 0) {
      // Between sets: everyday movement, of the class' kind where it has one.
      const between: ScriptStepInput['kind'][] =
        cls === 'walk-stairs' ? ['walk', 'stairs', 'turn', 'stairs', 'walk'] :
        cls === 'side-bend' ? ['sidebend', 'sidebend', 'walk'] :
        cls === 'sensor-shift' ? ['reach', 'sway'] :
        [rng.pick(EVERYDAY), rng.pick(EVERYDAY)];
      for (const kind of between) push(kind === 'reach' && cls === 'sensor-shift' ? { kind, shiftDeg: (rng.next() < 0.5 ? -1 : 1) * rng.uniform(8, 21) } : { kind });
      // Walking straight into the set (walk-stairs) or after a short stand.
      if (cls !== 'walk-stairs' || rng.next() < 0.3) push({ kind: cls === 'no-still' ? 'sway' : 'stand', durationS: cls === 'no-still' ? rng.uniform(2, 4) : rng.uniform(0.5, 4) });
    }
    const reps = rng.int(3, 8);
    for (let r = 0; r < reps && totalS < targetS; r++) {
      if (r > 0) {
        if (cls === 'close-reps') push({ kind: 'pause', durationS: rng.uniform(0.1, 0.9) });
        else if (cls === 'side-bend' && rng.next() < 0.5) push({ kind: 'sidebend' });
        else if (cls === 'no-still') push({ kind: 'pause', durationS: rng.uniform(0.05, 0.4) });
        else if (rng.next() < 0.2) push({ kind: rng.pick(['sway', 'nod', 'turn', 'sidebend', 'walk'] as const) });
        else push({ kind: 'pause', durationS: rng.uniform(0.1, 3) });
      }
      push(drawHumanRep(rng, style));
    }
    set++;
  }
  if (cls === 'walk-stairs') push({ kind: 'walk' });
  push({ kind: cls === 'no-still' ? 'sway' : 'stand', durationS: 2 });
  return steps;
}
