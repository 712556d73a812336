// Faults as they are raised, newest first, each with the numbers that triggered it. An alert fires at the
// crossing, so its numbers are the crossing's; once the rep has ended the rep's own peak follows, which
// is what the rep table and the report show.
import { useTranslation } from 'react-i18next';
import type { AlertItem } from '../live/sessionState';
import { deg, formatValues, seconds } from './format';

export function AlertFeed({ alerts, repPeaksDeg }: { alerts: AlertItem[]; repPeaksDeg: ReadonlyMap<number, number | null> }) {
  const { t } = useTranslation();
  return (
    <section className="panel alerts-panel" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('alerts.title')}</h2>
      <ul className="alerts" aria-live="polite" aria-relevant="additions" data-testid="alert-feed">
        {alerts.length === 0 && <li className="hint">{t('alerts.none')}</li>}
        {alerts.map((a) => {
          const peak = a.fault === 'lumbar-rounding' ? repPeaksDeg.get(a.repIndex) : undefined;
          return (
            <li key={`${a.repIndex}-${a.fault}-${a.t}`} className={`alert alert-${a.fault}`} data-fault={a.fault}>
              <span className="alert-rep">{t('alerts.rep', { rep: a.repIndex })}</span> <strong>⚠ {t(`fault.${a.fault}`)}</strong>:{' '}
              {a.fault === 'lumbar-rounding' && a.values.peakLumbarDeg !== undefined ? (
                <span className="values">
                  {t('alerts.crossing', { value: deg(a.values.peakLumbarDeg) })}
                  {a.values.limitDeg !== undefined && ` (${formatValues({ limitDeg: a.values.limitDeg })})`}
                </span>
              ) : (
                <span className="values">{formatValues(a.values)}</span>
              )}
              {peak != null && (
                <>
                  {'; '}
                  <strong className="rep-peak">{t('alerts.repPeak', { value: deg(peak) })}</strong>
                </>
              )}{' '}
              <span className="alert-time">{t('alerts.at', { time: seconds(a.t, 1) })}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
