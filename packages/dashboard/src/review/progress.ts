// Progress across a patient's sessions, from each session's stored summary: clean-rep share, peak lumbar
// flexion and hip share. Sessions without a summary yet (still running) have no point.
import type { SessionState, SessionSummary } from '@hinge/protocol';

export interface ProgressPoint {
  sessionId: string;
  label: string;
  /** ISO time the session was created. */
  date: string;
  repCount: number;
  cleanShare: number | null;
  peakLumbarDegMax: number | null;
  peakLumbarDegMean: number | null;
  hipShareMean: number | null;
}

export function progressPoints(sessions: readonly SessionState[]): ProgressPoint[] {
  return [...sessions]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((s) => {
      const summary = s.summary as SessionSummary | null;
      return {
        sessionId: s.id,
        label: s.label || s.createdAt.slice(0, 10),
        date: s.createdAt,
        repCount: summary?.repCount ?? s.repCount,
        cleanShare: summary && summary.repCount > 0 ? summary.cleanReps / summary.repCount : null,
        peakLumbarDegMax: summary?.peakLumbarDegMax ?? null,
        peakLumbarDegMean: summary?.peakLumbarDegMean ?? null,
        hipShareMean: summary?.hipShareMean ?? null,
      };
    });
}

/** Parses the bridge's `angles.csv` (header `t,pelvisDeg,trunkDeg,lumbarDeg`; empty cell = no data). */
export function parseAnglesCsv(text: string): { columns: [number[], (number | null)[], (number | null)[], (number | null)[]]; skippedRows: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const index = ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'].map((name) => header.indexOf(name));
  if (index.some((i) => i < 0)) throw new Error(`angles.csv header should hold t,pelvisDeg,trunkDeg,lumbarDeg, got "${header.join(',')}"`);
  const columns: [number[], (number | null)[], (number | null)[], (number | null)[]] = [[], [], [], []];
  let skippedRows = 0;
  let lastT = -Infinity;
  for (const line of lines) {
    const cells = line.split(',');
    const t = Number(cells[index[0]!]);
    if (cells[index[0]!]?.trim() === '' || !Number.isFinite(t) || t < lastT) {
      skippedRows++;
      continue;
    }
    lastT = t;
    columns[0].push(t);
    for (let c = 1; c < 4; c++) {
      const cell = cells[index[c]!]?.trim() ?? '';
      const value = cell === '' ? Number.NaN : Number(cell);
      (columns[c] as (number | null)[]).push(Number.isFinite(value) ? value : null);
    }
  }
  return { columns, skippedRows };
}
