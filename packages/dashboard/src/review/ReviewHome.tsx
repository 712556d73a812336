// Review: the patients, each leading to their sessions and progress.
import type { Patient } from '@hinge/protocol';
import { useResource } from '../appContext';
import { routeHash } from '../route';

export function ReviewHome() {
  const patients = useResource<Patient[]>('/api/patients');
  return (
    <section className="panel" aria-labelledby="patients-title">
      <h1 id="patients-title">Patients</h1>
      {patients.error && <p className="error">Patients could not be loaded: {patients.error}</p>}
      {patients.data?.length === 0 && <p className="hint">No patients yet. Start a session to add one.</p>}
      <ul className="session-list">
        {(patients.data ?? []).map((p) => (
          <li key={p.id}>
            <a href={routeHash({ view: 'review-patient', patientId: p.id })}>{p.name}</a>{' '}
            <span className="hint">since {p.createdAt.slice(0, 10)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
