// Closing sessions that a crash left open. A session still marked `live` when the bridge starts was
// interrupted (kill -9, power loss). Its recording holds everything up to the last flush; this
// module cuts off a half-written last line, appends an `interrupted` event, re-analyses the file,
// stores reps and summary, and marks the session `interrupted`. On a full or read-only disk nothing is
// left half done: the `interrupted` line is removed again when the database cannot record the
// recovery, and the error goes up (start-up reports it as one HINGE_ERR_STORAGE line).
import { openSync, closeSync, ftruncateSync, fstatSync, readSync, truncateSync, writeSync, existsSync } from 'node:fs';
import type { AnalysisDocument, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import type { SessionRow, Store } from '../storage/store';
import { setIndexAt } from './live-session';
import { isStorageError } from '../storage/storage-error';

export type OfflineAnalyzer = (
  header: RecordingHeader,
  lines: Iterable<RecordingLine>,
  settings: PatientSettings,
) => AnalysisDocument;

const TAIL_BLOCK_BYTES = 64 * 1024;

/** Where the file's last whole line ends: after its last '\n', found reading backwards block by block. */
function endOfLastWholeLine(fd: number, size: number): number {
  const block = Buffer.alloc(TAIL_BLOCK_BYTES);
  for (let end = size; end > 0; end -= TAIL_BLOCK_BYTES) {
    const start = Math.max(0, end - TAIL_BLOCK_BYTES);
    const n = readSync(fd, block, 0, end - start, start);
    const at = block.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
  }
  return 0;
}

/** Cuts the file after its last '\n' (a crash may leave half a line). Returns bytes removed. */
export function truncateToLastWholeLine(file: string): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const end = endOfLastWholeLine(fd, size);
    if (end !== size) ftruncateSync(fd, end);
    return size - end;
  } finally {
    closeSync(fd);
  }
}

/** Appends one whole line, or nothing: on failure (disk full) the file is cut back to its size before. Returns how to take it out again. */
function appendWholeLine(file: string, line: string): () => void {
  const fd = openSync(file, 'r+');
  let size = 0;
  try {
    size = fstatSync(fd).size;
    const data = Buffer.from(line);
    try {
      for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset, data.length - offset, size + offset);
    } catch (error) {
      ftruncateSync(fd, size);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
  return () => truncateSync(file, size);
}

export async function recoverInterruptedSession(row: SessionRow, store: Store, analyze: OfflineAnalyzer): Promise<SessionRow> {
  const warnings = [...row.warnings];
  let lastT = row.lastT;
  let summary = row.summary;
  const sets = store.listSets(row.id);
  /** Takes the `interrupted` line out again (the database could not record the recovery). */
  let undoAppend: (() => void) | null = null;
  if (row.recordingPath && existsSync(row.recordingPath)) {
    const cut = truncateToLastWholeLine(row.recordingPath);
    if (cut > 0) warnings.push(`recording ended mid-line after the interruption; ${cut} bytes of a partial line removed`);
    try {
      const { header, lines } = await readRecording(row.recordingPath, { mode: 'lenient' });
      for (const line of lines) if (line.t > lastT) lastT = line.t;
      undoAppend = appendWholeLine(row.recordingPath, JSON.stringify({ t: lastT, event: 'interrupted' }) + '\n');
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
      if (isStorageError(error)) {
        undoAppend?.();
        throw error;
      }
      warnings.push(`recording could not be re-analysed after the interruption: ${(error as Error).message}`);
    }
  } else if (row.recordingPath) {
    warnings.push('recording file is missing');
  }
  warnings.push('session was interrupted (the bridge stopped without closing it); recovered on restart');
  const endedAt = row.startedAt ? new Date(Date.parse(row.startedAt) + lastT * 1000).toISOString() : new Date().toISOString();
  const recovered: SessionRow = { ...row, status: 'interrupted', lastT, summary, warnings, endedAt };
  try {
    store.updateSession(recovered);
  } catch (error) {
    undoAppend?.();
    throw error;
  }
  return recovered;
}
