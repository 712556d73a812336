// The clinician's start page: running sessions to rejoin, and a form for a new one.
import { useTranslation } from 'react-i18next';
import type { SessionStatus } from '@hinge/protocol';
import { useConnectionStatus, useRunningSessions } from '../appContext';
import { routeHash } from '../route';
import { SessionSetup } from './SessionSetup';

export function ClinicianHome() {
  const sessions = useRunningSessions();
  const status = useConnectionStatus();
  const { t } = useTranslation();
  const canControl = status.hello?.capabilities.includes('control') ?? false;
  return (
    <div className="home">
      <section className="panel" aria-labelledby="running-title">
        <h2 id="running-title">{t('home.running')}</h2>
        {sessions.length === 0 ? (
          <p className="hint">{t('home.none')}</p>
        ) : (
          <ul className="session-list">
            {sessions.map((s) => (
              <li key={s.id}>
                <a href={routeHash({ view: 'session', sessionId: s.id })}>{s.label || s.id}</a> <span className="status-tag">{t(`status.${s.status}` as `status.${SessionStatus}`, { defaultValue: s.status })}</span>{' '}
                <a href={routeHash({ view: 'patient', sessionId: s.id })}>{t('home.patientScreen')}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
      {status.hello && !canControl ? (
        <p className="warn">{t('home.readOnly')}</p>
      ) : (
        <SessionSetup />
      )}
    </div>
  );
}
