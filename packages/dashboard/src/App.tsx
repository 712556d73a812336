// The shell: one bridge connection for all views, the view chosen by the URL hash, and the connection's
// presence shown in words (it reconnects on its own after a bridge restart).
import { useEffect, useState } from 'react';
import { AppContext, useConnectionStatus, type AppServices } from './appContext';
import { parseRoute, routeHash, type Route } from './route';
import { ClinicianHome } from './clinician/ClinicianHome';
import { SessionLive } from './clinician/SessionLive';
import { PatientView } from './patient/PatientView';
import { ReviewHome } from './review/ReviewHome';
import { PatientProgress } from './review/PatientProgress';
import { SessionReport } from './review/SessionReport';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** `services` are made once per page load (main.tsx), outside React, so re-renders never reconnect. */
export function App({ services }: { services: AppServices }) {
  const route = useRoute();

  return (
    <AppContext.Provider value={services}>
      {route.view === 'patient' ? (
        <PatientView sessionId={route.sessionId} />
      ) : (
        <div className="clinician">
          <header className="topbar">
            <a className="brand" href={routeHash({ view: 'clinician' })}>
              Hip hinge trainer
            </a>
            <nav aria-label="Main">
              <a href={routeHash({ view: 'clinician' })} aria-current={route.view === 'clinician' || route.view === 'session' ? 'page' : undefined}>
                Sessions
              </a>
              <a href={routeHash({ view: 'review' })} aria-current={route.view.startsWith('review') ? 'page' : undefined}>
                Review
              </a>
            </nav>
            <ConnectionBadge />
          </header>
          <main>
            <View route={route} />
          </main>
        </div>
      )}
    </AppContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'clinician':
      return <ClinicianHome />;
    case 'session':
      return <SessionLive key={route.sessionId} sessionId={route.sessionId} />;
    case 'review':
      return <ReviewHome />;
    case 'review-patient':
      return <PatientProgress key={route.patientId} patientId={route.patientId} />;
    case 'review-session':
      return <SessionReport key={route.sessionId} sessionId={route.sessionId} />;
    case 'patient':
      return null;
    case 'not-found':
      return (
        <p>
          Nothing at <code>{route.hash}</code>. <a href={routeHash({ view: 'clinician' })}>Go to sessions</a>.
        </p>
      );
  }
}

const PRESENCE_WORDS = {
  connecting: '… Connecting to the bridge',
  present: '● Connected',
  reconnecting: '↻ Bridge lost, reconnecting…',
  absent: '○ Disconnected',
  error: '✕ Connection error',
} as const;

export function ConnectionBadge() {
  const status = useConnectionStatus();
  return (
    <p className={`connection connection-${status.presence}`} role="status" aria-live="polite" data-presence={status.presence}>
      {PRESENCE_WORDS[status.presence]}
    </p>
  );
}
