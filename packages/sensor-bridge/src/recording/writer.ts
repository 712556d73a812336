// Appending writer for hinge recordings. Lines are buffered in memory and written and synced to disk
// at least every `flushIntervalMs` (default 250 ms), so a crash loses at most that much. A `.gz` file is
// one gzip stream, deflated as it goes and sync-flushed (to a byte boundary) at every write, so the bytes
// on disk always decode to whole lines: a crash leaves a stream without its end, which the reader and
// crash recovery (./repair.ts) read up to the last flush. A write failure (disk full, removed drive)
// closes the file, keeps everything written before (a batch that fitted only in part is cut off again,
// so the file ends with a whole line or a whole flush), and is reported once through `onError`; later
// appends are refused instead of piling up in memory.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { SyncFlushedGzip } from './gzip-sync';
import type { RecordingHeader, RecordingLine } from '@hinge/protocol';

export interface WriterOptions {
  flushIntervalMs?: number;
  onError?: (error: Error) => void;
}

export class RecordingWriteError extends Error {
  readonly code = 'HINGE_ERR_RECORDING_WRITE';
}

export class RecordingWriter {
  readonly file: string;
  private fd: number | null;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | null;
  private failure: RecordingWriteError | null = null;
  private linesWritten = 0;
  /** Bytes of whole lines on disk. */
  private bytesWritten = 0;
  private readonly onError: (error: Error) => void;
  /** The gzip stream of a `.gz` file (null: plain text). */
  private readonly gzip: SyncFlushedGzip | null;

  /** Creates the file (it must not exist) and writes the header line at once. */
  constructor(file: string, header: RecordingHeader, options: WriterOptions = {}) {
    this.file = file;
    this.onError = options.onError ?? (() => {});
    this.fd = openSync(file, 'wx', 0o600); // owner-only: patient data
    this.gzip = file.endsWith('.gz') ? new SyncFlushedGzip() : null;
    this.buffer.push(JSON.stringify(header) + '\n');
    this.flush();
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  get failed(): RecordingWriteError | null {
    return this.failure;
  }

  /** Lines on disk, header included. */
  get writtenLineCount(): number {
    return this.linesWritten;
  }

  append(line: RecordingLine): void {
    if (this.fd === null) return;
    this.buffer.push(JSON.stringify(line) + '\n');
  }

  /** Writes buffered lines (deflated and sync-flushed for `.gz`) and syncs them to disk. */
  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const count = this.buffer.length;
    const text = Buffer.from(this.buffer.join(''));
    const data = this.gzip ? this.gzip.piece(text) : text;
    this.buffer = [];
    this.write(data, count);
  }

  private write(data: Buffer, count: number): void {
    if (this.fd === null) return;
    let offset = 0;
    try {
      while (offset < data.length) offset += writeSync(this.fd, data, offset);
      fdatasyncSync(this.fd);
      this.linesWritten += count;
      this.bytesWritten += data.length;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      // Keep the whole lines (or, compressed, the whole flushes) that made it; cut the partial rest.
      const whole = this.gzip ? 0 : offset > 0 ? data.lastIndexOf(0x0a, offset - 1) + 1 : 0;
      for (let at = data.indexOf(0x0a); !this.gzip && at >= 0 && at < whole; at = data.indexOf(0x0a, at + 1)) this.linesWritten++;
      this.bytesWritten += whole;
      try {
        ftruncateSync(this.fd, this.bytesWritten);
      } catch {
        // the reader drops a partial last line anyway
      }
      // The file's name only: this message reaches clients, which need not know server paths.
      this.failure = new RecordingWriteError(
        `recording stopped (${path.basename(this.file)}): ${e.code === 'ENOSPC' ? 'disk full' : (e.code ?? e.message)}; ` +
          `${this.linesWritten} lines written before are kept`,
      );
      this.closeFile();
      this.onError(this.failure);
    }
  }

  /** Writes what is buffered and, for `.gz`, the end of the gzip stream; then closes the file. */
  close(): void {
    this.flush();
    if (this.gzip && this.fd !== null) this.write(this.gzip.end(), 0);
    this.closeFile();
  }

  private closeFile(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone; nothing more to keep
      }
    }
    this.fd = null;
    this.buffer = [];
  }
}

/** Writes a whole recording at once (simulator output, conversions); `.gz` paths are gzipped. */
export async function writeRecordingFile(file: string, header: RecordingHeader, lines: Iterable<RecordingLine>): Promise<void> {
  function* text(): Generator<string> {
    yield JSON.stringify(header) + '\n';
    let chunk: string[] = [];
    for (const line of lines) {
      chunk.push(JSON.stringify(line));
      if (chunk.length >= 2000) {
        yield chunk.join('\n') + '\n';
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk.join('\n') + '\n';
  }
  const source = Readable.from(text());
  if (file.endsWith('.gz')) await pipeline(source, createGzip(), createWriteStream(file));
  else await pipeline(source, createWriteStream(file));
}
