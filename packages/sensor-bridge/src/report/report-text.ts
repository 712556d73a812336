// The PDF report's words in each language, through i18next (one instance for the bridge, made once).
// English is the reference; German is typed against it. Add a language as in docs/dashboard.md.
import i18next from 'i18next';

const en = {
  title: 'Hip hinge report',
  patient: 'Patient',
  clinicId: 'Clinic ID',
  session: 'Session',
  date: 'Date',
  duration: 'Duration',
  status: 'Status',
  settings: 'Settings',
  load: 'Load',
  painBefore: 'Pain before',
  painAfter: 'Pain after',
  limit: 'Lumbar limit',
  tempoMin: 'Shortest descent or ascent',
  target: 'Target',
  targetValue: '{{sets}} sets x {{reps}} reps',
  summary: 'Summary',
  reps: 'Reps',
  clean: 'Clean reps',
  peakMax: 'Peak lumbar flexion, max',
  peakMean: 'Peak lumbar flexion, mean',
  hipShare: 'Hip share, mean',
  descent: 'Descent, mean',
  ascent: 'Ascent, mean',
  sets: 'Sets',
  set: 'Set',
  noSets: 'No sets were started; all reps count towards the session.',
  chartPeaks: 'Peak lumbar flexion per rep (dashed: limit)',
  chartAngles: 'Angles over the session: pelvis, trunk, lumbar (degrees against seconds)',
  faults: 'Faults',
  noFaults: 'No faults.',
  rep: 'Rep {{rep}}',
  notes: 'Clinician notes',
  noNotes: 'No notes.',
  running: 'Running: the figures so far.',
  generated: 'Generated {{date}} by the hip hinge trainer.',
  status_created: 'created',
  status_live: 'running',
  status_stopped: 'ended',
  status_interrupted: 'interrupted',
  load_none: 'no load',
  load_dowel: 'dowel',
  load_band: 'band',
  load_weights: 'weights',
  'fault_lumbar-rounding': 'lumbar rounding',
  'fault_knee-dominant': 'knee dominant',
  'fault_too-fast': 'too fast',
};

const de: typeof en = {
  title: 'Bericht Hüftbeuge',
  patient: 'Patient/in',
  clinicId: 'Praxis-Kennung',
  session: 'Sitzung',
  date: 'Datum',
  duration: 'Dauer',
  status: 'Status',
  settings: 'Einstellungen',
  load: 'Last',
  painBefore: 'Schmerz vorher',
  painAfter: 'Schmerz nachher',
  limit: 'Lendengrenze',
  tempoMin: 'Kürzeste Ab- oder Aufwärtsbewegung',
  target: 'Ziel',
  targetValue: '{{sets}} Sätze x {{reps}} Wiederholungen',
  summary: 'Zusammenfassung',
  reps: 'Wiederholungen',
  clean: 'Saubere Wiederholungen',
  peakMax: 'Maximale Lendenbeugung, höchste',
  peakMean: 'Maximale Lendenbeugung, Mittel',
  hipShare: 'Hüftanteil, Mittel',
  descent: 'Abwärts, Mittel',
  ascent: 'Aufwärts, Mittel',
  sets: 'Sätze',
  set: 'Satz',
  noSets: 'Keine Sätze gestartet; alle Wiederholungen zählen zur Sitzung.',
  chartPeaks: 'Maximale Lendenbeugung je Wiederholung (gestrichelt: Grenze)',
  chartAngles: 'Winkel über die Sitzung: Becken, Rumpf, Lende (Grad über Sekunden)',
  faults: 'Fehler',
  noFaults: 'Keine Fehler.',
  rep: 'Wiederholung {{rep}}',
  notes: 'Notizen der Therapeutin / des Therapeuten',
  noNotes: 'Keine Notizen.',
  running: 'Läuft: bisherige Werte.',
  generated: 'Erstellt {{date}} vom Hüftbeuge-Trainer.',
  status_created: 'angelegt',
  status_live: 'läuft',
  status_stopped: 'beendet',
  status_interrupted: 'unterbrochen',
  load_none: 'ohne Last',
  load_dowel: 'Stab',
  load_band: 'Band',
  load_weights: 'Gewichte',
  'fault_lumbar-rounding': 'Lendenrundung',
  'fault_knee-dominant': 'kniedominant',
  'fault_too-fast': 'zu schnell',
};

export const REPORT_LANGUAGES = ['en', 'de'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];
export type ReportKey = keyof typeof en;

const instance = i18next.createInstance();
void instance.init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  initAsync: false,
});

/** The report's words in `language`. */
export function reportText(language: ReportLanguage): (key: ReportKey, values?: Record<string, string | number>) => string {
  // Untyped here: the dashboard's key typing (its i18next.d.ts) is for its own resources.
  const t = instance.getFixedT(language) as unknown as (key: string, values: Record<string, string | number>) => string;
  return (key, values) => t(key, values ?? {});
}

/** Key sets of every language, for the test that they match. */
export const REPORT_RESOURCES = { en, de } as const;
