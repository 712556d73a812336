// The simulated person of the live simulator source: what they do next, following the clinician as a
// patient would. They wait standing (fidgeting a little now and then), stand still when calibration is
// asked for and then make the wizard's two slow bends, do reps only while a set runs (the set's target
// number, no faster than the tempo setting allows; now and then a rounded or hurried one, as patients
// do), and rest between sets (stand, walk a few steps, turn, come back). Steps are handed out one at a
// time just before they are needed, so a control takes effect when the current step (at most one rep)
// is done. Pure state with small named update steps; the stream (simulator/session.ts) plays the steps.
import type { PatientSettings } from '@hinge/protocol';
import { completeStep, createRng, deriveSeed, type Rng, type ScriptStep, type ScriptStepInput } from '@hinge/simulator';

/** A control line of the session as the person hears it, with the settings in force after it. */
export interface PersonControl {
  event: 'calibrate' | 'set-start' | 'set-end' | 'settings';
  settings: Pick<PatientSettings, 'targetReps' | 'tempoMinS'>;
}

type Activity = 'waiting' | 'set' | 'resting';

export interface SimulatedPerson {
  activity: Activity;
  /** Steps decided but not yet handed out (calibration, a rest), played before anything else. */
  queue: ScriptStepInput[];
  targetReps: number;
  tempoMinS: number;
  /** Reps done in the running set. */
  repsInSet: number;
  /** Time stood since the last rep with the set still running, s (the count may have missed one). */
  waitedInSetS: number;
  rng: Rng;
}

/** Standing chunk while waiting for the clinician, s: how soon a control is noticed when idle. */
export const WAIT_STEP_S = 0.5;
/** After the target, with the set still running, another rep follows after this long (the bridge missed one). */
export const ONE_MORE_AFTER_S = 5;
/** Standing still for calibration, s (the analysis needs a still period of about 2 s). */
export const CALIBRATION_STAND_S = 4;

export function createSimulatedPerson(seed: number, settings: PersonControl['settings']): SimulatedPerson {
  return { activity: 'waiting', queue: [], targetReps: settings.targetReps, tempoMinS: settings.tempoMinS, repsInSet: 0, waitedInSetS: 0, rng: createRng(deriveSeed(seed, 200)) };
}

/** The slower of the drawn movement time and the tempo setting with a margin a careful patient keeps. */
function tempoS(person: SimulatedPerson, drawnS: number): number {
  return Math.max(drawnS, person.tempoMinS * person.rng.uniform(1.2, 1.5));
}

function calibrationSteps(person: SimulatedPerson): ScriptStepInput[] {
  const slowBend = (): ScriptStepInput => ({ kind: 'hinge', trunkDeg: person.rng.uniform(35, 50), descentS: person.rng.uniform(2.8, 3.5), pauseS: 0.5, ascentS: person.rng.uniform(2.8, 3.5) });
  // Asked to stand tall, people first shift their weight and straighten up, then hold still.
  const settle: ScriptStepInput = { kind: 'sway', durationS: 1.5, sideRollDeg: 2, sideShiftM: 0.03, leanDeg: 3, frequencyHz: 0.6 };
  return [settle, { kind: 'stand', durationS: CALIBRATION_STAND_S }, { kind: 'pause', durationS: 1 }, slowBend(), { kind: 'pause', durationS: 1.5 }, slowBend(), { kind: 'stand', durationS: 2 }];
}

function restSteps(person: SimulatedPerson): ScriptStepInput[] {
  const rng = person.rng;
  const distanceM = rng.uniform(1.5, 3);
  return [
    { kind: 'stand', durationS: rng.uniform(2, 4) },
    { kind: 'walk', durationS: distanceM / 0.9, distanceM },
    { kind: 'turn', angleDeg: rng.next() < 0.5 ? 180 : -180 },
    { kind: 'walk', durationS: distanceM / 0.9, distanceM },
    { kind: 'turn', angleDeg: rng.next() < 0.5 ? 180 : -180 },
    { kind: 'stand', durationS: rng.uniform(2, 3) },
  ];
}

/** Applies a control: what the person will do from their next step on. */
export function hearControl(person: SimulatedPerson, control: PersonControl): void {
  person.targetReps = control.settings.targetReps;
  person.tempoMinS = control.settings.tempoMinS;
  switch (control.event) {
    case 'calibrate':
      person.queue = calibrationSteps(person);
      break;
    case 'set-start':
      person.activity = 'set';
      person.queue = [{ kind: 'stand', durationS: person.rng.uniform(0.8, 1.5) }];
      person.repsInSet = 0;
      person.waitedInSetS = 0;
      break;
    case 'set-end':
      person.activity = 'resting';
      person.queue = restSteps(person);
      break;
    case 'settings':
      break;
  }
}

function nextRep(person: SimulatedPerson): ScriptStepInput[] {
  const rng = person.rng;
  const roll = rng.next();
  person.repsInSet++;
  person.waitedInSetS = 0;
  const between: ScriptStepInput[] = person.repsInSet > 1 ? [{ kind: 'pause', durationS: rng.uniform(0.4, 1.5) }] : [];
  // About one rep in ten rounds the back, one in twenty is hurried: the feedback has something to show.
  if (roll < 0.05) return [...between, { kind: 'fast' }];
  const kind = roll < 0.15 ? 'rounded' : 'hinge';
  return [...between, { kind, descentS: tempoS(person, rng.uniform(1.7, 2.5)), ascentS: tempoS(person, rng.uniform(1.7, 2.5)) }];
}

function nextWhileIdle(person: SimulatedPerson): ScriptStepInput[] {
  // Mostly standing; now and then a small weight shift, as people waiting do.
  if (person.rng.next() < 0.03) return [{ kind: 'sway', durationS: person.rng.uniform(3, 5), leanDeg: person.rng.uniform(1, 3) }];
  return [{ kind: 'stand', durationS: WAIT_STEP_S }];
}

/** The person's next steps (at least one), complete with every parameter. */
export function nextSteps(person: SimulatedPerson): ScriptStep[] {
  let inputs: ScriptStepInput[];
  if (person.queue.length > 0) {
    inputs = [person.queue.shift()!];
  } else if (person.activity === 'set' && (person.repsInSet < person.targetReps || person.waitedInSetS >= ONE_MORE_AFTER_S)) {
    inputs = nextRep(person);
  } else if (person.activity === 'set') {
    person.waitedInSetS += WAIT_STEP_S;
    inputs = [{ kind: 'stand', durationS: WAIT_STEP_S }];
  } else {
    inputs = nextWhileIdle(person);
  }
  return inputs.map((input) => completeStep(input, person.rng));
}
