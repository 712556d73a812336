// A station's background push to the clinic database. The station records to its own files and SQLite
// as if alone; every second (intervalMs) the pusher sends what changed:
//   1. the outbox, oldest first, in batches: each batch is one PostgreSQL transaction, and only after
//      it commits are its entries forgotten (a row changed meanwhile stays queued, see Store.acknowledge);
//   2. the new bytes of each recording whose session the clinic already has, as numbered chunks of
//      whole lines (gzip-compressed unless the file is compressed itself), each stored once under
//      (session, seq).
// When PostgreSQL cannot be reached, nothing is forgotten: the next tick starts again from the oldest
// entry and from the clinic's own count of chunks (a crash between commit and bookkeeping repeats a
// push, which the upserts absorb). The live path never waits on it: the Store is written synchronously
// as before, and the pusher only reads it between ticks.
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { resolveRecordingPath } from './archive';
import type { ChunkProgress, ClinicDb, PushItem } from './clinic-db';
import type { OutboxEntry, Store } from './store';

const gzipAsync = promisify(gzip);

export interface PusherOptions {
  store: Store;
  clinic: ClinicDb;
  /** Recording paths in session rows are absolute or relative to this. */
  dataDir: string;
  intervalMs?: number;
  /** Outbox entries per transaction. */
  batchSize?: number;
  /** Largest chunk, bytes of the file (catching up after an outage sends several per tick). */
  maxChunkBytes?: number;
  log?(message: string): void;
}

export interface PusherStats {
  /** True after the latest tick reached the clinic database. */
  connected: boolean;
  lastError: string | null;
  outboxSize: number;
  chunksPushed: number;
  /** Bytes of recordings pushed (as in the station's files). */
  recordingBytesPushed: number;
  /** Bytes stored for them in the clinic database (after compression). */
  storedBytesPushed: number;
  rowsPushed: number;
  /**
   * Push lag of each chunk, ms: from the last moment the clinic held everything of that recording
   * (every byte of the chunk was written after it) to the chunk's commit. An upper bound on the age
   * of the chunk's oldest byte. Not measured for a recording met half-written (a restart).
   */
  lagsMs: number[];
}

const MAX_LAG_SAMPLES = 100_000;

