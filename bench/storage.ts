// Storage per hour of session: the MCAP export (server/mcap-export.ts) of a one-hour two-sensor 100 Hz
// simulated session with its angle series and reps, and the live recording as the bridge writes it
// (recording/writer.ts). Baseline: the plain JSON Lines recording of the same session.
import { statSync } from 'node:fs';
import path from 'node:path';
import { analyzeRecordingLines, DEFAULT_SETTINGS } from '@hinge/analysis';
import { readRecording } from '../packages/sensor-bridge/src/recording/reader';
import { writeMcap } from '../packages/sensor-bridge/src/server/mcap-export';
import { nowMs } from './stats';

export interface StorageResult {
  recordingS: number;
  jsonlMBPerHour: number;
  mcapMBPerHour: number;
  mcapWriteS: number;
}

const MB = 1024 * 1024;

/** MCAP export of the recording FILE (JSON Lines, `recordingS` long), in MB per hour. */
export async function mcapPerHour(file: string, recordingS: number, tmpDir: string): Promise<StorageResult> {
  const { header, lines } = await readRecording(file, { mode: 'lenient' });
  const doc = analyzeRecordingLines(header, lines, DEFAULT_SETTINGS, { angles: true });
  const out = path.join(tmpDir, 'export.mcap');
  const start = nowMs();
  await writeMcap(out, { header, lines, angles: doc.angles, reps: doc.reps.map((r) => ({ ...r, setIndex: r.set ?? null })), session: { id: 's_bench', settings: DEFAULT_SETTINGS } });
  const mcapWriteS = (nowMs() - start) / 1000;
  const perHour = (bytes: number) => (bytes / MB) * (3600 / recordingS);
  return { recordingS, jsonlMBPerHour: perHour(statSync(file).size), mcapMBPerHour: perHour(statSync(out).size), mcapWriteS };
}
