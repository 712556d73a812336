// The patient screen's own preferences (feedback mode, volume, spoken cues), kept in the browser's
// localStorage so a reload or a new session on the same screen keeps them. Whatever is stored is
// checked on the way in: anything unusable falls back to the default.
import type { FeedbackMode } from './feedback';

export interface PatientPrefs {
  mode: FeedbackMode;
  /** 0-100. */
  volume: number;
  speech: boolean;
}

export const DEFAULT_PATIENT_PREFS: PatientPrefs = { mode: { kind: 'always' }, volume: 60, speech: false };
const KEY = 'hinge.patient-screen';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export function loadPatientPrefs(storage: StorageLike | null): PatientPrefs {
  let stored: unknown;
  try {
    stored = JSON.parse(storage?.getItem(KEY) ?? 'null');
  } catch {
    return DEFAULT_PATIENT_PREFS;
  }
  if (typeof stored !== 'object' || stored === null) return DEFAULT_PATIENT_PREFS;
  const { mode, volume, speech } = stored as Record<string, unknown>;
  return {
    mode: parseMode(mode) ?? DEFAULT_PATIENT_PREFS.mode,
    volume: typeof volume === 'number' && volume >= 0 && volume <= 100 ? volume : DEFAULT_PATIENT_PREFS.volume,
    speech: typeof speech === 'boolean' ? speech : DEFAULT_PATIENT_PREFS.speech,
  };
}

export function savePatientPrefs(storage: StorageLike | null, prefs: PatientPrefs): void {
  try {
    storage?.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // storage full or disabled: the preferences last for this page only
  }
}

function parseMode(value: unknown): FeedbackMode | null {
  if (typeof value !== 'object' || value === null) return null;
  const { kind, n } = value as Record<string, unknown>;
  if (kind === 'always' || kind === 'outside-band') return { kind };
  if (kind === 'every-nth' && typeof n === 'number' && Number.isInteger(n) && n >= 2 && n <= 10) return { kind, n };
  return null;
}
