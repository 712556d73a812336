// What the calibration wizard says after the clinician pressed "Calibrate" at recording time
// `requestedT`: still waiting for the patient to stand still, done (a neutral that ends after the
// request), or failed (a calibration warning after the request, e.g. the patient never stood still).
import type { CalibrationStatus, WarningItem } from '../live/sessionState';

export type CalibrationOutcome =
  | { state: 'waiting' }
  | { state: 'done'; start: number; end: number }
  | { state: 'failed'; message: string };

export function calibrationOutcome(
  requestedT: number,
  calibration: CalibrationStatus,
  warnings: readonly WarningItem[],
): CalibrationOutcome {
  if (calibration.status === 'calibrated' && calibration.end >= requestedT) {
    return { state: 'done', start: calibration.start, end: calibration.end };
  }
  if (calibration.status === 'problem') return { state: 'failed', message: calibration.message };
  const failure = warnings.find((w) => w.kind === 'calibration' && w.t >= requestedT);
  if (failure) return { state: 'failed', message: failure.message };
  return { state: 'waiting' };
}
