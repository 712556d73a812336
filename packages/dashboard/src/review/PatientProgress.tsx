// One patient's course: progress charts by date (clean reps, peak lumbar against the limit, descent
// tempo, pain before and after, hip share), the sessions with the settings that changed, the
// progression rule's proposal with its reasons, the clinician's notes (which the PDF report prints), and
// the form that imports a session from vendor exports.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { progressionAdvice, type ProgressionReason } from '@hinge/analysis';
import type { Patient, SessionState } from '@hinge/protocol';
import { useResource, useServices } from '../appContext';
import { dateTime, deg, duration, percent, seconds } from '../clinician/format';
import { routeHash } from '../route';
import { courseOf, progressPoints, type SettingChange } from './progress';
import { TrendChart } from './TrendChart';
import { ImportPanel } from './ImportPanel';

export function PatientProgress({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const id = encodeURIComponent(patientId);
  const patient = useResource<Patient>(`/api/patients/${id}`);
  const sessions = useResource<SessionState[]>(`/api/patients/${id}/sessions`);
  const points = progressPoints(sessions.data ?? []);
  const advice = progressionAdvice(courseOf(points));
  const limitDeg = points[points.length - 1]?.settings.lumbarLimitDeg;
  const pain = (v: number) => `${Math.round(v)}/10`;

  return (
    <article className="report">
      <header className="report-header">
        <h1>{t('review.progress', { name: patient.data?.name ?? t('review.patient') })}</h1>
        {patient.data?.clinicId && (
          <p>
            {t('review.clinicId')}: {patient.data.clinicId}
          </p>
        )}
        <button type="button" className="no-print" onClick={() => window.print()}>
          {t('review.print')}
        </button>
      </header>
      {(patient.error || sessions.error) && <p className="error">{patient.error ?? sessions.error}</p>}

      {advice && (
        <section className="panel advice" aria-labelledby="advice-title" data-testid="advice">
          <h2 id="advice-title">{t('review.advice')}</h2>
          <p className={`advice-${advice.action}`}>
            <strong>{t(`review.adviceStep.${advice.action}`, { load: t(`load.${advice.to}`) })}</strong>
          </p>
          <ul>
            {advice.reasons.map((r) => (
              <li key={r.check} className={r.ok ? 'ok' : 'not-ok'}>
                {r.ok ? '✓' : '✕'} {reasonText(t, r)}
              </li>
            ))}
          </ul>
          <p className="hint">
            {t('review.adviceRule')}: {t('advice.rule')} {t('review.adviceNote')}
          </p>
        </section>
      )}

      <section className="trends" aria-label={t('review.charts')}>
        <TrendChart title={t('review.clean')} points={points} series={[{ name: t('review.clean'), value: (p) => p.cleanShare }]} format={percent} min={0} max={1} better="higher" />
        <TrendChart
          title={t('review.peakLumbar')}
          points={points}
          series={[{ name: t('review.peakMax'), value: (p) => p.peakLumbarDegMax }]}
          format={(v) => deg(v, 0)}
          min={0}
          max={30}
          better="lower"
          {...(limitDeg !== undefined ? { reference: limitDeg } : {})}
        />
        <TrendChart title={t('review.tempo')} points={points} series={[{ name: t('review.tempo'), value: (p) => p.descentSMean }]} format={(v) => seconds(v, 1)} min={0} max={3} better="higher" />
        <TrendChart
          title={t('review.pain')}
          points={points}
          series={[
            { name: t('pain.before'), value: (p) => p.painBefore },
            { name: t('pain.after'), value: (p) => p.painAfter, hollow: true },
          ]}
          format={pain}
          min={0}
          max={10}
          better="lower"
        />
        <TrendChart title={t('review.hipShare')} points={points} series={[{ name: t('review.hipShare'), value: (p) => p.hipShareMean }]} format={percent} min={0} max={1} better="higher" />
      </section>

      <table className="reps progress-table" data-testid="progress-table">
        <caption>{t('review.sessions')}</caption>
        <thead>
          <tr>
            {(['date', 'session', 'reps', 'clean', 'peakMax', 'descentMean', 'duration'] as const).map((key) => (
              <th key={key} scope="col">
                {t(`review.${key}`)}
              </th>
            ))}
            <th scope="col">
              {t('pain.before')} → {t('pain.after')}
            </th>
            <th scope="col">{t('review.changed')}</th>
          </tr>
        </thead>
        <tbody>
          {points.length === 0 && (
            <tr>
              <td colSpan={9} className="hint">
                {t('review.noSessions')}
              </td>
            </tr>
          )}
          {points.map((p) => (
            <tr key={p.sessionId}>
              <td>{dateTime(p.date)}</td>
              <th scope="row">
                <a href={routeHash({ view: 'review-session', sessionId: p.sessionId })}>{p.label || t('review.session')}</a>{' '}
                {p.status === 'live' && <span className="status-tag">{t('status.live')}</span>}
                {p.station && <span className="hint"> {t('review.station', { station: p.station })}</span>}
              </th>
              <td>{p.repCount}</td>
              <td>{percent(p.cleanShare)}</td>
              <td>{deg(p.peakLumbarDegMax)}</td>
              <td>{seconds(p.descentSMean)}</td>
              <td>{duration(p.durationS)}</td>
              <td>
                {p.painBefore ?? '–'} → {p.painAfter ?? '–'}
              </td>
              <td>{p.changed.map((c) => changeText(t, c)).join(', ') || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <ImportPanel patientId={patientId} onImported={sessions.reload} />

      {patient.data && <NotesEditor patient={patient.data} onSaved={patient.reload} />}
    </article>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

function changeText(t: T, change: SettingChange): string {
  const show = (v: unknown) =>
    change.key === 'load' ? t(`load.${v as 'none'}`) : change.key === 'lumbarLimitDeg' ? deg(v as number, 0) : change.key === 'tempoMinS' ? seconds(v as number, 1) : String(v);
  return `${t(`advice.setting.${change.key as 'load'}`)} ${show(change.from)} → ${show(change.to)}`;
}

function reasonText(t: T, r: ProgressionReason): string {
  const num = (v: number | null, f: (x: number) => string) => (v === null ? '–' : f(v));
  switch (r.check) {
    case 'sessions-at-load':
      return t('advice.check.sessionsAtLoad', { count: r.value ?? 0, threshold: r.threshold });
    case 'reps':
      return t('advice.check.reps', { value: r.value ?? 0, threshold: r.threshold });
    case 'clean-share':
      return t('advice.check.cleanShare', { value: num(r.value, percent), threshold: percent(r.threshold) });
    case 'peak-lumbar':
      return t('advice.check.peakLumbar', { value: num(r.value, percent), threshold: percent(r.threshold) });
    case 'tempo':
      return t('advice.check.tempo', { value: num(r.value, (v) => seconds(v)), threshold: seconds(r.threshold) });
    case 'pain-rise':
      return t('advice.check.painRise', { value: r.value === null ? '–' : String(r.value), threshold: r.threshold });
    case 'pain-ceiling':
      return t('advice.check.painCeiling', { value: r.value === null ? '–' : String(r.value), threshold: r.threshold });
  }
}

function NotesEditor({ patient, onSaved }: { patient: Patient; onSaved: () => void }) {
  const { t } = useTranslation();
  const { api } = useServices();
  const [notes, setNotes] = useState(patient.notes);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <form
      className="panel notes no-print-controls"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api.send('PATCH', `/api/patients/${encodeURIComponent(patient.id)}`, { notes });
          setMessage(t('notes.saved'));
          onSaved();
        } catch (error) {
          setMessage((error as Error).message);
        }
      }}
    >
      <label>
        {t('notes.title')}
        <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={4} maxLength={5000} />
      </label>
      <button type="submit" className="no-print">
        {t('notes.save')}
      </button>
      {message && (
        <p className="hint" role="status">
          {message}
        </p>
      )}
    </form>
  );
}
