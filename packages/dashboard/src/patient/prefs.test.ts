import { describe, expect, it } from 'vitest';
import { DEFAULT_PATIENT_PREFS, loadPatientPrefs, savePatientPrefs } from './prefs';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

describe('patient screen preferences', () => {
  it('round-trips through storage', () => {
    const storage = memoryStorage();
    const prefs = { mode: { kind: 'every-nth', n: 3 }, volume: 35, speech: true } as const;
    savePatientPrefs(storage, prefs);
    expect(loadPatientPrefs(storage)).toEqual(prefs);
  });
  it('falls back to the defaults for missing, broken or out-of-range values', () => {
    expect(loadPatientPrefs(null)).toEqual(DEFAULT_PATIENT_PREFS);
    expect(loadPatientPrefs(memoryStorage({ 'hinge.patient-screen': '{not json' }))).toEqual(DEFAULT_PATIENT_PREFS);
    const odd = JSON.stringify({ mode: { kind: 'every-nth', n: 0 }, volume: 400, speech: 'yes' });
    expect(loadPatientPrefs(memoryStorage({ 'hinge.patient-screen': odd }))).toEqual(DEFAULT_PATIENT_PREFS);
    const partial = JSON.stringify({ mode: { kind: 'outside-band' } });
    expect(loadPatientPrefs(memoryStorage({ 'hinge.patient-screen': partial }))).toEqual({ ...DEFAULT_PATIENT_PREFS, mode: { kind: 'outside-band' } });
  });
  it('does not throw when storage refuses to save', () => {
    const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => savePatientPrefs(full, DEFAULT_PATIENT_PREFS)).not.toThrow();
  });
});
