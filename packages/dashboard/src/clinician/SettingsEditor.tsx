// Limits and targets of a running session; changes go to the bridge (`update-settings`) and come back
// in the next `session` snapshot.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SETTINGS_BOUNDS as B, settingsProblems, type PatientSettings, type SettingsPatch } from '@hinge/protocol';

interface Props {
  settings: PatientSettings;
  canControl: boolean;
  onSave: (patch: SettingsPatch) => Promise<void>;
}

export function SettingsEditor({ settings, canControl, onSave }: Props) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const fields = [
    ['lumbarLimitDeg', t('setup.limit'), B.lumbarLimitDeg.min, B.lumbarLimitDeg.max, 1],
    ['tempoMinS', t('setup.tempo'), B.tempoMinS.min, B.tempoMinS.max, 0.1],
    ['targetReps', t('setup.targetReps'), B.targetReps.min, B.targetReps.max, 1],
    ['targetSets', t('setup.targetSets'), B.targetSets.min, B.targetSets.max, 1],
  ] as const;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const patch: SettingsPatch = {};
    for (const [key] of fields) {
      const text = draft[key];
      if (text !== undefined && text !== '') patch[key] = Number(text);
    }
    if (Object.keys(patch).length === 0) return;
    const problems = settingsProblems(patch);
    if (problems.length > 0) {
      setMessage({ error: true, text: problems.join('; ') });
      return;
    }
    try {
      await onSave(patch);
      setDraft({});
      setMessage({ error: false, text: t('settings.saved') });
    } catch (e) {
      setMessage({ error: true, text: (e as Error).message });
    }
  }

  return (
    <form className="panel settings" onSubmit={submit} aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      <p className="hint">
        {t('settings.painLoad', { pain: settings.painLevel === null ? '–' : t('pain.ofTen', { level: settings.painLevel }), load: t(`load.${settings.load}`) })}
      </p>
      {fields.map(([key, label, min, max, step]) => (
        <label key={key}>
          {label}
          <input
            type="number"
            min={min}
            max={max}
            step={step}
            value={draft[key] ?? String(settings[key])}
            disabled={!canControl}
            onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
          />
        </label>
      ))}
      <button type="submit" disabled={!canControl || Object.keys(draft).length === 0}>
        {t('settings.apply')}
      </button>
      {message && (
        <p className={message.error ? 'error' : 'hint'} role="status">
          {message.text}
        </p>
      )}
    </form>
  );
}