export class Pusher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private schemaChecked = false;
  /** The clinic's progress per recording, once asked (dropped after any failure). */
  private readonly progress = new Map<string, ChunkProgress>();
  /** When each recording was last wholly in the clinic database (ms since epoch). */
  private readonly caughtUpAtMs = new Map<string, number>();
  readonly stats: PusherStats = {
    connected: false,
    lastError: null,
    outboxSize: 0,
    chunksPushed: 0,
    recordingBytesPushed: 0,
    storedBytesPushed: 0,
    rowsPushed: 0,
    lagsMs: [],
  };

  constructor(private readonly options: PusherOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops ticking; waits for a push in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const startedAtMs = Date.now();
      this.running = this.tick().finally(() => {
        this.running = null;
        // A steady cadence: the next push one interval after this one started (at once if it took longer).
        this.schedule(Math.max(0, (this.options.intervalMs ?? 1000) - (Date.now() - startedAtMs)));
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One push of everything that waits. Never throws: failures are kept in `stats` and retried next time. */
  async tick(): Promise<boolean> {
    try {
      await this.checkSchema();
      await this.pushOutbox();
      await this.pushRecordings();
      if (!this.stats.connected || this.stats.lastError) this.log('clinic database: pushing');
      this.stats.connected = true;
      this.stats.lastError = null;
      return true;
    } catch (error) {
      const message = (error as Error).message || String(error);
      if (this.stats.lastError !== message) this.log(`clinic database: push failed (${message}); queued locally, retrying`);
      this.stats.connected = false;
      this.stats.lastError = message;
      this.progress.clear();
      return false;
    } finally {
      this.stats.outboxSize = this.options.store.outboxSize;
    }
  }

  /** Pushes until nothing waits (stopped sessions' recordings complete). False when the clinic database failed. */
  async drain(): Promise<boolean> {
    for (;;) {
      if (!(await this.tick())) return false;
      if (this.options.store.outboxSize === 0 && this.options.store.recordingsToPush().every((r) => r.session.status === 'live' || r.session.status === 'created')) {
        return true;
      }
    }
  }

  private async checkSchema(): Promise<void> {
    if (this.schemaChecked) return;
    const version = await this.options.clinic.schemaVersion();
    if (version === 0) await this.options.clinic.migrate();
    else await this.options.clinic.requireCurrentSchema();
    this.schemaChecked = true;
  }

  // ---- rows ---------------------------------------------------------------------------------------

  private async pushOutbox(): Promise<void> {
    const { store, clinic } = this.options;
    for (;;) {
      const entries = store.outboxBatch(this.options.batchSize ?? 500);
      if (entries.length === 0) return;
      const items = entries.map((e) => this.itemOf(e)).filter((i): i is PushItem => i !== null);
      await clinic.apply(items);
      store.acknowledge(entries);
      store.startRecordingPush(items.flatMap((i) => (i.kind === 'session' ? [i.session.id] : [])));
      this.stats.rowsPushed += items.length;
    }
  }

  /** The row an entry names, as it is now; null when it is gone. */
  private itemOf(entry: OutboxEntry): PushItem | null {
    const { store } = this.options;
    const [sessionId, index] = splitKey(entry.key);
    switch (entry.kind) {
      case 'patient': {
        const patient = store.getPatient(entry.key);
        return patient && { kind: 'patient', patient };
      }
      case 'session': {
        const session = store.getSession(entry.key);
        return session && { kind: 'session', session };
      }
      case 'set': {
        const set = store.getSet(sessionId, index);
        return set && { kind: 'set', sessionId, set };
      }
      case 'rep': {
        const rep = store.getRep(sessionId, index);
        return rep && { kind: 'rep', sessionId, rep };
      }
      case 'reps-cleared':
        return { kind: 'reps-cleared', sessionId: entry.key, keepIndexes: store.listReps(entry.key).map((r) => r.index) };
      case 'sets-cleared':
        return { kind: 'sets-cleared', sessionId: entry.key, keepIndexes: store.listSets(entry.key).map((s) => s.index) };
      case 'pain': {
        const report = store.getPainReport(entry.key);
        return report && { kind: 'pain', report };
      }
    }
  }

  // ---- recordings ---------------------------------------------------------------------------------

  private async pushRecordings(): Promise<void> {
    for (const { session } of this.options.store.recordingsToPush()) await this.pushRecording(session.id, session.recordingPath, session.status);
  }

  private async pushRecording(sessionId: string, recordingPath: string | null, status: string): Promise<void> {
    const { store, clinic } = this.options;
    const finished = status === 'stopped' || status === 'interrupted';
    if (!recordingPath) {
      this.caughtUpAtMs.set(sessionId, Date.now());
      if (finished) store.setRecordingPush(sessionId, { nextSeq: 0, pushedBytes: 0, complete: true });
      return;
    }
    const file = resolveRecordingPath(this.options.dataDir, recordingPath);
    const size = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) {
      if (finished) {
        this.log(`session ${sessionId}: recording ${file} is missing; nothing to push`);
        store.setRecordingPush(sessionId, { nextSeq: 0, pushedBytes: 0, complete: true });
      }
      return;
    }
    let progress = this.progress.get(sessionId) ?? (await clinic.chunkProgress(sessionId));
    this.progress.set(sessionId, progress);
    const seenAtMs = Date.now();
    const maxChunk = this.options.maxChunkBytes ?? 1 << 20;
    const compressed = file.endsWith('.gz');
    if (progress.pushedBytes < size) {
      const handle = await open(file, 'r');
      try {
        while (progress.pushedBytes < size) {
          const length = Math.min(maxChunk, size - progress.pushedBytes);
          const raw = Buffer.alloc(length);
          const { bytesRead } = await handle.read(raw, 0, length, progress.pushedBytes);
          // Whole lines of a running recording only: a crash may leave half a line, which recovery cuts off.
          const wholeLines = compressed || finished || bytesRead === maxChunk ? bytesRead : raw.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
          if (wholeLines === 0) break;
          const bytes = raw.subarray(0, wholeLines);
          const data = compressed ? bytes : await gzipAsync(bytes);
          await clinic.pushChunk({
            sessionId,
            seq: progress.nextSeq,
            byteOffset: progress.pushedBytes,
            byteLength: bytes.length,
            encoding: compressed ? 'identity' : 'gzip',
            data,
          });
          const caughtUpAtMs = this.caughtUpAtMs.get(sessionId);
          if (caughtUpAtMs !== undefined) this.recordLag(Date.now() - caughtUpAtMs);
          progress = { nextSeq: progress.nextSeq + 1, pushedBytes: progress.pushedBytes + bytes.length };
          this.progress.set(sessionId, progress);
          this.stats.chunksPushed++;
          this.stats.recordingBytesPushed += bytes.length;
          this.stats.storedBytesPushed += data.length;
        }
      } finally {
        await handle.close();
      }
    }
    if (progress.pushedBytes >= size) this.caughtUpAtMs.set(sessionId, seenAtMs);
    const complete = finished && progress.pushedBytes >= size;
    store.setRecordingPush(sessionId, { ...progress, complete });
    if (complete) {
      this.progress.delete(sessionId);
      this.caughtUpAtMs.delete(sessionId);
    }
  }

  private recordLag(lagMs: number): void {
    if (this.stats.lagsMs.length >= MAX_LAG_SAMPLES) this.stats.lagsMs.shift();
    this.stats.lagsMs.push(lagMs);
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}

/** `sessionId:index` (sets, reps). */
function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return at < 0 ? [key, 0] : [key.slice(0, at), Number(key.slice(at + 1))];
}
