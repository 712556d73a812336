// Faults as they are raised, newest first, each with the numbers that triggered it.
import type { AlertItem } from '../live/sessionState';
import { formatValues } from './format';

export function AlertFeed({ alerts }: { alerts: AlertItem[] }) {
  return (
    <section className="panel alerts-panel" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      <ul className="alerts" aria-live="polite" aria-relevant="additions" data-testid="alert-feed">
        {alerts.length === 0 && <li className="hint">No alerts yet.</li>}
        {alerts.map((a) => (
          <li key={`${a.repIndex}-${a.fault}-${a.t}`} className={`alert alert-${a.fault}`} data-fault={a.fault}>
            <span className="alert-rep">Rep {a.repIndex}</span> <strong>⚠ {a.fault}</strong>: {a.message}{' '}
            <span className="values">({formatValues(a.values)})</span> <span className="alert-time">at {a.t.toFixed(1)} s</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
