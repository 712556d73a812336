// Sensor status of a session: placement, presence, battery, signal, rate, drop-outs, unusable packets.
// Presence is shown in words and a symbol, never colour alone.
import { useTranslation } from 'react-i18next';
import type { SensorStatusMessage } from '@hinge/protocol';

export function SensorPanel({ status: latest, hasSensorStatus, running }: { status: SensorStatusMessage | null; hasSensorStatus: boolean; running: boolean }) {
  // Once the session has ended the last status is stale: say so instead of showing "connected".
  const status = running ? latest : null;
  const { t } = useTranslation();
  return (
    <section className="panel sensors-panel" aria-labelledby="sensors-title">
      <h2 id="sensors-title">{t('sensors.title')}</h2>
      {!status && (
        <p className="hint">
          {!running ? t('sensors.ended') : hasSensorStatus ? t('sensors.waiting') : t('sensors.noStatus')}
        </p>
      )}
      {status && (
        <table className="compact">
          <thead>
            <tr>
              {(['placement', 'sensor', 'state', 'battery', 'signal', 'rate', 'dropouts', 'unusable'] as const).map((key) => (
                <th key={key} scope="col">
                  {t(`sensors.${key}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {status.sensors.map((s) => (
              <tr key={s.id}>
                <th scope="row">{t(`placement.${s.placement}`, { defaultValue: s.placement })}</th>
                <td>{s.id}</td>
                <td className={`presence presence-${s.presence}`}>{t(`sensors.presence.${s.presence}`, { defaultValue: s.presence })}</td>
                <td>{s.batteryPct === null ? '–' : `${Math.round(s.batteryPct)} %`}</td>
                <td>{s.rssiDbm === null ? '–' : `${Math.round(s.rssiDbm)} dBm`}</td>
                <td>{`${s.rateHz.toFixed(0)} Hz`}</td>
                <td>{s.dropouts}</td>
                <td>{s.malformed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {status && status.problems.length > 0 && (
        <ul className="problems" aria-label={t('sensors.problems')}>
          {status.problems.map((p) => (
            <li key={p}>⚠ {p}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
