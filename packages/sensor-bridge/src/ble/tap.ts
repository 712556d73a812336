// "Tap to identify": a finger tap on a sensor shows as a short spike in the magnitude of the specific
// force, far above what slow movement (a hip hinge) produces. The detector follows the magnitude's
// slow baseline and reports a tap when a sample departs from it by more than `thresholdMS2`, then
// stays quiet for `refractoryS` so one tap is reported once.

export interface TapDetectorSettings {
  /** Departure from the baseline that counts as a tap, m/s^2 (default 6, about 0.6 g). */
  thresholdMS2?: number;
  /** Quiet time after a tap, s (default 0.5). */
  refractoryS?: number;
  /** Baseline smoothing time constant, s (default 0.5). */
  baselineTauS?: number;
}

export interface TapDetector {
  /** Feeds one sample; returns true when it completes a tap. */
  push(tS: number, accMS2: readonly number[]): boolean;
}

export function createTapDetector(settings: TapDetectorSettings = {}): TapDetector {
  const thresholdMS2 = settings.thresholdMS2 ?? 6;
  const refractoryS = settings.refractoryS ?? 0.5;
  const tauS = settings.baselineTauS ?? 0.5;
  let baselineMS2: number | undefined;
  let lastTS: number | undefined;
  let quietUntilS = -Infinity;
  return {
    push(tS, accMS2) {
      const magnitude = Math.hypot(accMS2[0] ?? 0, accMS2[1] ?? 0, accMS2[2] ?? 0);
      if (baselineMS2 === undefined || lastTS === undefined) {
        baselineMS2 = magnitude;
        lastTS = tS;
        return false;
      }
      const isTap = tS >= quietUntilS && Math.abs(magnitude - baselineMS2) > thresholdMS2;
      if (isTap) quietUntilS = tS + refractoryS;
      else if (tS >= quietUntilS) {
        // Only calm samples move the baseline, so a tap does not drag it along.
        const alpha = Math.min(1, Math.max(0, tS - lastTS) / tauS);
        baselineMS2 += alpha * (magnitude - baselineMS2);
      }
      lastTS = tS;
      return isTap;
    },
  };
}
