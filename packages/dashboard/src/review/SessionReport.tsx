// One session's report: settings, summary, the angle plot of the whole recording, the rep table, and
// exports. Printing uses the print stylesheet (the browser can save it as PDF).
import { useEffect, useState } from 'react';
import type { RepRecord, SessionDetail, SessionSummary } from '@hinge/protocol';
import { useResource, useServices } from '../appContext';
import { AngleChart } from '../chart/AngleChart';
import { deg, percent, seconds } from '../clinician/format';
import { RepTable } from '../clinician/RepTable';
import { routeHash } from '../route';
import { parseAnglesCsv } from './progress';

type Columns = ReturnType<typeof parseAnglesCsv>['columns'];

export function SessionReport({ sessionId }: { sessionId: string }) {
  const { api } = useServices();
  const id = encodeURIComponent(sessionId);
  const detail = useResource<SessionDetail>(`/api/sessions/${id}`);
  const [angles, setAngles] = useState<{ columns: Columns | null; note: string | null }>({ columns: null, note: null });

  useEffect(() => {
    let current = true;
    api.getText(`/api/sessions/${id}/export/angles.csv`).then(
      (text) => {
        if (!current) return;
        try {
          const parsed = parseAnglesCsv(text);
          setAngles({ columns: parsed.columns, note: parsed.skippedRows > 0 ? `${parsed.skippedRows} unusable rows left out` : null });
        } catch (e) {
          setAngles({ columns: null, note: (e as Error).message });
        }
      },
      (e: Error) => current && setAngles({ columns: null, note: `angles could not be loaded: ${e.message}` }),
    );
    return () => {
      current = false;
    };
  }, [api, id]);

  const session = detail.data;
  if (detail.error && !session) return <p className="error">{detail.error}</p>;
  if (!session) return <p>Loading…</p>;
  const summary = session.summary as SessionSummary | null;
  const reps: RepRecord[] = session.reps;
  const repBands = reps.map((r) => ({ index: r.index, start: r.start, end: r.end, faulty: r.faults.length > 0 }));

  return (
    <article className="report">
      <header className="report-header">
        <h1>
          {session.label || 'Session'} <span className="status-tag">{session.status}</span>
        </h1>
        <p>
          <a className="no-print" href={routeHash({ view: 'review-patient', patientId: session.patientId })}>
            ← All sessions of this patient
          </a>
        </p>
        <div className="buttons no-print" role="group" aria-label="Export">
          <button type="button" onClick={() => window.print()}>
            Print or save as PDF
          </button>
          <a className="button" href={api.href(`/api/sessions/${id}/export/reps.csv`)} download>
            Reps (CSV)
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/angles.csv`)} download>
            Angles (CSV)
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/recording`)} download>
            Recording (JSONL)
          </a>
          <a className="button" href={api.href(`/api/sessions/${id}/export/session.mcap`)} download>
            MCAP (Foxglove, Lichtblick)
          </a>
        </div>
      </header>

      <dl className="facts">
        <dt>Date</dt>
        <dd>{(session.startedAt ?? session.createdAt).replace('T', ' ').slice(0, 16)}</dd>
        <dt>Pain</dt>
        <dd>{session.settings.painLevel ?? '–'}/10</dd>
        <dt>Load</dt>
        <dd>{session.settings.load}</dd>
        <dt>Lumbar limit</dt>
        <dd>{deg(session.settings.lumbarLimitDeg)}</dd>
        <dt>Tempo minimum</dt>
        <dd>{seconds(session.settings.tempoMinS)}</dd>
        <dt>Target</dt>
        <dd>
          {session.settings.targetSets} × {session.settings.targetReps} reps
        </dd>
        <dt>Reps</dt>
        <dd>{summary?.repCount ?? session.repCount}</dd>
        <dt>Clean reps</dt>
        <dd>{summary && summary.repCount > 0 ? `${summary.cleanReps} (${percent(summary.cleanReps / summary.repCount)})` : '–'}</dd>
        <dt>Peak lumbar flexion</dt>
        <dd>
          max {deg(summary?.peakLumbarDegMax)}, mean {deg(summary?.peakLumbarDegMean)}
        </dd>
        <dt>Hip share (mean)</dt>
        <dd>{percent(summary?.hipShareMean)}</dd>
        <dt>Faults</dt>
        <dd>
          {summary
            ? Object.entries(summary.faultCounts)
                .map(([fault, n]) => `${fault} ${n}`)
                .join(', ')
            : '–'}
        </dd>
      </dl>
      {session.warnings.length > 0 && (
        <ul className="problems" aria-label="Warnings">
          {session.warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      )}

      <section aria-labelledby="report-plot-title">
        <h2 id="report-plot-title">Angles</h2>
        {angles.columns ? (
          <AngleChart
            data={angles.columns}
            limitDeg={session.settings.lumbarLimitDeg}
            reps={repBands}
            title="Whole session (reps shaded: ✓ clean, ⚠ with faults)"
            height={280}
          />
        ) : (
          <p className="hint">{angles.note ?? 'Loading angles…'}</p>
        )}
        {angles.columns && angles.note && <p className="hint">{angles.note}</p>}
      </section>

      <section aria-labelledby="report-reps-title">
        <h2 id="report-reps-title">Reps</h2>
        <RepTable reps={reps} caption={`${reps.length} reps`} />
      </section>
    </article>
  );
}
