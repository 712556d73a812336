// Replay source: plays a hinge recording in real time (times a speed), optionally in a loop, with
// seek. The file is streamed (lenient: bad lines are skipped and reported as problems): a reader
// keeps a look-ahead of READ_AHEAD_LINES lines, so memory does not grow with the recording's length.
// A seek reads the file again from its start up to the target time (on the event loop's turns, never
// blocking it); a loop reads it again from the start.
// Times stay on one clock that never goes back: each loop, and each seek, continues the clock from
// where playback is, so the recording and the analysis downstream see one continuous session.
import path from 'node:path';
import type { RecordingHeader, RecordingLine, SourceCapability } from '@hinge/protocol';
import { openRecording } from '../recording/reader';
import { startPacer, type Pacer } from './pacer';
import { createSensorTracker, type SensorTracker } from './sensor-tracker';
import { SourceError, type SensorSource, type SourceSink, type SourceStatus } from './source';

/** Pause between the end of one loop and the start of the next, s. */
export const LOOP_GAP_S = 1;
/** Lines read ahead of playback (a few seconds at 2 x 100 Hz; more at high speeds). */
export const READ_AHEAD_LINES = 4000;

export interface ReplayOptions {
  file: string;
  /** 1 = real time; Infinity = as fast as possible. */
  speed?: number;
  loop?: boolean;
  /** Clock for pacing (ms); tests may pass a fake. */
  now?: () => number;
}

/** One read of the file from its start: the lines ahead of playback, topped up in the background. */
interface FileRead {
  queue: RecordingLine[];
  /** Next line of `queue` to play. */
  next: number;
  /** The file has been read to its end. */
  done: boolean;
  /** Lines before this file time are skipped (a seek). */
  skipBeforeT: number;
  batches: AsyncIterator<RecordingLine[]>;
  filling: boolean;
  /** Replaced by a later read (seek, loop, stop): its fill stops. */
  stale: boolean;
}

export function createReplaySource(options: ReplayOptions): SensorSource {
  let tracker: SensorTracker | null = null;
  let pacer: Pacer | null = null;
  let sink: SourceSink | null = null;
  let read: FileRead | null = null;
  const problems: string[] = [];
  /** File time of the first line (a loop continues the clock from there). */
  let firstT: number | null = null;
  /** Added to file times to get session times. */
  let offsetS = 0;
  let lastEmittedT = 0;
  /** A seek waiting for its read to reach the target: the clock offset is set from the first line played. */
  let seekPending = false;
  const capabilities: SourceCapability[] = ['seek', 'speed', 'sensor-status'];
  if (options.loop) capabilities.push('loop');
  /** Problems go to clients: they name the file, never its folder on the server. */
  const withoutFolder = (m: string) => m.replaceAll(options.file, path.basename(options.file));
  const warn = (m: string) => void (problems.length < 20 && problems.push(withoutFolder(m)));

  async function openRead(skipBeforeT: number): Promise<{ header: RecordingHeader; read: FileRead }> {
    const opened = await openRecording(options.file, { mode: 'lenient', onWarning: warn });
    const fresh: FileRead = { queue: [], next: 0, done: false, skipBeforeT, batches: opened.batches[Symbol.asyncIterator](), filling: false, stale: false };
    return { header: opened.header, read: fresh };
  }

  /** Tops up the look-ahead of `r` in the background; a read error ends the file there (reported). */
  function fill(r: FileRead): void {
    if (r.filling || r.done || r.stale) return;
    r.filling = true;
    void (async () => {
      try {
        while (!r.stale && !r.done && r.queue.length - r.next < READ_AHEAD_LINES) {
          const step = await r.batches.next();
          if (r.stale) break;
          if (step.done) r.done = true;
          else {
            const lines = step.value.filter((l) => l.t >= r.skipBeforeT);
            if (lines.length > 0) r.queue = r.queue.slice(r.next).concat(lines);
            else r.queue = r.queue.slice(r.next);
            r.next = 0;
          }
        }
      } catch (error) {
        warn(`replay stopped reading: ${(error as Error).message}`);
        r.done = true;
      } finally {
        r.filling = false;
      }
    })();
  }

  function replaceRead(skipBeforeT: number): void {
    if (read) {
      read.stale = true;
      void read.batches.return?.();
    }
    read = null;
    openRead(skipBeforeT).then(
      (opened) => {
        if (!sink) {
          void opened.read.batches.return?.();
          return;
        }
        read = opened.read;
        fill(read);
      },
      (error: Error) => {
        warn(`cannot read the recording again: ${error.message}`);
        sink?.ended('replay stopped: the recording could not be read again');
        pacer?.stop();
      },
    );
  }

  function produce(untilT: number, maxLines: number): boolean {
    if (!sink || !tracker) return false;
    const r = read;
    if (!r) return true; // a new read is opening (loop, seek)
    const batch: RecordingLine[] = [];
    while (batch.length < maxLines && r.next < r.queue.length) {
      const line = r.queue[r.next] as RecordingLine;
      if (seekPending) {
        offsetS = lastEmittedT - line.t;
        seekPending = false;
      }
      const t = line.t + offsetS;
      if (t > untilT) break;
      batch.push({ ...line, t });
      lastEmittedT = Math.max(lastEmittedT, t);
      r.next++;
    }
    if (batch.length > 0) {
      const presenceChanged = tracker.update(batch);
      sink.lines(batch);
      if (presenceChanged) sink.statusChanged();
    }
    if (r.next < r.queue.length || !r.done) {
      fill(r);
      return true;
    }
    // The end of the file.
    if (options.loop && firstT !== null) {
      offsetS = lastEmittedT + LOOP_GAP_S - firstT;
      replaceRead(-Infinity);
      return true;
    }
    for (const s of tracker.statuses()) tracker.setPresence(s.id, 'absent');
    sink.statusChanged();
    sink.ended(`replay of ${path.basename(options.file)} finished`);
    return false;
  }

  return {
    capabilities,
    async start(target) {
      let opened;
      try {
        opened = await openRead(-Infinity);
        // The first lines: the start time, and whether there is anything to play.
        const first = await opened.read.batches.next();
        if (!first.done) opened.read.queue = first.value;
        else opened.read.done = true;
      } catch (error) {
        throw new SourceError(`cannot replay ${path.basename(options.file)}: ${withoutFolder((error as Error).message)}`);
      }
      read = opened.read;
      sink = target;
      tracker = createSensorTracker(opened.header);
      const startT = read.queue[0]?.t ?? 0;
      firstT = read.queue[0]?.t ?? null;
      offsetS = 0;
      lastEmittedT = startT;
      fill(read);
      pacer = startPacer(produce, { speed: options.speed ?? 1, startT, ...(options.now ? { now: options.now } : {}) });
      return { ...opened.header, startedAt: new Date().toISOString(), replayOf: path.basename(options.file) };
    },
    async stop() {
      pacer?.stop();
      sink = null;
      if (read) {
        read.stale = true;
        await read.batches.return?.();
      }
      read = null;
    },
    status(): SourceStatus {
      return { sensors: tracker?.statuses() ?? [], problems: [...problems] };
    },
    seek(fileT) {
      if (!pacer || firstT === null) return;
      // Continue the session clock from the latest time already delivered.
      const resumeT = lastEmittedT;
      seekPending = true;
      replaceRead(fileT);
      pacer.jumpTo(resumeT);
      sink?.lines([{ t: resumeT, event: 'seek', detail: { toT: fileT } }]);
    },
    setSpeed(speed) {
      pacer?.setSpeed(speed);
    },
  };
}
