// The three faults of the analysis-output spec, each with the numbers that triggered it.
import type { FaultDetail, PatientSettings } from '@hinge/protocol';

export interface KneeDominanceOptions {
  /** The sacrum must sink at least this far, m. */
  minSinkM: number;
  /** ... and by at least this much per degree of pelvic tilt, m/deg. */
  minSinkPerPelvisDegM: number;
}

/**
 * A squat lowers the body by bending the knees: the sacrum sinks far while the pelvis tilts little.
 * A hip hinge tilts the pelvis 40-80 deg while the sacrum hardly sinks (it sits behind and above the
 * hip joint, so pure hip flexion even lifts it slightly; soft knees add a few cm). Sinking >= 0.12 m
 * at >= 4 mm per degree of pelvic tilt separates them: a 0.30 m squat with 20 deg of pelvic tilt gives
 * 15 mm/deg, a soft-knee hinge of 0.08 m with 60 deg gives 1.3 mm/deg.
 */
export const DEFAULT_KNEE_DOMINANCE: KneeDominanceOptions = { minSinkM: 0.12, minSinkPerPelvisDegM: 0.004 };

export function lumbarRounding(peakLumbarDeg: number | null, settings: PatientSettings): FaultDetail | null {
  if (peakLumbarDeg === null || peakLumbarDeg <= settings.lumbarLimitDeg) return null;
  return {
    fault: 'lumbar-rounding',
    message: `lumbar flexion reached ${peakLumbarDeg.toFixed(1)} deg, above the limit of ${settings.lumbarLimitDeg} deg`,
    values: { peakLumbarDeg: round1(peakLumbarDeg), lumbarLimitDeg: settings.lumbarLimitDeg },
  };
}

export function kneeDominant(
  sinkM: number | null,
  peakPelvisDeg: number | null,
  options: KneeDominanceOptions = DEFAULT_KNEE_DOMINANCE,
): FaultDetail | null {
  if (sinkM === null || peakPelvisDeg === null || sinkM < options.minSinkM) return null;
  const perDeg = sinkM / Math.max(peakPelvisDeg, 1);
  if (perDeg < options.minSinkPerPelvisDegM) return null;
  return {
    fault: 'knee-dominant',
    message: `the sacrum sank ${(sinkM * 100).toFixed(0)} cm while the pelvis tilted only ${peakPelvisDeg.toFixed(0)} deg: lowered by the knees, not the hips`,
    values: { sacrumDropM: round3(sinkM), peakPelvisDeg: round1(peakPelvisDeg), minSinkM: options.minSinkM, sinkPerPelvisDegM: round3(perDeg) },
  };
}

export function tooFast(descentS: number, ascentS: number, settings: PatientSettings): FaultDetail | null {
  const fastest = Math.min(descentS, ascentS);
  if (!(fastest < settings.tempoMinS)) return null;
  const which = descentS <= ascentS ? 'descent' : 'ascent';
  return {
    fault: 'too-fast',
    message: `${which} took ${fastest.toFixed(2)} s, faster than the tempo of ${settings.tempoMinS} s`,
    values: { descentS: round3(descentS), ascentS: round3(ascentS), tempoMinS: settings.tempoMinS },
  };
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;
