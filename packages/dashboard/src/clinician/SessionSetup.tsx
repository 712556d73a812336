// New session: patient, pain level (the hip hinge suits 1-5), load, limits, targets, and where the
// samples come from (two sensors, a recording to replay, or the simulator). Empty number fields take
// the analysis defaults, which the live page then shows and can change.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_SETTINGS } from '@hinge/analysis';
import { LOADS, SETTINGS_BOUNDS as B, settingsProblems, type CreateSessionBody, type Patient, type RecordingEntry, type SensorPlacements, type SessionState, type SourceSpec } from '@hinge/protocol';
import { useResource, useServices } from '../appContext';
import { deg, seconds } from './format';
import { routeHash } from '../route';
import { painGuidance } from './painGuidance';
import { SensorFinder } from './SensorFinder';
import { prefillAddresses, type Addresses } from './sensorChoice';

type SourceKind = SourceSpec['kind'];

const NEW_PATIENT = '__new__';

export function SessionSetup() {
  const { api } = useServices();
  const { t } = useTranslation();
  const patients = useResource<Patient[]>('/api/patients');
  const recordings = useResource<RecordingEntry[]>('/api/recordings');
  const [patientId, setPatientId] = useState<string>('');
  const [newPatientName, setNewPatientName] = useState('');
  const [newClinicId, setNewClinicId] = useState('');
  const [label, setLabel] = useState('');
  const [pain, setPain] = useState('');
  const [load, setLoad] = useState<(typeof LOADS)[number]>('none');
  const [limit, setLimit] = useState('');
  const [tempo, setTempo] = useState('');
  const [targetReps, setTargetReps] = useState('');
  const [targetSets, setTargetSets] = useState('');
  const [sourceKind, setSourceKind] = useState<SourceKind>('replay');
  const [recording, setRecording] = useState('');
  const [speed, setSpeed] = useState('1');
  const [seed, setSeed] = useState('');
  const [addresses, setAddresses] = useState<Addresses>({ sacrum: '', thoracic: '' });
  // The sensors remembered on the bridge (tap to identify, `hinge scan --identify`) fill the empty address fields.
  const remembered = useResource<SensorPlacements>(sourceKind === 'ble' ? '/api/sensors/placements' : null);
  useEffect(() => {
    if (remembered.data) setAddresses((current) => prefillAddresses(current, remembered.data!));
  }, [remembered.data]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const chosenPatient = patientId || (patients.data && patients.data.length > 0 ? patients.data[0]!.id : NEW_PATIENT);
  const painLevel = pain === '' ? null : Number(pain);
  const guidance = painGuidance(painLevel);
  const recordingName = recording || recordings.data?.[0]?.name || '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const source = buildSource();
    if (typeof source === 'string') {
      setError(source);
      return;
    }
    setBusy(true);
    try {
      let id = chosenPatient;
      if (id === NEW_PATIENT) {
        if (newPatientName.trim() === '') throw new Error(t('setup.needName'));
        const clinicId = newClinicId.trim();
        id = (await api.send<Patient>('POST', '/api/patients', clinicId ? { name: newPatientName.trim(), clinicId } : { name: newPatientName.trim() })).id;
      }
      const settings: NonNullable<CreateSessionBody['settings']> = { load, painLevel };
      if (limit !== '') settings.lumbarLimitDeg = Number(limit);
      if (tempo !== '') settings.tempoMinS = Number(tempo);
      if (targetReps !== '') settings.targetReps = Number(targetReps);
      if (targetSets !== '') settings.targetSets = Number(targetSets);
      const problems = settingsProblems(settings);
      if (problems.length > 0) throw new Error(problems.join('; '));
      const body: CreateSessionBody = { patientId: id, exercise: 'hip-hinge', settings, source };
      if (label.trim() !== '') body.label = label.trim();
      const session = await api.send<SessionState>('POST', '/api/sessions', body);
      window.location.hash = routeHash({ view: 'session', sessionId: session.id });
    } catch (e) {
      setError((e as Error).message);
      patients.reload();
    } finally {
      setBusy(false);
    }
  }

  function buildSource(): SourceSpec | string {
    switch (sourceKind) {
      case 'replay':
        if (!recordingName) return t('setup.needRecording');
        return { kind: 'replay', recording: recordingName, speed: Number(speed) || 1 };
      case 'simulator':
        return seed === '' ? { kind: 'simulator' } : { kind: 'simulator', seed: Number(seed) };
      case 'ble':
        if (!addresses.sacrum.trim() || !addresses.thoracic.trim()) return t('setup.needSensors');
        return { kind: 'ble', sacrum: addresses.sacrum.trim(), thoracic: addresses.thoracic.trim() };
    }
  }

  return (
    <form className="panel setup" onSubmit={submit} aria-labelledby="setup-title">
      <h2 id="setup-title">{t('setup.title')}</h2>
      <fieldset>
        <legend>{t('setup.patient')}</legend>
        <label>
          {t('setup.patient')}
          <select aria-label={t('setup.patient')} value={chosenPatient} onChange={(e) => setPatientId(e.target.value)}>
            {(patients.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
            <option value={NEW_PATIENT}>{t('setup.newPatient')}</option>
          </select>
        </label>
        {chosenPatient === NEW_PATIENT && (
          <>
            <label>
              {t('setup.name')}
              <input value={newPatientName} onChange={(e) => setNewPatientName(e.target.value)} autoComplete="off" required />
            </label>
            <label>
              {t('setup.clinicId')}
              <input value={newClinicId} onChange={(e) => setNewClinicId(e.target.value)} autoComplete="off" maxLength={64} />
            </label>
          </>
        )}
        <label>
          {t('setup.label')}
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder={t('setup.labelPlaceholder')} />
        </label>
        {patients.error && <p className="error">{t('setup.patientsFailed', { error: patients.error })}</p>}
      </fieldset>

      <fieldset>
        <legend>{t('setup.painAndLoad')}</legend>
        <label>
          {t('setup.painBefore')}
          <input type="number" min={B.painLevel.min} max={B.painLevel.max} step={1} value={pain} onChange={(e) => setPain(e.target.value)} aria-describedby="pain-guidance" />
        </label>
        <p id="pain-guidance" className={guidance.tone === 'warn' ? 'warn' : 'hint'} role="status">
          {guidance.tone === 'warn' ? '⚠ ' : ''}
          {t(guidance.key, { level: painLevel })}
        </p>
        <label>
          {t('setup.loadLabel')}
          <select aria-label={t('setup.loadLabel')} value={load} onChange={(e) => setLoad(e.target.value as (typeof LOADS)[number])}>
            {LOADS.map((l) => (
              <option key={l} value={l}>
                {t(`load.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>

      <fieldset>
        <legend>{t('setup.limitsTitle')}</legend>
        <NumberField label={t('setup.limit')} value={limit} onChange={setLimit} min={B.lumbarLimitDeg.min} max={B.lumbarLimitDeg.max} step={1} placeholder={t('setup.defaultValue', { value: deg(DEFAULT_SETTINGS.lumbarLimitDeg, 0) })} />
        <NumberField label={t('setup.tempo')} value={tempo} onChange={setTempo} min={B.tempoMinS.min} max={B.tempoMinS.max} step={0.1} placeholder={t('setup.defaultValue', { value: seconds(DEFAULT_SETTINGS.tempoMinS, 1) })} />
        <NumberField label={t('setup.targetReps')} value={targetReps} onChange={setTargetReps} min={B.targetReps.min} max={B.targetReps.max} step={1} placeholder={t('setup.defaultValue', { value: DEFAULT_SETTINGS.targetReps })} />
        <NumberField label={t('setup.targetSets')} value={targetSets} onChange={setTargetSets} min={B.targetSets.min} max={B.targetSets.max} step={1} placeholder={t('setup.defaultValue', { value: DEFAULT_SETTINGS.targetSets })} />
      </fieldset>

      <fieldset>
        <legend>{t('setup.sensors')}</legend>
        <div role="radiogroup" aria-label={t('setup.sourceGroup')} className="radios">
          {(['ble', 'replay', 'simulator'] as const).map((kind) => (
            <label key={kind} className="radio">
              <input type="radio" name="source" value={kind} checked={sourceKind === kind} onChange={() => setSourceKind(kind)} />
              {t(`setup.source.${kind}`)}
            </label>
          ))}
        </div>
        {sourceKind === 'ble' && (
          <>
            <p className="hint">{t('setup.bleHint')}</p>
            <SensorFinder addresses={addresses} onChange={setAddresses} />
            {remembered.error && <p className="error">{t('setup.rememberedFailed', { error: remembered.error })}</p>}
            <label>
              {t('setup.sacrumAddress')}
              <input value={addresses.sacrum} onChange={(e) => setAddresses((a) => ({ ...a, sacrum: e.target.value }))} placeholder="aa:bb:cc:dd:ee:01" />
            </label>
            <label>
              {t('setup.thoracicAddress')}
              <input value={addresses.thoracic} onChange={(e) => setAddresses((a) => ({ ...a, thoracic: e.target.value }))} placeholder="aa:bb:cc:dd:ee:02" />
            </label>
          </>
        )}
        {sourceKind === 'replay' && (
          <>
            <label>
              {t('setup.recording')}
              <select aria-label={t('setup.recording')} value={recordingName} onChange={(e) => setRecording(e.target.value)}>
                {(recordings.data ?? []).map((r) => (
                  <option key={r.name} value={r.name}>
                    {r.name} ({Math.round(r.bytes / 1024)} KiB)
                  </option>
                ))}
              </select>
            </label>
            {recordings.data?.length === 0 && <p className="warn">{t('setup.noRecordings')}</p>}
            {recordings.error && <p className="error">{t('setup.recordingsFailed', { error: recordings.error })}</p>}
            <NumberField label={t('setup.speed')} value={speed} onChange={setSpeed} min={0.1} max={100} step={0.1} />
          </>
        )}
        {sourceKind === 'simulator' && <NumberField label={t('setup.seed')} value={seed} onChange={setSeed} min={0} max={4294967295} step={1} />}
      </fieldset>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('setup.starting') : t('setup.start')}
      </button>
    </form>
  );
}

function NumberField(props: { label: string; value: string; onChange: (v: string) => void; min: number; max: number; step: number; placeholder?: string }) {
  return (
    <label>
      {props.label}
      <input type="number" min={props.min} max={props.max} step={props.step} value={props.value} placeholder={props.placeholder} onChange={(e) => props.onChange(e.target.value)} />
    </label>
  );
}
