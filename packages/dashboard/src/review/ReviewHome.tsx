// Review: every patient at a glance: clinic identifier, last session (date, reps, clean share), the
// trend of the clean-rep share and flags (pain rose, pain above 5, a peak over the limit, no pain report).
import { useTranslation } from 'react-i18next';
import type { Patient, SessionState } from '@hinge/protocol';
import { useResource } from '../appContext';
import { dateOnly, deg, percent } from '../clinician/format';
import { routeHash } from '../route';
import { cleanTrend, flagsOf, progressPoints, type Flag } from './progress';

export function ReviewHome() {
  const { t } = useTranslation();
  const patients = useResource<Patient[]>('/api/patients');
  const sessions = useResource<SessionState[]>('/api/sessions');
  const error = patients.error ?? sessions.error;
  return (
    <section className="panel wide" aria-labelledby="patients-title">
      <h1 id="patients-title">{t('review.patients')}</h1>
      {error && <p className="error">{t('review.patientsFailed', { error })}</p>}
      {patients.data?.length === 0 && <p className="hint">{t('review.noPatients')}</p>}
      {(patients.data?.length ?? 0) > 0 && (
        <table className="reps" data-testid="patients-table">
          <thead>
            <tr>
              <th scope="col">{t('review.patient')}</th>
              <th scope="col">{t('review.clinicId')}</th>
              <th scope="col">{t('review.lastSession')}</th>
              <th scope="col">{t('review.trend')}</th>
              <th scope="col">{t('review.flags')}</th>
            </tr>
          </thead>
          <tbody>
            {(patients.data ?? []).map((p) => {
              const points = progressPoints((sessions.data ?? []).filter((s) => s.patientId === p.id));
              const last = points[points.length - 1];
              const flags = flagsOf(last);
              return (
                <tr key={p.id}>
                  <th scope="row">
                    <a href={routeHash({ view: 'review-patient', patientId: p.id })}>{p.name}</a>
                  </th>
                  <td>{p.clinicId ?? '–'}</td>
                  <td>
                    {last ? (
                      <a href={routeHash({ view: 'review-session', sessionId: last.sessionId })}>
                        {t('review.lastSessionValue', { date: dateOnly(last.date), count: last.repCount, clean: percent(last.cleanShare) })}
                      </a>
                    ) : (
                      <span className="hint">{t('review.noSession')}</span>
                    )}
                  </td>
                  <td>{t(`review.trendWord.${cleanTrend(points)}`)}</td>
                  <td>
                    {flags.length === 0 ? (
                      '–'
                    ) : (
                      <ul className="flags">
                        {flags.map((f) => (
                          <li key={f.kind}>⚠ {flagText(t, f)}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function flagText(t: ReturnType<typeof useTranslation>['t'], flag: Flag): string {
  switch (flag.kind) {
    case 'painUp':
      return t('review.flag.painUp', { before: flag.before, after: flag.after });
    case 'highPain':
      return t('review.flag.highPain', { pain: flag.pain });
    case 'overLimit':
      return t('review.flag.overLimit', { peak: deg(flag.peak), limit: deg(flag.limit, 0) });
    case 'noPainReport':
      return t('review.flag.noPainReport');
  }
}
