// Storage per hour of session: the MCAP export (server/mcap-export.ts) of a one-hour two-sensor 100 Hz
// simulated session with its angle series and reps, and the live recording as the bridge writes it
// (server/session-timeline.ts + recording/writer.ts: samples rounded to the sensor's resolution, gzip
// sync-flushed every 250 ms). Baseline: the plain JSON Lines recording of the same session.
import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '@hinge/analysis';
import type { RecordingHeader } from '@hinge/protocol';
import { openRecording, readRecording } from '../packages/sensor-bridge/src/recording/reader';
import { realAnalysis } from '../packages/sensor-bridge/src/server/app';
import { AngleFileSink, analyzeStoredRecording, readAngleFile } from '../packages/sensor-bridge/src/server/stored-analysis';
import { RecordingWriter } from '../packages/sensor-bridge/src/recording/writer';
import { createQuantizer } from '../packages/sensor-bridge/src/recording/quantize';
import { metawearResolution } from '../packages/sensor-bridge/src/ble/decoders/metawear';
import { writeMcap } from '../packages/sensor-bridge/src/server/mcap-export';
import { nowMs } from './stats';

export interface StorageResult {
  recordingS: number;
  jsonlMBPerHour: number;
  /** The live recording (.jsonl.gz) of a MetaMotion session (+-8 g, +-1000 deg/s: the driver's defaults). */
  liveMBPerHour: number;
  /** Wall time of the live writer (rounding, deflate, writes and fdatasync every 250 ms), per hour of session. */
  liveWriteSPerHour: number;
  mcapMBPerHour: number;
  mcapWriteS: number;
}

const MB = 1024 * 1024;
const FLUSH_S = 0.25;

/**
 * What the bridge records live for the session in FILE: its lines rounded to a MetaMotion's resolution
 * and written by the RecordingWriter to a .jsonl.gz, flushed every 250 ms of session time (the timer's
 * interval, driven here by the samples' t instead of the wall clock).
 */
function writeLive(source: { header: RecordingHeader; lines: Parameters<RecordingWriter['append']>[0][] }, out: string): number {
  const resolution = metawearResolution({ accRangeG: 8, gyrRangeDps: 1000 });
  const header: RecordingHeader = { ...source.header, sensors: source.header.sensors.map((s) => ({ ...s, model: 'metamotion', resolution })) };
  const quantize = createQuantizer(header);
  const start = nowMs();
  const writer = new RecordingWriter(out, header, { flushIntervalMs: 1e9 });
  let nextFlushT = FLUSH_S;
  for (const line of source.lines) {
    if (line.t >= nextFlushT) {
      writer.flush();
      nextFlushT += FLUSH_S;
    }
    writer.append(quantize(line));
  }
  writer.close();
  return (nowMs() - start) / 1000;
}

/** MCAP export and live recording of the recording FILE (JSON Lines, `recordingS` long), in MB per hour. */
export async function storagePerHour(file: string, recordingS: number, tmpDir: string): Promise<StorageResult> {
  const { header, lines } = await readRecording(file, { mode: 'lenient' });
  const perHour = (bytes: number) => (bytes / MB) * (3600 / recordingS);
  const live = path.join(tmpDir, 'live.jsonl.gz');
  const liveWriteS = writeLive({ header, lines }, live);
  // As the bridge's export does it: the analysis streams its angles to a file, then the writer merges them with the lines.
  const angles = new AngleFileSink(path.join(tmpDir, 'angles.bin'));
  const { doc } = await analyzeStoredRecording(file, () => DEFAULT_SETTINGS, realAnalysis.createOfflinePass, { angles });
  await angles.close();
  const stream = await openRecording(file, { mode: 'lenient' });
  const out = path.join(tmpDir, 'export.mcap');
  const start = nowMs();
  await writeMcap(out, { header: stream.header, lines: stream.batches, angles: readAngleFile(angles.file), reps: doc.reps.map((r) => ({ ...r, setIndex: r.set ?? null })), session: { id: 's_bench', settings: DEFAULT_SETTINGS } });
  const mcapWriteS = (nowMs() - start) / 1000;
  return {
    recordingS,
    jsonlMBPerHour: perHour(statSync(file).size),
    liveMBPerHour: perHour(statSync(live).size),
    liveWriteSPerHour: liveWriteS * (3600 / recordingS),
    mcapMBPerHour: perHour(statSync(out).size),
    mcapWriteS,
  };
}
