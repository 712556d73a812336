// `hinge simulate`: writes a simulated session (recording + ground truth) made by the simulator.
import { writeFile } from 'node:fs/promises';
import { writeRecordingFile } from '../../recording/writer';
import { parseScript, randomSession, simulateSession, type Dropout, type Mounting, type NoiseLevel, type SimulatorOptions } from '@hinge/simulator';
import { CliError, parseCommandArgs, readTextFile, requireOutput, write, type Command } from '../command';

const usage = `usage: hinge simulate [options] [--out FILE.jsonl[.gz]]

Simulates a hip-hinge session worn with a sacrum and a thoracic IMU and writes the recording.
With --out, the ground truth goes to FILE.truth.json beside it; without, the recording goes to stdout.

options:
  --seed N                  random seed (default 1): the same seed gives the same file
  --duration S              length of a random session, s (default 120)
  --script FILE.json        play this script (a JSON list of steps) instead of a random session
  --mounting aligned|random sensor mounting (default random)
  --noise none|typical|high sensor imperfections (default typical)
  --rate HZ                 samples per second per sensor (default 100)
  --jitter S                timestamp jitter, +- s (default by --noise)
  --dropout SENSOR:START:DURATION   a radio drop-out (repeatable), e.g. thoracic:40:1.5
  --quat-only               devices stream their own orientation (quat) instead of acc + gyr
  --out FILE                where to write the recording (.jsonl or .jsonl.gz)
`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CliError('HINGE_ERR_USAGE', `--${name} must be a number, not "${value}"`);
  return n;
}

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError('HINGE_ERR_USAGE', `--${name} must be ${allowed.join(' or ')}`);
  return value as T;
}

function parseDropout(text: string): Dropout {
  const [sensor, start, duration, extra] = text.split(':');
  const startS = Number(start);
  const durationS = Number(duration);
  if (!sensor || extra !== undefined || !start || !duration || !Number.isFinite(startS) || !Number.isFinite(durationS)) {
    throw new CliError('HINGE_ERR_USAGE', `--dropout must be SENSOR:START:DURATION (e.g. thoracic:40:1.5), not "${text}"`);
  }
  return { sensor, start: startS, durationS };
}

/** FILE.jsonl(.gz) -> FILE.truth.json */
export function truthPathFor(recordingPath: string): string {
  return recordingPath.replace(/(\.jsonl)?(\.gz)?$/, '') + '.truth.json';
}

/** A script file's steps; a step the simulator cannot play is its SimulatorError (HINGE_ERR_SIMULATOR). */
function readScript(file: string): SimulatorOptions['script'] {
  const text = readTextFile(file, 'script');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError('HINGE_ERR_BAD_INPUT', `script ${file} is not valid JSON`);
  }
  return parseScript(json);
}

export const simulateCommand: Command = {
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      {
        seed: { type: 'string' },
        duration: { type: 'string' },
        script: { type: 'string' },
        mounting: { type: 'string' },
        noise: { type: 'string' },
        rate: { type: 'string' },
        jitter: { type: 'string' },
        dropout: { type: 'string', multiple: true },
        'quat-only': { type: 'boolean' },
        out: { type: 'string' },
      },
      usage,
      false,
    );
    const seed = numberOption(values.seed, 'seed') ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new CliError('HINGE_ERR_USAGE', '--seed must be a whole number from 0 to 4294967295');
    const durationS = numberOption(values.duration, 'duration');
    if (durationS !== undefined && !(durationS > 0 && durationS <= 24 * 3600)) throw new CliError('HINGE_ERR_USAGE', '--duration must be more than 0 and at most 86400 s');
    if (durationS !== undefined && values.script !== undefined) throw new CliError('HINGE_ERR_USAGE', 'give --duration or --script, not both');
    if (values.out !== undefined) requireOutput(values.out, true); // a simulated session may be written again
    // What the simulator refuses (a bad --rate, a script step) is its SimulatorError (HINGE_ERR_SIMULATOR), printed by main.ts.
    const started = performance.now();
    const { header, lines, truth } = simulateSession({
      seed,
      script: values.script !== undefined ? readScript(values.script) : randomSession(seed, { durationS: durationS ?? 120 }),
      mounting: choice<Mounting>(values.mounting, 'mounting', ['aligned', 'random']),
      noise: choice<NoiseLevel>(values.noise, 'noise', ['none', 'typical', 'high']),
      sampleRateHz: numberOption(values.rate, 'rate'),
      jitterS: numberOption(values.jitter, 'jitter'),
      dropouts: (values.dropout ?? []).map(parseDropout),
      quatOnly: values['quat-only'] ?? false,
    });
    if (values.out !== undefined) {
      await writeRecordingFile(values.out, header, lines);
      await writeFile(truthPathFor(values.out), JSON.stringify(truth) + '\n');
    } else {
      await write(io.out, JSON.stringify(header) + '\n');
      for (let i = 0; i < lines.length; i += 2000) await write(io.out, lines.slice(i, i + 2000).map((l) => JSON.stringify(l) + '\n').join(''));
    }
    const faults = truth.reps.filter((r) => r.faults.length > 0).length;
    const endS = truth.angles.t[truth.angles.t.length - 1] ?? 0;
    io.err.write(
      `simulated ${endS.toFixed(1)} s, seed ${seed}: ${lines.length} lines, ${truth.reps.length} reps (${faults} with faults)` +
        `${values.out !== undefined ? ` -> ${values.out} + ${truthPathFor(values.out)}` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return 0;
  },
};
