// A simulated session as a source of recording lines: a script played on the body model, read by two
// simulated devices. `simulateSession` plays one script and returns the whole recording with its truth;
// `createSimulatorStream` keeps going for ever (looping random sessions) for the live simulator source,
// handing out lines up to a time so the caller can pace them in real time.
import type { EventLine, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { motionEndS, placeSteps, randomBody, type Motion, type Placement } from './body';
import { createRng, deriveSeed } from './random';
import { completeScript, randomSession, SimulatorError, type ScriptStep, type ScriptStepInput } from './script';
import { createSampler, randomSensorErrors, type Mounting, type NoiseLevel, type Sampler, type SensorConditions, type SensorErrors } from './sensors';
import { truthAngles, truthNearReps, truthReps, type SimulationTruth } from './truth';

export interface Dropout {
  sensor: string;
  /** Bridge time the sensor goes silent, s. */
  start: number;
  durationS: number;
}

export interface SimulatorOptions {
  /** Steps to play; missing parameters are drawn from the seed. Default: randomSession(seed). */
  script?: ScriptStepInput[];
  seed?: number;
  sampleRateHz?: number;
  mounting?: Mounting;
  noise?: NoiseLevel;
  /** Timestamp jitter, +- s; default set by `noise` (none 0, typical 0.002, high 0.004). */
  jitterS?: number;
  dropouts?: Dropout[];
  /** Devices stream their own orientation (`quat`) instead of acc + gyr. */
  quatOnly?: boolean;
  /** Hard conditions (clipping, heavy soft tissue, slip, clock lag) on top of `noise`; see sensors.ts. */
  conditions?: SensorConditions;
  /** ISO time of t = 0 written in the header (default a fixed date, so a seed reproduces the file). */
  startedAt?: string;
}

export const SENSOR_IDS = ['sacrum', 'thoracic'] as const satisfies readonly Placement[];
const DEFAULT_STARTED_AT = '2026-01-05T09:00:00.000Z';

interface Generator {
  header: RecordingHeader;
  motion: Motion;
  seed: number;
  errors: Record<string, SensorErrors>;
  /** Lines with t <= untilS, in t order. */
  next(untilS: number): RecordingLine[];
}

function checkOptions(options: SimulatorOptions): void {
  const rate = options.sampleRateHz ?? 100;
  if (!(Number.isFinite(rate) && rate >= 1 && rate <= 2000)) throw new SimulatorError('sample rate must be 1-2000 Hz');
  const jitterS = options.jitterS ?? 0;
  if (!(Number.isFinite(jitterS) && jitterS >= 0 && jitterS < 0.5 / rate)) {
    throw new SimulatorError(`jitter must be at least 0 and less than half a sample period (${0.5 / rate} s)`);
  }
  for (const d of options.dropouts ?? []) {
    if (!(SENSOR_IDS as readonly string[]).includes(d.sensor)) throw new SimulatorError(`drop-out sensor must be ${SENSOR_IDS.join(' or ')}, not "${d.sensor}"`);
    if (!(Number.isFinite(d.start) && d.start >= 0 && Number.isFinite(d.durationS) && d.durationS > 0)) {
      throw new SimulatorError('a drop-out needs a start >= 0 s and a duration > 0 s');
    }
  }
}

function calibrateEvents(motion: Motion, fromStep: number): EventLine[] {
  return motion.steps
    .slice(fromStep)
    .filter((p) => p.step.kind === 'stand' && p.step.calibrate === true)
    .map((p) => ({ t: Math.round(p.startS * 1e4) / 1e4, event: 'calibrate', detail: { kind: 'standing' } }));
}

/** What an endless stream plays after its script: more random sessions, or the steps a follower hands out. */
type NextSteps = () => ScriptStep[];

function createGenerator(options: SimulatorOptions, loop: boolean, follow?: NextSteps): Generator {
  checkOptions(options);
  const seed = options.seed ?? 1;
  const rateHz = options.sampleRateHz ?? 100;
  const script = follow ? follow() : options.script ? completeScript(options.script, createRng(deriveSeed(seed, 3))) : randomSession(seed);
  const motion: Motion = { body: randomBody(createRng(deriveSeed(seed, 2))), steps: placeSteps(script) };
  const errors: Record<string, SensorErrors> = {};
  const samplers: Sampler[] = SENSOR_IDS.map((id, i) => {
    const rng = createRng(deriveSeed(seed, 10 + i));
    errors[id] = randomSensorErrors(rng, { noise: options.noise ?? 'typical', mounting: options.mounting ?? 'random', periodS: 1 / rateHz, jitterS: options.jitterS, placement: id, conditions: options.conditions });
    const dropouts = (options.dropouts ?? []).filter((d) => d.sensor === id).map((d) => ({ startS: d.start, endS: d.start + d.durationS }));
    return createSampler({ id, placement: id, errors: errors[id], periodS: 1 / rateHz, quatOnly: options.quatOnly ?? false, dropouts }, rng);
  });
  const pending: EventLine[] = [
    ...calibrateEvents(motion, 0),
    ...(options.dropouts ?? []).flatMap((d): EventLine[] => [
      { t: d.start, event: 'disconnect', sensor: d.sensor },
      { t: Math.round((d.start + d.durationS) * 1e4) / 1e4, event: 'reconnect', sensor: d.sensor },
    ]),
  ];
  let loops = 0;
  const header: RecordingHeader = {
    format: 'hinge-recording',
    version: 1,
    startedAt: options.startedAt ?? DEFAULT_STARTED_AT,
    sensors: SENSOR_IDS.map((id) => ({ id, placement: id, model: 'simulated', sampleRateHz: rateHz })),
    exercise: 'hip-hinge',
    notes: `simulated session, seed ${seed}`,
  };

  return {
    header,
    motion,
    seed,
    errors,
    next(untilS) {
      // An endless stream keeps a few seconds of script ahead of the samples it hands out; a followed
      // one only the step in progress, so what the person does next is decided as late as possible.
      while (loop && motionEndS(motion) < untilS + (follow ? 0.05 : 5)) {
        loops++;
        const more: ScriptStep[] = follow ? follow() : [{ kind: 'stand', durationS: 6 }, ...randomSession(deriveSeed(seed, 100 + loops), { durationS: 300, calibration: false })];
        const first = motion.steps.length;
        motion.steps.push(...placeSteps(more, motion.steps[first - 1]));
        pending.push(...calibrateEvents(motion, first));
      }
      const endS = loop ? Infinity : motionEndS(motion);
      const lines: RecordingLine[] = samplers.flatMap((s) => s.take(motion, untilS, endS));
      pending.sort((a, b) => a.t - b.t);
      while (pending.length > 0 && pending[0]!.t <= untilS) lines.push(pending.shift()!);
      return lines.sort((a, b) => a.t - b.t);
    },
  };
}

/** Simulates one whole session: the recording (lines in t order, sensors interleaved) and its ground truth. */
export function simulateSession(options: SimulatorOptions = {}): { header: RecordingHeader; lines: RecordingLine[]; truth: SimulationTruth } {
  const generator = createGenerator(options, false);
  const lines = generator.next(Infinity);
  const { motion } = generator;
  const truth: SimulationTruth = {
    format: 'hinge-truth',
    version: 1,
    seed: generator.seed,
    script: motion.steps.map((p) => p.step),
    mountings: Object.fromEntries(Object.entries(generator.errors).map(([id, e]) => [id, e.mountQuat])),
    sensorErrors: generator.errors,
    angles: truthAngles(motion, motionEndS(motion)),
    reps: truthReps(motion),
  };
  const nearReps = truthNearReps(motion);
  if (nearReps.length > 0) truth.nearReps = nearReps;
  return { header: generator.header, lines, truth };
}

export interface SimulatorStream {
  readonly header: RecordingHeader;
  /** Lines with t <= untilS not handed out before, in t order. Call with increasing times. */
  next(untilS: number): RecordingLine[];
}

/**
 * An endless simulated session for the live source: plays the script (or a random session), then loops
 * random sessions; or, given `follow`, plays whatever steps it hands out when the previous ones end.
 */
export function createSimulatorStream(options: SimulatorOptions = {}, follow?: NextSteps): SimulatorStream {
  const generator = createGenerator(options, true, follow);
  return { header: generator.header, next: (untilS) => generator.next(untilS) };
}
