// Per-patient settings: the ONE definition of their fields and bounds, as plain values. The schemas
// that REST and WebSocket validate with at the edge are built from these (./settings.ts); the CLI and the
// dashboard forms check with `settingsProblems`, and the analysis refuses (never replaces) a value
// outside them. No TypeBox here: the analysis and the export worker load this without the schema library.
import type { SettingsChange } from './settings';

export const LOADS = ['none', 'dowel', 'band', 'weights'] as const;
export type Load = (typeof LOADS)[number];

/** Inclusive bounds of each numeric setting, with its unit and whether it is a whole number. */
export const SETTINGS_BOUNDS = {
  /** Pain level, 0-10 (numeric rating scale); the hip hinge suits 1-5, above that the analysis warns. */
  painLevel: { min: 0, max: 10, integer: true, unit: '/10' },
  /** Lumbar flexion (trunk minus pelvis) allowed during a rep, deg. Under 1 deg every rep would be faulted. */
  lumbarLimitDeg: { min: 1, max: 90, integer: false, unit: 'deg' },
  /** Shortest acceptable descent or ascent, s (0: no tempo check). */
  tempoMinS: { min: 0, max: 10, integer: false, unit: 's' },
  /** Patient-facing targets: reps per set and sets per session. */
  targetReps: { min: 1, max: 100, integer: true, unit: 'reps' },
  targetSets: { min: 1, max: 20, integer: true, unit: 'sets' },
} as const;

export type BoundedSetting = keyof typeof SETTINGS_BOUNDS;

/** Per-patient settings. The same object drives live alerts and offline analysis. */
export interface PatientSettings {
  painLevel: number | null;
  load: Load;
  lumbarLimitDeg: number;
  tempoMinS: number;
  targetReps: number;
  targetSets: number;
}

/** The changes from `before` to `after`, one per setting that differs, in the settings' order. Pure. */
export function settingsChanges(t: number, before: PatientSettings, after: PatientSettings): SettingsChange[] {
  const keys = ['painLevel', 'load', 'lumbarLimitDeg', 'tempoMinS', 'targetReps', 'targetSets'] as const;
  return keys.filter((key) => before[key] !== after[key]).map((key) => ({ t, setting: key, from: before[key], to: after[key] }));
}

const SETTING_KEYS = ['painLevel', 'load', ...Object.keys(SETTINGS_BOUNDS).filter((k) => k !== 'painLevel')] as const;

/**
 * Why a (partial) settings object is not acceptable: one clear sentence per bad field, empty when it
 * is fine. Pure; the same check as the schemas above, for places that hold no JSON-schema validator.
 */
export function settingsProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['settings must be an object'];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown setting "${key}"`);
    } else if (key === 'load') {
      if (!(LOADS as readonly unknown[]).includes(v)) problems.push(`load must be one of ${LOADS.join(', ')}, not ${JSON.stringify(v)}`);
    } else if (key === 'painLevel' && v === null) {
      continue;
    } else {
      const b = SETTINGS_BOUNDS[key as BoundedSetting];
      const ok = typeof v === 'number' && Number.isFinite(v) && v >= b.min && v <= b.max && (!b.integer || Number.isInteger(v));
      if (!ok) problems.push(`${key} must be ${b.integer ? 'a whole number' : 'a number'} from ${b.min} to ${b.max} ${b.unit}, not ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    }
  }
  return problems;
}
