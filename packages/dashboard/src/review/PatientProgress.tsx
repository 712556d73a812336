// One patient's sessions and progress across them.
import type { Patient, SessionState } from '@hinge/protocol';
import { useResource } from '../appContext';
import { deg, percent } from '../clinician/format';
import { routeHash } from '../route';
import { progressPoints } from './progress';
import { TrendChart } from './TrendChart';

export function PatientProgress({ patientId }: { patientId: string }) {
  const id = encodeURIComponent(patientId);
  const patient = useResource<Patient>(`/api/patients/${id}`);
  const sessions = useResource<SessionState[]>(`/api/patients/${id}/sessions`);
  const points = progressPoints(sessions.data ?? []);

  return (
    <article className="report">
      <header className="report-header">
        <h1>{patient.data?.name ?? 'Patient'}: progress</h1>
        <button type="button" className="no-print" onClick={() => window.print()}>
          Print or save as PDF
        </button>
      </header>
      {(patient.error || sessions.error) && <p className="error">{patient.error ?? sessions.error}</p>}
      {patient.data?.notes && <p>{patient.data.notes}</p>}
      <section className="trends" aria-label="Progress charts">
        <TrendChart title="Clean reps" points={points} value={(p) => p.cleanShare} format={(v) => percent(v)} min={0} max={1} better="higher" />
        <TrendChart title="Peak lumbar flexion" points={points} value={(p) => p.peakLumbarDegMax} format={(v) => deg(v)} min={0} max={30} better="lower" />
        <TrendChart title="Hip share" points={points} value={(p) => p.hipShareMean} format={(v) => percent(v)} min={0} max={1} better="higher" />
      </section>
      <table className="reps">
        <caption>Sessions</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Session</th>
            <th scope="col">Date</th>
            <th scope="col">Reps</th>
            <th scope="col">Clean</th>
            <th scope="col">Peak lumbar (max)</th>
            <th scope="col">Peak lumbar (mean)</th>
            <th scope="col">Hip share (mean)</th>
          </tr>
        </thead>
        <tbody>
          {points.length === 0 && (
            <tr>
              <td colSpan={8} className="hint">
                No sessions yet.
              </td>
            </tr>
          )}
          {points.map((p, i) => (
            <tr key={p.sessionId}>
              <td>{i + 1}</td>
              <th scope="row">
                <a href={routeHash({ view: 'review-session', sessionId: p.sessionId })}>{p.label}</a>
              </th>
              <td>{p.date.slice(0, 10)}</td>
              <td>{p.repCount}</td>
              <td>{percent(p.cleanShare)}</td>
              <td>{deg(p.peakLumbarDegMax)}</td>
              <td>{deg(p.peakLumbarDegMean)}</td>
              <td>{percent(p.hipShareMean)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
