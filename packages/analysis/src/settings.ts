// Per-patient settings and their defaults. The same object drives live alerts and offline analysis.
import { settingsProblems, type PatientSettings } from '@hinge/protocol';

/**
 * Default lumbar flexion limit, degrees (trunk angle minus pelvis angle, from standing neutral).
 * Controlled lifts keep lumbar flexion low: about 7-11 deg peak in squat lifts of 50 healthy adults
 * (optical motion capture; Hip extensor and lumbar extensor strength study summarised by PhysioHub), while
 * stoop (round-back) lifting moves the lumbar spine through about 36 +- 10 deg (von Arx et al., "From
 * Stoop to Squat", Front. Bioeng. Biotechnol. 2021, doi:10.3389/fbioe.2021.769117), and full standing
 * lumbar flexion is about 50-70 deg. 20 deg sits above what a well-controlled hinge needs and well below
 * a rounded back; clinicians lower it for irritable backs or raise it for heavier loads.
 */
export const DEFAULT_LUMBAR_LIMIT_DEG = 20;

/** Default shortest descent or ascent, s (analysis-output spec: tempo threshold default 1.0 s). */
export const DEFAULT_TEMPO_MIN_S = 1.0;

export const DEFAULT_SETTINGS: PatientSettings = {
  painLevel: null,
  load: 'none',
  lumbarLimitDeg: DEFAULT_LUMBAR_LIMIT_DEG,
  tempoMinS: DEFAULT_TEMPO_MIN_S,
  targetReps: 10,
  targetSets: 3,
};

/** Pain levels for which the hip hinge is an appropriate exercise. */
export const HINGE_PAIN_RANGE = { min: 1, max: 5 } as const;

/** Settings outside the bounds of @hinge/protocol's settings schema: refused, never replaced. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`settings refused: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/**
 * Merges partial settings over `base` (default: DEFAULT_SETTINGS). Throws SettingsError when a given
 * value is outside the protocol's bounds (SETTINGS_BOUNDS); returns the warnings a clinician should see.
 */
export function resolveSettings(
  partial: Partial<PatientSettings> = {},
  base: PatientSettings = DEFAULT_SETTINGS,
): { settings: PatientSettings; warnings: string[] } {
  const problems = settingsProblems(partial);
  if (problems.length > 0) throw new SettingsError(problems);
  const settings: PatientSettings = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  const warnings: string[] = [];
  if (settings.painLevel !== null && settings.painLevel > HINGE_PAIN_RANGE.max) {
    warnings.push(
      `pain level ${settings.painLevel}/10 is above ${HINGE_PAIN_RANGE.max}: the hip hinge suits pain levels ` +
        `${HINGE_PAIN_RANGE.min}-${HINGE_PAIN_RANGE.max}; check with the clinician before continuing`,
    );
  }
  return { settings, warnings };
}
