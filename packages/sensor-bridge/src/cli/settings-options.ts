// Command-line options for per-patient settings, shared by the commands that analyse recordings.
import { LOADS, type Load, type PatientSettings } from '@hinge/protocol';
import { CliError } from './command';

export const settingsOptions = {
  'lumbar-limit': { type: 'string' },
  tempo: { type: 'string' },
  pain: { type: 'string' },
  load: { type: 'string' },
} as const;

export const settingsUsage = `  --lumbar-limit DEG  lumbar flexion allowed during a rep (default 20)
  --tempo S           shortest acceptable descent or ascent (default 1.0)
  --pain N            pain level 0-10 (default: the recording's subject.painLevel)
  --load KIND         none | dowel | band | weights`;

function number(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new CliError(`--${name} must be a number from ${min} to ${max}, not "${text}"`, 2);
  }
  return value;
}

export function parseSettings(values: Record<string, string | boolean | undefined>): Partial<PatientSettings> {
  const settings: Partial<PatientSettings> = {};
  const limit = number('lumbar-limit', values['lumbar-limit'] as string | undefined, 1, 90);
  if (limit !== undefined) settings.lumbarLimitDeg = limit;
  const tempo = number('tempo', values.tempo as string | undefined, 0, 10);
  if (tempo !== undefined) settings.tempoMinS = tempo;
  const pain = number('pain', values.pain as string | undefined, 0, 10);
  if (pain !== undefined) settings.painLevel = pain;
  const load = values.load as string | undefined;
  if (load !== undefined) {
    if (!(LOADS as readonly string[]).includes(load)) throw new CliError(`--load must be one of ${LOADS.join(', ')}, not "${load}"`, 2);
    settings.load = load as Load;
  }
  return settings;
}
