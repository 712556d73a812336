// The clinician's start page: running sessions to rejoin, and a form for a new one.
import { useConnectionStatus, useRunningSessions } from '../appContext';
import { routeHash } from '../route';
import { SessionSetup } from './SessionSetup';

export function ClinicianHome() {
  const sessions = useRunningSessions();
  const status = useConnectionStatus();
  const canControl = status.hello?.capabilities.includes('control') ?? false;
  return (
    <div className="home">
      <section className="panel" aria-labelledby="running-title">
        <h2 id="running-title">Running sessions</h2>
        {sessions.length === 0 ? (
          <p className="hint">None running.</p>
        ) : (
          <ul className="session-list">
            {sessions.map((s) => (
              <li key={s.id}>
                <a href={routeHash({ view: 'session', sessionId: s.id })}>{s.label || s.id}</a> <span className="status-tag">{s.status}</span>{' '}
                <a href={routeHash({ view: 'patient', sessionId: s.id })}>patient screen</a>
              </li>
            ))}
          </ul>
        )}
      </section>
      {status.hello && !canControl ? (
        <p className="warn">This link is read-only: it cannot start sessions.</p>
      ) : (
        <SessionSetup />
      )}
    </div>
  );
}
