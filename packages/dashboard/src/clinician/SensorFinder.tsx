// Finding the two sensors of a live session: scan (name, model, signal, battery, remembered
// placement) with Sacrum/Thoracic buttons per sensor, and "tap to identify" per placement, which the
// bridge remembers for next time. Errors from the bridge (e.g. no Bluetooth on this computer) are
// shown as they come, since they say what to do. The address fields stay below as the fallback.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { IDENTIFY_TAP_DEFAULT_S, SCAN_DEFAULT_S, type FoundSensorInfo, type IdentifySensorReply, type ScanSensorsReply, type SensorPlacement } from '@hinge/protocol';
import { useServices } from '../appContext';
import { LOW_BATTERY_PCT, PLACEMENTS, assignAddress, canAssign, modelName, placementOf, signalStrength, withRemembered, type Addresses } from './sensorChoice';

type Job = { kind: 'scan' } | { kind: 'identify'; placement: SensorPlacement };

/** `onChange` gets an update of the current pair (a tap may arrive after the fields were edited). */
export function SensorFinder({ addresses, onChange }: { addresses: Addresses; onChange: (update: (current: Addresses) => Addresses) => void }) {
  const { api } = useServices();
  const [job, setJob] = useState<Job | null>(null);
  const [sensors, setSensors] = useState<FoundSensorInfo[] | null>(null);
  const [note, setNote] = useState('');
  const { t } = useTranslation();
  const model = (m: string | null) => modelName(m) ?? t('finder.notUsable');
  const where = (placement: SensorPlacement) => t(`placement.${placement}`);
  const [error, setError] = useState<string | null>(null);

  async function run(next: Job, work: () => Promise<string>) {
    setJob(next);
    setError(null);
    setNote(
      next.kind === 'scan'
        ? t('finder.scanning', { seconds: SCAN_DEFAULT_S })
        : t('finder.identifying', { placement: where(next.placement), seconds: IDENTIFY_TAP_DEFAULT_S }),
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
      const found = reply.sensors.length === 0 ? t('finder.noneFound', { seconds: reply.seconds }) : t('finder.found', { count: reply.sensors.length });
      return [found, ...reply.warnings].join(' ');
    });

  const identify = (placement: SensorPlacement) =>
    run({ kind: 'identify', placement }, async () => {
      const reply = await api.send<IdentifySensorReply>('POST', '/api/sensors/identify', { placement });
      onChange((current) => assignAddress(current, placement, reply.address));
      setSensors((list) => list && withRemembered(list, placement, reply.address));
      const who = `${reply.name || model(reply.model)} ${reply.address}`;
      return reply.previousAddress
        ? t('finder.tappedWas', { who, placement: where(placement), previous: reply.previousAddress })
        : t('finder.tapped', { who, placement: where(placement) });
    });

  return (
    <div className="sensor-finder">
      <div className="buttons">
        <button type="button" onClick={scan} disabled={job !== null}>
          {job?.kind === 'scan' ? t('finder.scanBusy') : t('finder.scan')}
        </button>
        {PLACEMENTS.map((placement) => (
          <button key={placement} type="button" onClick={() => identify(placement)} disabled={job !== null}>
            {job?.kind === 'identify' && job.placement === placement ? t('finder.tapBusy') : t('finder.tap', { placement: where(placement) })}
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
        <table className="compact" aria-label={t('finder.table')}>
          <thead>
            <tr>
              {(['sensor', 'address', 'signal', 'battery', 'remembered', 'useAs'] as const).map((key) => (
                <th key={key} scope="col">
                  {t(`finder.${key}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sensors.map((s) => {
              const assigned = placementOf(addresses, s.address);
              const who = `${s.name || model(s.model)} ${s.address}`;
              return (
                <tr key={s.address || s.name}>
                  <th scope="row">
                    {s.name || '–'}
                    <span className="hint sensor-model">{model(s.model)}</span>
                  </th>
                  <td>{s.address || t('finder.hidden')}</td>
                  <td>{`${t(`finder.strength.${signalStrength(s.rssiDbm)}`)} (${Math.round(s.rssiDbm)} dBm)`}</td>
                  <td>{s.batteryPct === null ? '–' : `${Math.round(s.batteryPct)} %${s.batteryPct <= LOW_BATTERY_PCT ? ` (${t('finder.chargeSoon')})` : ''}`}</td>
                  <td>{s.rememberedPlacement ? t(`placement.${s.rememberedPlacement}`, { defaultValue: s.rememberedPlacement }) : '–'}</td>
                  <td>
                    {canAssign(s) ? (
                      PLACEMENTS.map((placement) => (
                        <button
                          key={placement}
                          type="button"
                          aria-pressed={assigned === placement}
                          aria-label={t('finder.useWho', { who, placement: where(placement) })}
                          onClick={() => onChange((current) => assignAddress(current, placement, s.address))}
                        >
                          {assigned === placement ? '✓ ' : ''}
                          {placement === 'sacrum' ? t('placement.Sacrum') : t('placement.Thoracic')}
                        </button>
                      ))
                    ) : (
                      <span className="warn">{s.refusal ?? t('finder.noAddress')}</span>
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
