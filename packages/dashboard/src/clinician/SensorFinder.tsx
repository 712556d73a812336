// Finding the two sensors of a live session: scan (name, model, signal, battery, remembered
// placement) with Sacrum/Thoracic buttons per sensor, and "tap to identify" per placement, which the
// bridge remembers for next time. Errors from the bridge (e.g. no Bluetooth on this computer) are
// shown as they come, since they say what to do. The address fields stay below as the fallback.
import { useState } from 'react';
import { IDENTIFY_TAP_DEFAULT_S, SCAN_DEFAULT_S, type FoundSensorInfo, type IdentifySensorReply, type ScanSensorsReply, type SensorPlacement } from '@hinge/protocol';
import { useServices } from '../appContext';
import { PLACEMENTS, assignAddress, batteryText, canAssign, modelName, placementOf, signalText, withRemembered, type Addresses } from './sensorChoice';

type Job = { kind: 'scan' } | { kind: 'identify'; placement: SensorPlacement };

/** `onChange` gets an update of the current pair (a tap may arrive after the fields were edited). */
export function SensorFinder({ addresses, onChange }: { addresses: Addresses; onChange: (update: (current: Addresses) => Addresses) => void }) {
  const { api } = useServices();
  const [job, setJob] = useState<Job | null>(null);
  const [sensors, setSensors] = useState<FoundSensorInfo[] | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function run(next: Job, work: () => Promise<string>) {
    setJob(next);
    setError(null);
    setNote(
      next.kind === 'scan'
        ? `Scanning for ${SCAN_DEFAULT_S} s, then reading each sensor's battery…`
        : `Connecting to every sensor in range. When they are connected (a few seconds), tap the sensor on the ${next.placement} firmly. Waiting up to ${IDENTIFY_TAP_DEFAULT_S} s…`,
    );
    try {
      setNote(await work());
    } catch (e) {
      setNote('');
      setError((e as Error).message);
    } finally {
      setJob(null);
    }
  }

  const scan = () =>
    run({ kind: 'scan' }, async () => {
      const reply = await api.send<ScanSensorsReply>('POST', '/api/sensors/scan', {});
      setSensors(reply.sensors);
      const found = reply.sensors.length === 0 ? `No sensors found in ${reply.seconds} s: switch them on (a shake wakes most) and bring them closer.` : `Found ${reply.sensors.length} sensor(s).`;
      return [found, ...reply.warnings].join(' ');
    });

  const identify = (placement: SensorPlacement) =>
    run({ kind: 'identify', placement }, async () => {
      const reply = await api.send<IdentifySensorReply>('POST', '/api/sensors/identify', { placement });
      onChange((current) => assignAddress(current, placement, reply.address));
      setSensors((list) => list && withRemembered(list, placement, reply.address));
      return `Tapped: ${reply.name || modelName(reply.model)} ${reply.address} is the ${placement} sensor${reply.previousAddress ? ` (was ${reply.previousAddress})` : ''}; it is remembered for next time.`;
    });

  return (
    <div className="sensor-finder">
      <div className="buttons">
        <button type="button" onClick={scan} disabled={job !== null}>
          {job?.kind === 'scan' ? 'Scanning…' : 'Scan for sensors'}
        </button>
        {PLACEMENTS.map((placement) => (
          <button key={placement} type="button" onClick={() => identify(placement)} disabled={job !== null}>
            {job?.kind === 'identify' && job.placement === placement ? 'Waiting for a tap…' : `Tap to identify the ${placement} sensor`}
          </button>
        ))}
      </div>
      <p className="hint" role="status" aria-live="polite">
        {note}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {sensors && sensors.length > 0 && (
        <table className="compact" aria-label="Sensors found">
          <thead>
            <tr>
              <th scope="col">Sensor</th>
              <th scope="col">Address</th>
              <th scope="col">Signal</th>
              <th scope="col">Battery</th>
              <th scope="col">Remembered</th>
              <th scope="col">Use as</th>
            </tr>
          </thead>
          <tbody>
            {sensors.map((s) => {
              const assigned = placementOf(addresses, s.address);
              const who = `${s.name || modelName(s.model)} ${s.address}`;
              return (
                <tr key={s.address || s.name}>
                  <th scope="row">
                    {s.name || '–'}
                    <span className="hint sensor-model">{modelName(s.model)}</span>
                  </th>
                  <td>{s.address || '(hidden by this computer)'}</td>
                  <td>{signalText(s.rssiDbm)}</td>
                  <td>{batteryText(s.batteryPct)}</td>
                  <td>{s.rememberedPlacement ?? '–'}</td>
                  <td>
                    {canAssign(s) ? (
                      PLACEMENTS.map((placement) => (
                        <button
                          key={placement}
                          type="button"
                          aria-pressed={assigned === placement}
                          aria-label={`Use ${who} as the ${placement} sensor`}
                          onClick={() => onChange((current) => assignAddress(current, placement, s.address))}
                        >
                          {assigned === placement ? '✓ ' : ''}
                          {placement === 'sacrum' ? 'Sacrum' : 'Thoracic'}
                        </button>
                      ))
                    ) : (
                      <span className="warn">{s.refusal ?? 'no address'}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
