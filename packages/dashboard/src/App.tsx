// The shell: one bridge connection for all views, the view chosen by the URL hash, and the connection's
// presence shown in words (it reconnects on its own after a bridge restart).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppContext, useConnectionStatus, type AppServices } from './appContext';
import { parseRoute, routeHash, type Route } from './route';
import { LANGUAGES, setLanguage, type Language } from './i18n';
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
  const { t } = useTranslation();
  useEffect(() => {
    document.title = t('app.title');
  }, [t]);

  return (
    <AppContext.Provider value={services}>
      {route.view === 'patient' ? (
        <PatientView sessionId={route.sessionId} />
      ) : (
        <div className="clinician">
          <header className="topbar">
            <a className="brand" href={routeHash({ view: 'clinician' })}>
              {t('app.title')}
            </a>
            <nav aria-label={t('app.nav.main')}>
              <a href={routeHash({ view: 'clinician' })} aria-current={route.view === 'clinician' || route.view === 'session' ? 'page' : undefined}>
                {t('app.nav.sessions')}
              </a>
              <a href={routeHash({ view: 'review' })} aria-current={route.view.startsWith('review') ? 'page' : undefined}>
                {t('app.nav.review')}
              </a>
            </nav>
            <ConnectionBadge />
            <LanguagePicker />
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
  const { t } = useTranslation();
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
          {t('app.notFound', { hash: route.hash })} <a href={routeHash({ view: 'clinician' })}>{t('app.goToSessions')}</a>
        </p>
      );
  }
}

export function ConnectionBadge() {
  const status = useConnectionStatus();
  const { t } = useTranslation();
  return (
    <p className={`connection connection-${status.presence}`} role="status" aria-live="polite" data-presence={status.presence}>
      {t(`presence.${status.presence}`)}
    </p>
  );
}

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="visually-hidden">{t('app.language')}</span>
      <select aria-label={t('app.language')} value={i18n.resolvedLanguage} onChange={(e) => setLanguage(e.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
