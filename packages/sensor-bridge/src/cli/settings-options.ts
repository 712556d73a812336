// Command-line options for per-patient settings, shared by the commands that analyse recordings.
// Bounds and checks are the protocol's settings schema (SETTINGS_BOUNDS, settingsProblems), as for REST,
// WebSocket and the dashboard: an out-of-range value is refused, never replaced.
import { LOADS, SETTINGS_BOUNDS as B, settingsProblems, type PatientSettings } from '@hinge/protocol';
import { CliError } from './command';

export const settingsOptions = {
  'lumbar-limit': { type: 'string' },
  tempo: { type: 'string' },
  pain: { type: 'string' },
  load: { type: 'string' },
} as const;

export const settingsUsage = `  --lumbar-limit DEG  lumbar flexion allowed during a rep, ${B.lumbarLimitDeg.min}-${B.lumbarLimitDeg.max} (default: the recording's, else 20)
  --tempo S           shortest acceptable descent or ascent, ${B.tempoMinS.min}-${B.tempoMinS.max} (default: the recording's, else 1.0)
  --pain N            pain level ${B.painLevel.min}-${B.painLevel.max} (default: the recording's)
  --load KIND         ${LOADS.join(' | ')}
  (these replace the recording header's settings at t = 0; its later settings lines still apply)`;

const OPTION_OF: Record<string, string> = { lumbarLimitDeg: 'lumbar-limit', tempoMinS: 'tempo', painLevel: 'pain', load: 'load' };

export function parseSettings(values: Record<string, string | boolean | undefined>): Partial<PatientSettings> {
  const settings: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(OPTION_OF)) {
    const text = values[option];
    if (typeof text !== 'string') continue;
    if (key !== 'load' && (text.trim() === '' || !Number.isFinite(Number(text)))) throw new CliError('HINGE_ERR_USAGE', `--${option} must be a number, not "${text}"`);
    settings[key] = key === 'load' ? text : Number(text);
  }
  const problems = settingsProblems(settings);
  if (problems.length > 0) {
    const named = problems.map((p) => p.replace(/^(\w+)/, (key: string) => `--${OPTION_OF[key] ?? key}`));
    throw new CliError('HINGE_ERR_USAGE', named.join('; '));
  }
  return settings as Partial<PatientSettings>;
}
