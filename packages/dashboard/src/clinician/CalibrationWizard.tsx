// Calibration in two steps: the patient stands tall and still (the clinician presses "Calibrate" to mark
// the neutral), then makes two slow bends so the analysis can find the bending axis. The result comes
// back as `calibrated` or `calibration-warning` events, then `bend-axis` once the bends have shown the
// flexion axis; the wizard says which, and why not. A warning that a recalibration would fix (a stale
// neutral, a slipped sensor) has its own button that sends the same calibrate control.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CalibrationStatus, WarningItem } from '../live/sessionState';
import { calibrationOutcome } from './calibrationOutcome';
import { seconds } from './format';

interface Props {
  calibration: CalibrationStatus;
  warnings: WarningItem[];
  canControl: boolean;
  /** Reps are being counted: the bend axis is evidently in use, so "waiting for a slow bend" would mislead. */
  repsCounting: boolean;
  /** Calibration bends since the neutral shown (the analysis' `calibration-bend` events: not counted as reps). */
  calibrationBends: number;
  /** Latest recording time, s (when the request is made). */
  currentT: () => number;
  onCalibrate: () => Promise<void>;
}

export function CalibrationWizard({ calibration, warnings, canControl, repsCounting, calibrationBends, currentT, onCalibrate }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState<1 | 2>(1);
  const [requestedT, setRequestedT] = useState<number | null>(null);
  const outcome = requestedT === null ? null : calibrationOutcome(requestedT, calibration, warnings);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** A neutral taken (or asked for) after time t: a warning from before it needs no recalibration any more. */
  const recalibratedSince = (t: number) => (calibration.status === 'calibrated' && calibration.start > t) || (requestedT !== null && requestedT > t);

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
      <h2 id="calibration-title">{t('calibration.title')}</h2>
      <ol className="steps">
        <li aria-current={step === 1 ? 'step' : undefined}>
          <strong>{t('calibration.step1')}</strong>
          {t('calibration.step1Rest')}{' '}
          <button type="button" onClick={markStill} disabled={!canControl || busy}>
            {busy ? t('calibration.marking') : t('calibration.mark')}
          </button>
        </li>
        <li aria-current={step === 2 ? 'step' : undefined}>
          <strong>{t('calibration.step2')}</strong>
          {t('calibration.step2Rest')}
        </li>
      </ol>
      {/* One status line: the outcome of the clinician's request while it is pending or failed, else the calibration itself. */}
      {outcome && outcome.state !== 'done' ? (
        <p role="status" aria-live="polite" className={`calibration calibration-${outcome.state}`}>
          {outcome.state === 'waiting' ? t('calibration.waitingStill') : t('calibration.failed', { message: outcome.message })}
        </p>
      ) : (
        <p role="status" aria-live="polite" className={`calibration calibration-${calibration.status}`}>
          {calibration.status === 'waiting' && t('calibration.notYet')}
          {calibration.status === 'calibrated' && (
            <>
              {outcome?.state === 'done'
                ? t('calibration.recalibrated', { start: seconds(calibration.start, 1), end: seconds(calibration.end, 1) })
                : t('calibration.calibrated', { start: seconds(calibration.start, 1), end: seconds(calibration.end, 1) })}{' '}
              {calibration.axisFoundT !== undefined
                ? t('calibration.axisFound', { time: seconds(calibration.axisFoundT, 1) })
                : !repsCounting && t('calibration.axisWaiting')}
              {calibrationBends > 0 && (
                <>
                  {' '}
                  <span data-testid="calibration-bends">{t('calibration.bendsSeen', { count: calibrationBends })}</span>
                </>
              )}
            </>
          )}
          {calibration.status === 'problem' && t('calibration.failed', { message: calibration.message })}
        </p>
      )}
      {warnings.length > 0 && (
        <ul className="problems" aria-label={t('calibration.warnings')}>
          {warnings.slice(-5).map((w, i) => (
            <li key={`${w.t}-${i}`}>
              ⚠ {seconds(w.t, 1)}: {w.message}
              {w.recalibrate && !recalibratedSince(w.t) && (
                <>
                  {' '}
                  <button type="button" onClick={markStill} disabled={!canControl || busy || outcome?.state === 'waiting'}>
                    {t('calibration.recalibrate')}
                  </button>
                </>
              )}
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
