// Views by URL hash: `#/` clinician (setup and running sessions), `#/session/ID` the clinician's live
// session, `#/patient/ID` the patient mirror, `#/review` patients, `#/review/patient/ID` a patient's
// sessions and progress, `#/review/session/ID` one session's report. A `?token=` inside the hash is
// ignored here (connection/api.ts reads it).
export type Route =
  | { view: 'clinician' }
  | { view: 'session'; sessionId: string }
  | { view: 'patient'; sessionId: string }
  | { view: 'review' }
  | { view: 'review-patient'; patientId: string }
  | { view: 'review-session'; sessionId: string }
  | { view: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponentSafe);
  const [first, second, third] = parts;
  if (parts.length === 0) return { view: 'clinician' };
  if (first === 'session' && second && parts.length === 2) return { view: 'session', sessionId: second };
  if (first === 'patient' && second && parts.length === 2) return { view: 'patient', sessionId: second };
  if (first === 'review' && parts.length === 1) return { view: 'review' };
  if (first === 'review' && second === 'patient' && third && parts.length === 3) return { view: 'review-patient', patientId: third };
  if (first === 'review' && second === 'session' && third && parts.length === 3) return { view: 'review-session', sessionId: third };
  return { view: 'not-found', hash };
}

export function routeHash(route: Exclude<Route, { view: 'not-found' }>): string {
  const id = (s: string) => encodeURIComponent(s);
  switch (route.view) {
    case 'clinician':
      return '#/';
    case 'session':
      return `#/session/${id(route.sessionId)}`;
    case 'patient':
      return `#/patient/${id(route.sessionId)}`;
    case 'review':
      return '#/review';
    case 'review-patient':
      return `#/review/patient/${id(route.patientId)}`;
    case 'review-session':
      return `#/review/session/${id(route.sessionId)}`;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
