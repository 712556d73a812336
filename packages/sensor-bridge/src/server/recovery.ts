// Closing sessions that a crash left open. A session still marked `live` when the bridge starts was
// interrupted (kill -9, power loss). Its recording holds everything up to the last flush; this
// module cuts off a half-written last line, appends an `interrupted` event, re-analyses the file
// (streamed, as the exports do: a 4-hour recording does not have to fit in memory at start-up),
// stores what the analysis emits (reps, sets, calibration, settings, summary: what a live session
// would have stored), and marks the session `interrupted`. On a full or read-only disk nothing is
// left half done: the `interrupted` line is removed again when the database cannot record the
// recovery, and the error goes up (start-up reports it as one HINGE_ERR_STORAGE line).
import { existsSync } from 'node:fs';
import type { AnalysisDocument, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { openRecording, RecordingLineError } from '../recording/reader';
import { appendWholeLine, cutToLastWholeLine } from '../recording/repair';
import type { SessionRow, Store } from '../storage/store';
import { resolveRecordingPath } from '../storage/archive';
import type { DataDirLayout } from '../storage/data-dir';
import { addWarnings, storeAnalysisDocument } from './session-record';
import { isStorageError } from '../storage/storage-error';
import { analyzeStoredRecording, type OfflinePassFactory } from './stored-analysis';

/** Analysis of a whole recording; `overrides` replace the header's settings at t = 0 (see legacySettings). */
export type OfflineAnalyzer = (
  header: RecordingHeader,
  lines: Iterable<RecordingLine>,
  overrides?: Partial<PatientSettings>,
) => AnalysisDocument;

/**
 * Closes a session a crash left open: its recording (cut to whole lines, an `interrupted` line
 * appended) is analysed again and what the analysis emits replaces the stored reps, sets,
 * calibration and settings, exactly as `hinge analyze` of the same file reports them.
 */
export async function recoverInterruptedSession(
  row: SessionRow,
  store: Store,
  layout: Pick<DataDirLayout, 'root'>,
  createPass: OfflinePassFactory,
): Promise<SessionRow> {
  let recovered: SessionRow = row;
  const warnings: string[] = [];
  /** Takes the `interrupted` line out again (the database could not record the recovery). */
  let undoAppend: (() => void) | null = null;
  const file = row.recordingPath ? resolveRecordingPath(layout.root, row.recordingPath) : null;
  if (file && existsSync(file)) {
    const cut = cutToLastWholeLine(file);
    if (cut > 0) warnings.push(`recording ended mid-line after the interruption; ${cut} bytes of a partial line removed`);
    try {
      const lastT = await lastTimeIn(file, row.lastT);
      undoAppend = appendWholeLine(file, JSON.stringify({ t: lastT, event: 'interrupted' }) + '\n');
      const { doc } = await analyzeStoredRecording(file, (header) => legacySettings(header, row), createPass);
      recovered = { ...storeAnalysisDocument(store, row, doc), lastT };
    } catch (error) {
      if (isStorageError(error)) {
        undoAppend?.();
        throw error;
      }
      // Warnings reach clients: the line and the reason, not where the server keeps the file.
      warnings.push(`recording could not be re-analysed after the interruption: ${error instanceof RecordingLineError ? error.lineAndReason : (error as Error).message}`);
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

/** The latest time in a recording (streamed; bad lines skipped), or `atLeast` when it is later. */
async function lastTimeIn(file: string, atLeast: number): Promise<number> {
  const recording = await openRecording(file, { mode: 'lenient' });
  let lastT = atLeast;
  for await (const batch of recording.batches) for (const line of batch) if (line.t > lastT) lastT = line.t;
  return lastT;
}

/**
 * Settings for analysing a session's recording again: none beyond the file's own (header, `settings`
 * lines), except for recordings made before headers carried settings, which get the session's stored ones.
 */
export function legacySettings(header: RecordingHeader, row: Pick<SessionRow, 'settings'>): Partial<PatientSettings> {
  return header.settings ? {} : row.settings;
}
