// Progress across a patient's sessions, by date: reps, clean-rep share, peak lumbar flexion, hip share,
// descent tempo, pain before and after, duration, and which settings changed since the session before.
// A running session has no stored summary yet; its point has the counts it has.
import { sessionDurationS, type AngleSeries, type PatientSettings, type SessionState, type SessionSummary } from '@hinge/protocol';
import type { CourseSession } from '@hinge/analysis';

export interface ProgressPoint {
  sessionId: string;
  label: string;
  /** Where it was recorded (clinic stations); null for a lone bridge. */
  station: string | null;
  /** ISO time the session started (or was created, before it started). */
  date: string;
  status: SessionState['status'];
  repCount: number;
  cleanShare: number | null;
  peakLumbarDegMax: number | null;
  peakLumbarDegMean: number | null;
  hipShareMean: number | null;
  descentSMean: number | null;
  painBefore: number | null;
  painAfter: number | null;
  durationS: number | null;
  settings: PatientSettings;
  /** Settings that differ from the session before (none for the first). */
  changed: SettingChange[];
}

export interface SettingChange {
  key: keyof PatientSettings;
  from: PatientSettings[keyof PatientSettings];
  to: PatientSettings[keyof PatientSettings];
}

/** Settings a clinician chooses per session (pain is a report, not a setting to compare). */
const COMPARED: readonly (keyof PatientSettings)[] = ['load', 'lumbarLimitDeg', 'tempoMinS', 'targetReps', 'targetSets'];

export function settingChanges(before: PatientSettings | null, after: PatientSettings): SettingChange[] {
  if (before === null) return [];
  return COMPARED.filter((key) => before[key] !== after[key]).map((key) => ({ key, from: before[key], to: after[key] }));
}

export function progressPoints(sessions: readonly SessionState[]): ProgressPoint[] {
  const sorted = [...sessions].sort((a, b) => (a.startedAt ?? a.createdAt).localeCompare(b.startedAt ?? b.createdAt));
  return sorted.map((s, i) => {
    const summary = s.summary as SessionSummary | null;
    return {
      sessionId: s.id,
      label: s.label,
      station: s.station,
      date: s.startedAt ?? s.createdAt,
      status: s.status,
      repCount: summary?.repCount ?? s.repCount,
      cleanShare: summary && summary.repCount > 0 ? summary.cleanReps / summary.repCount : null,
      peakLumbarDegMax: summary?.peakLumbarDegMax ?? null,
      peakLumbarDegMean: summary?.peakLumbarDegMean ?? null,
      hipShareMean: summary?.hipShareMean ?? null,
      descentSMean: summary?.descentSMean ?? null,
      painBefore: s.painBefore ?? s.settings.painLevel,
      painAfter: s.painAfter ?? null,
      durationS: sessionDurationS(s),
      settings: s.settings,
      changed: settingChanges(sorted[i - 1]?.settings ?? null, s.settings),
    };
  });
}

/** The finished sessions as the progression rule reads them (oldest first). */
export function courseOf(points: readonly ProgressPoint[]): CourseSession[] {
  return points
    .filter((p) => p.status === 'stopped' || p.status === 'interrupted')
    .map((p) => ({
      load: p.settings.load,
      repCount: p.repCount,
      cleanShare: p.cleanShare,
      peakLumbarDegMean: p.peakLumbarDegMean,
      lumbarLimitDeg: p.settings.lumbarLimitDeg,
      descentSMean: p.descentSMean,
      tempoMinS: p.settings.tempoMinS,
      painBefore: p.painBefore,
      painAfter: p.painAfter,
    }));
}

export type Trend = 'better' | 'worse' | 'same' | 'none';

/** Clean-rep share of the latest finished session against the one before: 5 points either way is a change. */
export function cleanTrend(points: readonly ProgressPoint[]): Trend {
  const known = points.filter((p) => p.cleanShare !== null);
  const [before, latest] = known.slice(-2);
  if (!before || !latest) return 'none';
  const delta = latest.cleanShare! - before.cleanShare!;
  return delta >= 0.05 ? 'better' : delta <= -0.05 ? 'worse' : 'same';
}

export type Flag =
  | { kind: 'painUp'; before: number; after: number }
  | { kind: 'overLimit'; peak: number; limit: number }
  | { kind: 'highPain'; pain: number }
  | { kind: 'noPainReport' };

/** What the review home warns about for a patient's latest session. */
export function flagsOf(latest: ProgressPoint | undefined): Flag[] {
  if (!latest) return [];
  const flags: Flag[] = [];
  const { painBefore, painAfter } = latest;
  if (painBefore !== null && painAfter !== null && painAfter > painBefore) flags.push({ kind: 'painUp', before: painBefore, after: painAfter });
  const highest = Math.max(painBefore ?? -1, painAfter ?? -1);
  if (highest > 5) flags.push({ kind: 'highPain', pain: highest });
  if (latest.peakLumbarDegMax !== null && latest.peakLumbarDegMax > latest.settings.lumbarLimitDeg) {
    flags.push({ kind: 'overLimit', peak: latest.peakLumbarDegMax, limit: latest.settings.lumbarLimitDeg });
  }
  if (latest.status !== 'live' && latest.status !== 'created' && painAfter === null) flags.push({ kind: 'noPainReport' });
  return flags;
}

/** The chart's columns from the bridge's angle series (GET /api/sessions/:id/angles); samples whose time is not finite or goes back are left out and counted. */
export function anglesColumns(series: AngleSeries): { columns: [number[], (number | null)[], (number | null)[], (number | null)[]]; skippedRows: number } {
  const columns: [number[], (number | null)[], (number | null)[], (number | null)[]] = [[], [], [], []];
  let skippedRows = 0;
  let lastT = -Infinity;
  series.t.forEach((t, i) => {
    if (!Number.isFinite(t) || t < lastT) {
      skippedRows++;
      return;
    }
    lastT = t;
    columns[0].push(t);
    columns[1].push(series.pelvisDeg[i] ?? null);
    columns[2].push(series.trunkDeg[i] ?? null);
    columns[3].push(series.lumbarDeg[i] ?? null);
  });
  return { columns, skippedRows };
}
