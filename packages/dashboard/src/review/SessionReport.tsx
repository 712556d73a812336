// One session's report: patient, local date and duration, settings, pain before and after (the "after"
// is recorded here), summary (of the reps so far while the session runs), per-set table, the angle plot of
// the whole recording, the rep table, and exports: the bridge's PDF report, CSV (also with decimal
// commas) with its sidecar, the recording and MCAP.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { summarizeReps } from '@hinge/analysis';
import { sessionDurationS, type AnalysisDocument, type AngleSeries, type Patient, type RepRecord, type SessionDetail } from '@hinge/protocol';
import { useResource, useServices } from '../appContext';
import { AngleChart } from '../chart/AngleChart';
import { dateTime, deg, duration, percent, seconds } from '../clinician/format';
import { RepTable } from '../clinician/RepTable';
import { routeHash } from '../route';
import { anglesColumns } from './progress';
import { SessionAnnotations } from './SessionAnnotations';
import { SettingsHistory } from './SettingsHistory';

type Columns = ReturnType<typeof anglesColumns>['columns'];

export function SessionReport({ sessionId }: { sessionId: string }) {
  const { api } = useServices();
  const { t, i18n } = useTranslation();
  const id = encodeURIComponent(sessionId);
  const detail = useResource<SessionDetail>(`/api/sessions/${id}`);
  const patient = useResource<Patient>(detail.data ? `/api/patients/${encodeURIComponent(detail.data.patientId)}` : null);
  // The analysis of the recording: the notes and the settings changes during the session.
  const analysis = useResource<AnalysisDocument>(detail.data?.startedAt ? `/api/sessions/${id}/analysis` : null);
  const [angles, setAngles] = useState<{ columns: Columns | null; note: string | null }>({ columns: null, note: null });

  useEffect(() => {
    let current = true;
    api.get<AngleSeries>(`/api/sessions/${id}/angles`).then(
      (series) => {
        if (!current) return;
        const parsed = anglesColumns(series);
        setAngles({ columns: parsed.columns, note: parsed.skippedRows > 0 ? t('review.unusableRows', { count: parsed.skippedRows }) : null });
      },
      (e: Error) => current && setAngles({ columns: null, note: t('review.anglesFailed', { error: e.message }) }),
    );
    return () => {
      current = false;
    };
  }, [api, id, t]);

  const session = detail.data;
  if (detail.error && !session) return <p className="error">{detail.error}</p>;
  if (!session) return <p>{t('app.loading')}</p>;
  const reps: RepRecord[] = session.reps;
  // A running session has no stored summary yet: its figures so far come from its reps.
  const summary = session.summary ?? summarizeReps(reps);
  const repBands = reps.map((r) => ({ index: r.index, start: r.start, end: r.end, faulty: r.faults.length > 0 }));
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const pdfHref = api.href(`/api/sessions/${id}/export/report.pdf?lang=${encodeURIComponent(i18n.resolvedLanguage ?? 'en')}&tz=${encodeURIComponent(timeZone)}`);

  return (
    <article className="report">
      <header className="report-header">
        <h1>
          {patient.data?.name ? `${patient.data.name}: ` : ''}
          {session.label || t('review.session')} <span className="status-tag">{t(`status.${session.status}`)}</span>
        </h1>
        {session.station && <p data-testid="session-station">{t('review.station', { station: session.station })}</p>}
        <p>
          <a className="no-print" href={routeHash({ view: 'review-patient', patientId: session.patientId })}>
            {t('review.backToPatient')}
          </a>
        </p>
        <div className="buttons no-print" role="group" aria-label={t('review.export')}>
          <a className="button primary" href={pdfHref} download data-testid="pdf-link">
            {t('review.pdf')}
          </a>
          <button type="button" onClick={() => window.print()}>
            {t('review.print')}
          </button>
          <a className="button" href={api.href(`/api/sessions/${id}/export/reps.csv`)} download>
            {t('review.repsCsv')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/reps.csv?decimal=comma`)} download>
            {t('review.repsCsvComma')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/angles.csv`)} download>
            {t('review.anglesCsv')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/about.json`)} download>
            {t('review.aboutCsv')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/recording`)} download>
            {t('review.recording')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/session.mcap`)} download>
            {t('review.mcap')}
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/fhir.json`)} download>
            {t('review.fhir')}
          </a>
        </div>
      </header>

      {session.status === 'live' && <p className="warn">{t('review.facts.running')}</p>}
      <dl className="facts" data-testid="report-facts">
        <dt>{t('review.facts.patient')}</dt>
        <dd>
          {patient.data?.name ?? '…'}
          {patient.data?.clinicId ? ` (${patient.data.clinicId})` : ''}
        </dd>
        <dt>{t('review.facts.date')}</dt>
        <dd>{dateTime(session.startedAt ?? session.createdAt)}</dd>
        <dt>{t('review.facts.duration')}</dt>
        <dd>{duration(sessionDurationS(session))}</dd>
        <dt>{t('pain.before')}</dt>
        <dd>{(session.painBefore ?? session.settings.painLevel) === null ? '–' : t('pain.ofTen', { level: session.painBefore ?? session.settings.painLevel })}</dd>
        <dt>{t('pain.after')}</dt>
        <dd>
          <PainAfter sessionId={session.id} painAfter={session.painAfter ?? null} onSaved={detail.reload} />
        </dd>
        <dt>{t('review.facts.load')}</dt>
        <dd>{t(`load.${session.settings.load}`)}</dd>
        <dt>{t('review.facts.limit')}</dt>
        <dd>{deg(session.settings.lumbarLimitDeg)}</dd>
        <dt>{t('review.facts.tempo')}</dt>
        <dd>{seconds(session.settings.tempoMinS)}</dd>
        <dt>{t('review.facts.target')}</dt>
        <dd>{t('review.facts.targetValue', { sets: session.settings.targetSets, reps: session.settings.targetReps })}</dd>
        <dt>{t('review.facts.reps')}</dt>
        <dd data-testid="report-rep-count">{summary.repCount}</dd>
        <dt>{t('review.facts.clean')}</dt>
        <dd>{summary.repCount > 0 ? t('review.facts.cleanValue', { clean: summary.cleanReps, share: percent(summary.cleanReps / summary.repCount) }) : '–'}</dd>
        <dt>{t('review.facts.peak')}</dt>
        <dd>{t('review.facts.peakValue', { max: deg(summary.peakLumbarDegMax), mean: deg(summary.peakLumbarDegMean) })}</dd>
        <dt>{t('review.facts.hipShare')}</dt>
        <dd>{percent(summary.hipShareMean)}</dd>
        <dt>{t('review.facts.faults')}</dt>
        <dd>
          {Object.entries(summary.faultCounts)
            .map(([fault, n]) => `${t(`fault.${fault as 'too-fast'}`)} ${n}`)
            .join(', ')}
        </dd>
      </dl>
      {session.warnings.length > 0 && (
        <ul className="problems" aria-label={t('review.warnings')}>
          {session.warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      )}

      <section aria-labelledby="report-sets-title">
        <h2 id="report-sets-title">{t('review.sets')}</h2>
        <table className="reps compact" data-testid="set-table">
          <thead>
            <tr>
              {(['set', 'reps', 'clean', 'peak', 'duration'] as const).map((key) => (
                <th key={key} scope="col">
                  {t(`review.setTable.${key}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {session.sets.length === 0 && (
              <tr>
                <td colSpan={5} className="hint">
                  {t('review.setTable.none')}
                </td>
              </tr>
            )}
            {session.sets.map((set) => {
              const s = summarizeReps(reps.filter((r) => r.setIndex === set.index));
              return (
                <tr key={set.index}>
                  <th scope="row">{set.index}</th>
                  <td>{s.repCount}</td>
                  <td>{s.repCount > 0 ? percent(s.cleanReps / s.repCount) : '–'}</td>
                  <td>{deg(s.peakLumbarDegMax)}</td>
                  <td>{duration((set.end ?? session.t) - set.start)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="report-plot-title">
        <h2 id="report-plot-title">{t('review.angles')}</h2>
        {angles.columns ? (
          <AngleChart data={angles.columns} limitDeg={session.settings.lumbarLimitDeg} reps={repBands} title={t('review.wholeSession')} height={280} />
        ) : (
          <p className="hint">{angles.note ?? t('review.anglesLoading')}</p>
        )}
        {angles.columns && angles.note && <p className="hint">{angles.note}</p>}
      </section>

      <section aria-labelledby="report-reps-title">
        <h2 id="report-reps-title">{t('live.reps')}</h2>
        <RepTable reps={reps} caption={t('review.repsCaption', { count: reps.length })} />
      </section>

      {session.startedAt !== null && <SettingsHistory changes={analysis.data ? (analysis.data.settingsChanges ?? []) : null} error={analysis.error} />}
      {session.startedAt !== null && <SessionAnnotations analysis={analysis} />}
    </article>
  );
}

/** Pain after the session, 0-10: shown, and recorded or corrected by the clinician. */
function PainAfter({ sessionId, painAfter, onSaved }: { sessionId: string; painAfter: number | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const { api } = useServices();
  const [value, setValue] = useState(painAfter === null ? '' : String(painAfter));
  const [message, setMessage] = useState<string | null>(null);
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (value === '') return;
        try {
          await api.send('POST', `/api/sessions/${encodeURIComponent(sessionId)}/pain`, { phase: 'after', scoreNrs: Number(value) });
          setMessage(t('pain.saved'));
          onSaved();
        } catch (error) {
          setMessage((error as Error).message);
        }
      }}
    >
      <label>
        <span className="visually-hidden">{t('pain.afterPrompt')}</span>
        <input type="number" min={0} max={10} step={1} value={value} onChange={(e) => setValue(e.target.value)} aria-label={t('pain.afterPrompt')} />
      </label>
      /10{' '}
      <button type="submit" className="no-print" disabled={value === ''}>
        {t('pain.save')}
      </button>
      {message && (
        <span className="hint" role="status">
          {' '}
          {message}
        </span>
      )}
    </form>
  );
}
