// Per-patient settings: the ONE definition of their fields and bounds. REST and WebSocket validate with
// these schemas at the edge, the CLI and the dashboard forms check with `settingsProblems`, and the
// analysis refuses (never replaces) a value outside them.
import { Type, type Static } from 'typebox';

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

const bounded = (key: BoundedSetting) => {
  const b = SETTINGS_BOUNDS[key];
  return b.integer ? Type.Integer({ minimum: b.min, maximum: b.max }) : Type.Number({ minimum: b.min, maximum: b.max });
};

/** Full per-patient settings, as stored with a session and written in a recording's header. */
export const PatientSettingsSchema = Type.Object(
  {
    painLevel: Type.Union([bounded('painLevel'), Type.Null()]),
    load: Type.Union([Type.Literal('none'), Type.Literal('dowel'), Type.Literal('band'), Type.Literal('weights')]),
    lumbarLimitDeg: bounded('lumbarLimitDeg'),
    tempoMinS: bounded('tempoMinS'),
    targetReps: bounded('targetReps'),
    targetSets: bounded('targetSets'),
  },
  { additionalProperties: false },
);

/** Per-patient settings. The same object drives live alerts and offline analysis. */
export interface PatientSettings {
  painLevel: number | null;
  load: Load;
  lumbarLimitDeg: number;
  tempoMinS: number;
  targetReps: number;
  targetSets: number;
}

/** One setting changed during a session (a `settings` line): when, which, from what to what. */
export const SettingsChange = Type.Object({
  t: Type.Number({ description: 'recording time of the change, s' }),
  setting: Type.Union([Type.Literal('painLevel'), Type.Literal('load'), Type.Literal('lumbarLimitDeg'), Type.Literal('tempoMinS'), Type.Literal('targetReps'), Type.Literal('targetSets')]),
  from: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  to: Type.Union([Type.Number(), Type.String(), Type.Null()]),
});
export type SettingsChange = Static<typeof SettingsChange>;

/** The changes from `before` to `after`, one per setting that differs, in the settings' order. Pure. */
export function settingsChanges(t: number, before: PatientSettings, after: PatientSettings): SettingsChange[] {
  const keys = ['painLevel', 'load', 'lumbarLimitDeg', 'tempoMinS', 'targetReps', 'targetSets'] as const;
  return keys.filter((key) => before[key] !== after[key]).map((key) => ({ t, setting: key, from: before[key], to: after[key] }));
}

/** Some settings (only the given ones change): session creation, a change during a session, a `settings` line. */
export const SettingsPatch = Type.Partial(PatientSettingsSchema, { additionalProperties: false });
export type SettingsPatch = Static<typeof SettingsPatch>;

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
