// Closing sessions that a crash left open. A session still marked `live` when the bridge starts was
// interrupted (kill -9, power loss). Its recording holds everything up to the last flush; this
// module cuts off a half-written last line, appends an `interrupted` event, re-analyses the file,
// stores reps and summary, and marks the session `interrupted`.
import { openSync, closeSync, ftruncateSync, appendFileSync, readFileSync, existsSync } from 'node:fs';
import type { AnalysisDocument, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import type { SessionRow, Store } from '../storage/store';
import { setIndexAt } from './live-session';

export type OfflineAnalyzer = (
  header: RecordingHeader,
  lines: Iterable<RecordingLine>,
  settings: PatientSettings,
) => AnalysisDocument;

/** Cuts the file after its last '\n' (a crash may leave half a line). Returns bytes removed. */
export function truncateToLastWholeLine(file: string): number {
  const data = readFileSync(file);
  const end = data.lastIndexOf(0x0a) + 1;
  if (end === data.length) return 0;
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, end);
  } finally {
    closeSync(fd);
  }
  return data.length - end;
}

export async function recoverInterruptedSession(row: SessionRow, store: Store, analyze: OfflineAnalyzer): Promise<SessionRow> {
  const warnings = [...row.warnings];
  let lastT = row.lastT;
  let summary = row.summary;
  const sets = store.listSets(row.id);
  if (row.recordingPath && existsSync(row.recordingPath)) {
    const cut = truncateToLastWholeLine(row.recordingPath);
    if (cut > 0) warnings.push(`recording ended mid-line after the interruption; ${cut} bytes of a partial line removed`);
    try {
      const { header, lines } = await readRecording(row.recordingPath, { mode: 'lenient' });
      for (const line of lines) if (line.t > lastT) lastT = line.t;
      appendFileSync(row.recordingPath, JSON.stringify({ t: lastT, event: 'interrupted' }) + '\n');
      for (const set of sets) {
        if (set.end !== null) continue;
        set.end = lastT;
        store.upsertSet(row.id, set);
      }
      const doc = analyze(header, lines, row.settings);
      summary = doc.summary;
      store.transaction(() => {
        store.deleteReps(row.id);
        for (const rep of doc.reps) store.upsertRep(row.id, { ...rep, setIndex: setIndexAt(sets, rep.start) });
      });
      for (const set of doc.summary.sets ?? []) {
        const stored = sets.find((s) => s.index === set.index);
        if (stored) store.upsertSet(row.id, { ...stored, summary: set });
      }
    } catch (error) {
      warnings.push(`recording could not be re-analysed after the interruption: ${(error as Error).message}`);
    }
  } else if (row.recordingPath) {
    warnings.push('recording file is missing');
  }
  warnings.push('session was interrupted (the bridge stopped without closing it); recovered on restart');
  const endedAt = row.startedAt ? new Date(Date.parse(row.startedAt) + lastT * 1000).toISOString() : new Date().toISOString();
  const recovered: SessionRow = { ...row, status: 'interrupted', lastT, summary, warnings, endedAt };
  store.updateSession(recovered);
  return recovered;
}
