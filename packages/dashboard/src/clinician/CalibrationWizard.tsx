// Calibration in two steps: the patient stands tall and still (the clinician presses "Calibrate" to mark
// the neutral), then makes two slow bends so the analysis can find the bending axis. The result comes
// back as `calibrated` or `calibration-warning` events, then `bend-axis` once the bends have shown the
// flexion axis; the wizard says which, and why not.
import { useState } from 'react';
import type { CalibrationStatus, WarningItem } from '../live/sessionState';
import { calibrationOutcome } from './calibrationOutcome';

interface Props {
  calibration: CalibrationStatus;
  warnings: WarningItem[];
  canControl: boolean;
  /** Latest recording time, s (when the request is made). */
  currentT: () => number;
  onCalibrate: () => Promise<void>;
}

export function CalibrationWizard({ calibration, warnings, canControl, currentT, onCalibrate }: Props) {
  const [step, setStep] = useState<1 | 2>(1);
  const [requestedT, setRequestedT] = useState<number | null>(null);
  const outcome = requestedT === null ? null : calibrationOutcome(requestedT, calibration, warnings);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function markStill() {
    setBusy(true);
    setError(null);
    try {
      const t = currentT();
      await onCalibrate();
      setRequestedT(t);
      setStep(2);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel calibration-panel" aria-labelledby="calibration-title">
      <h2 id="calibration-title">Calibration</h2>
      <ol className="steps">
        <li aria-current={step === 1 ? 'step' : undefined}>
          <strong>Stand tall and still</strong> for two seconds, arms relaxed.{' '}
          <button type="button" onClick={markStill} disabled={!canControl || busy}>
            {busy ? 'Marking…' : 'Calibrate: standing still now'}
          </button>
        </li>
        <li aria-current={step === 2 ? 'step' : undefined}>
          <strong>Two slow bends</strong>: push the hips back and bend forward, then stand up again. Twice.
        </li>
      </ol>
      {outcome && (
        <p role="status" aria-live="polite" className={`calibration calibration-${outcome.state}`}>
          {outcome.state === 'waiting' && '… Waiting for the patient to stand still for 1.5 s.'}
          {outcome.state === 'done' && `✓ Recalibrated: neutral from ${outcome.start.toFixed(1)} s to ${outcome.end.toFixed(1)} s. Now two slow bends.`}
          {outcome.state === 'failed' && `✕ Calibration did not work: ${outcome.message}`}
        </p>
      )}
      <p role="status" aria-live="polite" className={`calibration calibration-${calibration.status}`}>
        {calibration.status === 'waiting' && '○ Not calibrated yet. A still standing period of 1.5 s is used automatically.'}
        {calibration.status === 'calibrated' &&
          `✓ Calibrated: neutral from ${calibration.start.toFixed(1)} s to ${calibration.end.toFixed(1)} s. ` +
            (calibration.axisFoundT === undefined
              ? '… Bending axis: waiting for a slow bend.'
              : `✓ Bending axis found at ${calibration.axisFoundT.toFixed(1)} s.`)}
        {calibration.status === 'problem' && `✕ Calibration did not work: ${calibration.message}`}
      </p>
      {warnings.length > 0 && (
        <ul className="problems" aria-label="Analysis warnings">
          {warnings.slice(-5).map((w, i) => (
            <li key={`${w.t}-${i}`}>
              ⚠ {w.t.toFixed(1)} s: {w.message}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
