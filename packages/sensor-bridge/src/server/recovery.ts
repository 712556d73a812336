// Closing sessions that a crash left open. A session still marked `live` when the bridge starts was
// interrupted (kill -9, power loss). Its recording holds everything up to the last flush; this
// module cuts off a half-written last line, appends an `interrupted` event, re-analyses the file,
// stores what the analysis emits (reps, sets, calibration, settings, summary: what a live session
// would have stored), and marks the session `interrupted`. On a full or read-only disk nothing is
// left half done: the `interrupted` line is removed again when the database cannot record the
// recovery, and the error goes up (start-up reports it as one HINGE_ERR_STORAGE line).
import { openSync, closeSync, ftruncateSync, fstatSync, readSync, truncateSync, writeSync, existsSync } from 'node:fs';
import type { AnalysisDocument, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import type { SessionRow, Store } from '../storage/store';
import { resolveRecordingPath } from '../storage/archive';
import type { DataDirLayout } from '../storage/data-dir';
import { addWarnings, storeAnalysisDocument } from './session-record';
import { isStorageError } from '../storage/storage-error';

/** Analysis of a whole recording; `overrides` replace the header's settings at t = 0 (see legacySettings). */
export type OfflineAnalyzer = (
  header: RecordingHeader,
  lines: Iterable<RecordingLine>,
  overrides?: Partial<PatientSettings>,
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

/**
 * Closes a session a crash left open: its recording (cut to whole lines, an `interrupted` line
 * appended) is analysed again and what the analysis emits replaces the stored reps, sets,
 * calibration and settings, exactly as `hinge analyze` of the same file reports them.
 */
export async function recoverInterruptedSession(
  row: SessionRow,
  store: Store,
  layout: Pick<DataDirLayout, 'root'>,
  analyze: OfflineAnalyzer,
): Promise<SessionRow> {
  let recovered: SessionRow = row;
  const warnings: string[] = [];
  /** Takes the `interrupted` line out again (the database could not record the recovery). */
  let undoAppend: (() => void) | null = null;
  const file = row.recordingPath ? resolveRecordingPath(layout.root, row.recordingPath) : null;
  if (file && existsSync(file)) {
    const cut = truncateToLastWholeLine(file);
    if (cut > 0) warnings.push(`recording ended mid-line after the interruption; ${cut} bytes of a partial line removed`);
    try {
      const { header, lines } = await readRecording(file, { mode: 'lenient' });
      let lastT = row.lastT;
      for (const line of lines) if (line.t > lastT) lastT = line.t;
      undoAppend = appendWholeLine(file, JSON.stringify({ t: lastT, event: 'interrupted' }) + '\n');
      recovered = { ...storeAnalysisDocument(store, row, analyze(header, lines, legacySettings(header, row))), lastT };
    } catch (error) {
      if (isStorageError(error)) {
        undoAppend?.();
        throw error;
      }
      warnings.push(`recording could not be re-analysed after the interruption: ${(error as Error).message}`);
    }
  } else if (file) {
    warnings.push('recording file is missing');
  }
  warnings.push('session was interrupted (the bridge stopped without closing it); recovered on restart');
  const endedAt = row.startedAt ? new Date(Date.parse(row.startedAt) + recovered.lastT * 1000).toISOString() : new Date().toISOString();
  recovered = { ...recovered, status: 'interrupted', warnings: addWarnings(recovered.warnings, warnings), endedAt };
  try {
    store.updateSession(recovered);
  } catch (error) {
    undoAppend?.();
    throw error;
  }
  return recovered;
}

/**
 * Settings for analysing a session's recording again: none beyond the file's own (header, `settings`
 * lines), except for recordings made before headers carried settings, which get the session's stored ones.
 */
export function legacySettings(header: RecordingHeader, row: Pick<SessionRow, 'settings'>): Partial<PatientSettings> {
  return header.settings ? {} : row.settings;
}
