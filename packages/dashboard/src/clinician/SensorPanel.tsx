// Sensor status of a session: placement, presence, battery, signal, rate, drop-outs, unusable packets.
// Presence is shown in words and a symbol, never colour alone.
import type { SensorStatusMessage } from '@hinge/protocol';

const PRESENCE_TEXT: Record<string, string> = {
  connecting: '… connecting',
  present: '● connected',
  reconnecting: '↻ reconnecting',
  absent: '○ no data',
  error: '✕ error',
};

export function SensorPanel({ status: latest, hasSensorStatus, running }: { status: SensorStatusMessage | null; hasSensorStatus: boolean; running: boolean }) {
  // Once the session has ended the last status is stale: say so instead of showing "connected".
  const status = running ? latest : null;
  return (
    <section className="panel sensors-panel" aria-labelledby="sensors-title">
      <h2 id="sensors-title">Sensors</h2>
      {!status && (
        <p className="hint">
          {!running ? 'The session has ended; its sensors no longer stream.' : hasSensorStatus ? 'Waiting for the first status…' : 'This source does not report sensor status.'}
        </p>
      )}
      {status && (
        <table className="compact">
          <thead>
            <tr>
              <th scope="col">Placement</th>
              <th scope="col">Sensor</th>
              <th scope="col">State</th>
              <th scope="col">Battery</th>
              <th scope="col">Signal</th>
              <th scope="col">Rate</th>
              <th scope="col">Drop-outs</th>
              <th scope="col">Unusable</th>
            </tr>
          </thead>
          <tbody>
            {status.sensors.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.placement}</th>
                <td>{s.id}</td>
                <td className={`presence presence-${s.presence}`}>{PRESENCE_TEXT[s.presence] ?? s.presence}</td>
                <td>{s.batteryPct === null ? '–' : `${Math.round(s.batteryPct)} %`}</td>
                <td>{s.rssiDbm === null ? '–' : `${Math.round(s.rssiDbm)} dBm`}</td>
                <td>{`${s.rateHz.toFixed(0)} Hz`}</td>
                <td>{s.dropouts}</td>
                <td>{s.malformed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {status && status.problems.length > 0 && (
        <ul className="problems" aria-label="Source problems">
          {status.problems.map((p) => (
            <li key={p}>⚠ {p}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
