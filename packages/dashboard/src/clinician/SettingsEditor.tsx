// Limits and targets of a running session; changes go to the bridge (`update-settings`) and come back
// in the next `session` snapshot.
import { useState, type FormEvent } from 'react';
import type { PatientSettings, SettingsPatch } from '@hinge/protocol';

interface Props {
  settings: PatientSettings;
  canControl: boolean;
  onSave: (patch: SettingsPatch) => Promise<void>;
}

export function SettingsEditor({ settings, canControl, onSave }: Props) {
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const fields = [
    ['lumbarLimitDeg', 'Lumbar limit (°)', 0, 90, 1],
    ['tempoMinS', 'Shortest descent/ascent (s)', 0, 10, 0.1],
    ['targetReps', 'Target reps per set', 1, 100, 1],
    ['targetSets', 'Target sets', 1, 20, 1],
  ] as const;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const patch: SettingsPatch = {};
    for (const [key] of fields) {
      const text = draft[key];
      if (text !== undefined && text !== '') patch[key] = Number(text);
    }
    if (Object.keys(patch).length === 0) return;
    try {
      await onSave(patch);
      setDraft({});
      setMessage({ error: false, text: 'Saved.' });
    } catch (e) {
      setMessage({ error: true, text: (e as Error).message });
    }
  }

  return (
    <form className="panel settings" onSubmit={submit} aria-labelledby="settings-title">
      <h2 id="settings-title">Limits and targets</h2>
      <p className="hint">
        Pain {settings.painLevel ?? '–'}/10, load: {settings.load}
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
        Apply
      </button>
      {message && (
        <p className={message.error ? 'error' : 'hint'} role="status">
          {message.text}
        </p>
      )}
    </form>
  );
}
