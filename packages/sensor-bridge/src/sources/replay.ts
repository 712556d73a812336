// Replay source: plays a hinge recording in real time (times a speed), optionally in a loop, with
// seek. The file is read once (lenient: bad lines are skipped and reported as problems) and held in
// memory, which suits session-length files (an hour at 2 x 100 Hz is ~720k lines).
// Times stay on one clock that never goes back: each loop, and each seek, continues the clock from
// where playback is, so the recording and the analysis downstream see one continuous session.
import path from 'node:path';
import type { RecordingHeader, RecordingLine, SourceCapability } from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import { startPacer, type Pacer } from './pacer';
import { createSensorTracker, type SensorTracker } from './sensor-tracker';
import { SourceError, type SensorSource, type SourceSink, type SourceStatus } from './source';

/** Pause between the end of one loop and the start of the next, s. */
export const LOOP_GAP_S = 1;

export interface ReplayOptions {
  file: string;
  /** 1 = real time; Infinity = as fast as possible. */
  speed?: number;
  loop?: boolean;
  /** Clock for pacing (ms); tests may pass a fake. */
  now?: () => number;
}

export function createReplaySource(options: ReplayOptions): SensorSource {
  let lines: RecordingLine[] = [];
  let tracker: SensorTracker | null = null;
  let pacer: Pacer | null = null;
  let sink: SourceSink | null = null;
  const problems: string[] = [];
  let cursor = 0;
  /** Added to file times to get session times. */
  let offsetS = 0;
  let lastEmittedT = 0;
  const capabilities: SourceCapability[] = ['seek', 'speed', 'sensor-status'];
  if (options.loop) capabilities.push('loop');

  function produce(untilT: number, maxLines: number): boolean {
    if (!sink || !tracker) return false;
    const batch: RecordingLine[] = [];
    while (batch.length < maxLines) {
      if (cursor >= lines.length) {
        if (!options.loop || lines.length === 0) break;
        const first = lines[0] as RecordingLine;
        offsetS = lastEmittedT + LOOP_GAP_S - first.t;
        cursor = 0;
      }
      const line = lines[cursor] as RecordingLine;
      const t = line.t + offsetS;
      if (t > untilT) break;
      batch.push({ ...line, t });
      lastEmittedT = Math.max(lastEmittedT, t);
      cursor++;
    }
    if (batch.length > 0) {
      const presenceChanged = tracker.update(batch);
      sink.lines(batch);
      if (presenceChanged) sink.statusChanged();
    }
    if (cursor >= lines.length && !options.loop) {
      for (const s of tracker.statuses()) tracker.setPresence(s.id, 'absent');
      sink.statusChanged();
      sink.ended(`replay of ${path.basename(options.file)} finished`);
      return false;
    }
    return true;
  }

  return {
    capabilities,
    async start(target) {
      let read;
      try {
        read = await readRecording(options.file, { mode: 'lenient', onWarning: (m) => problems.length < 20 && problems.push(m) });
      } catch (error) {
        throw new SourceError(`cannot replay ${options.file}: ${(error as Error).message}`);
      }
      lines = read.lines;
      sink = target;
      tracker = createSensorTracker(read.header);
      const startT = lines[0]?.t ?? 0;
      offsetS = 0;
      lastEmittedT = startT;
      pacer = startPacer(produce, { speed: options.speed ?? 1, startT, ...(options.now ? { now: options.now } : {}) });
      const header: RecordingHeader = { ...read.header, startedAt: new Date().toISOString(), replayOf: path.basename(options.file) };
      return header;
    },
    async stop() {
      pacer?.stop();
      sink = null;
    },
    status(): SourceStatus {
      return { sensors: tracker?.statuses() ?? [], problems: [...problems] };
    },
    seek(fileT) {
      if (!pacer || lines.length === 0) return;
      let lo = 0;
      let hi = lines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((lines[mid] as RecordingLine).t < fileT) lo = mid + 1;
        else hi = mid;
      }
      cursor = lo;
      // Continue the session clock from the latest time already delivered.
      const resumeT = lastEmittedT;
      offsetS = resumeT - (lines[cursor]?.t ?? fileT);
      pacer.jumpTo(resumeT);
      sink?.lines([{ t: resumeT, event: 'seek', detail: { toT: fileT } }]);
    },
    setSpeed(speed) {
      pacer?.setSpeed(speed);
    },
  };
}
