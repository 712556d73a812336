// The patient page's import form: vendor exports of both sensors become a stopped session to review
// (POST /api/sessions/import, docs/import.md). The bridge reads the files and names the file and line of
// anything wrong; the message is shown as it comes.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionState } from '@hinge/protocol';
import { useServices } from '../appContext';
import { routeHash } from '../route';
import { importBody, type ImportForm } from './importUpload';

const FORMATS = ['metabase', 'dot', 'witmotion', 'generic'] as const;

export function ImportPanel({ patientId, onImported }: { patientId: string; onImported: () => void }) {
  const { t } = useTranslation();
  const { api } = useServices();
  const [form, setForm] = useState<ImportForm>({
    format: 'metabase',
    sacrum: [],
    thoracic: [],
    sacrumDevice: '',
    thoracicDevice: '',
    align: 'clock',
    columns: 't=t;acc=acc_x,acc_y,acc_z;gyr=gyr_x,gyr_y,gyr_z',
    timeUnit: 's',
    accUnit: 'm/s2',
    gyrUnit: 'rad/s',
  });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [created, setCreated] = useState<SessionState | null>(null);
  const set = <K extends keyof ImportForm>(key: K, value: ImportForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  return (
    <form
      className="panel import no-print"
      data-testid="import-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setMessage(null);
        setCreated(null);
        const built = await importBody(patientId, form);
        if (!built.ok) {
          setMessage(built.problem === 'missing' ? t('importFiles.missing') : t('importFiles.tooLarge', { size: built.sizeMB }));
          return;
        }
        setBusy(true);
        try {
          setCreated(await api.send<SessionState>('POST', '/api/sessions/import', built.body));
          onImported();
        } catch (error) {
          setMessage((error as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{t('importFiles.title')}</h2>
      <p className="hint">{t('importFiles.hint')}</p>
      <label>
        {t('importFiles.format')}
        <select value={form.format} onChange={(e) => set('format', e.target.value as ImportForm['format'])}>
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {t(`importFiles.formats.${f}`)}
            </option>
          ))}
        </select>
      </label>
      {(['sacrum', 'thoracic'] as const).map((placement) => (
        <fieldset key={placement}>
          <label>
            {t(`importFiles.${placement}`)}
            <input type="file" multiple={form.format === 'metabase'} accept=".csv,.txt,.gz,text/csv,text/plain" onChange={(e) => set(placement, [...(e.target.files ?? [])])} />
          </label>
          {form.format === 'witmotion' && (
            <label>
              {t('importFiles.device')}
              <input value={form[`${placement}Device`]} onChange={(e) => set(`${placement}Device`, e.target.value)} />
            </label>
          )}
        </fieldset>
      ))}
      {form.format === 'generic' && (
        <fieldset>
          <label>
            {t('importFiles.columns')}
            <input value={form.columns} onChange={(e) => set('columns', e.target.value)} />
          </label>
          <label>
            {t('importFiles.timeUnit')}
            <select value={form.timeUnit} onChange={(e) => set('timeUnit', e.target.value as ImportForm['timeUnit'])}>
              {(['s', 'ms', 'us'] as const).map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          </label>
          <label>
            {t('importFiles.accUnit')}
            <select value={form.accUnit} onChange={(e) => set('accUnit', e.target.value as ImportForm['accUnit'])}>
              {(['m/s2', 'g'] as const).map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          </label>
          <label>
            {t('importFiles.gyrUnit')}
            <select value={form.gyrUnit} onChange={(e) => set('gyrUnit', e.target.value as ImportForm['gyrUnit'])}>
              {(['rad/s', 'deg/s'] as const).map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          </label>
        </fieldset>
      )}
      <label>
        {t('importFiles.align')}
        <select value={form.align} onChange={(e) => set('align', e.target.value as ImportForm['align'])}>
          <option value="clock">{t('importFiles.alignClock')}</option>
          <option value="start">{t('importFiles.alignStart')}</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        {busy ? t('importFiles.busy') : t('importFiles.submit')}
      </button>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {created && (
        <p className="hint" role="status">
          {t('importFiles.done')} <a href={routeHash({ view: 'review-session', sessionId: created.id })}>{created.label || t('importFiles.open')}</a>
        </p>
      )}
    </form>
  );
}
