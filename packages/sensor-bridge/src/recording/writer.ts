// Appending writer for hinge recordings. Lines are buffered in memory and written and synced to disk
// at least every `flushIntervalMs` (default 250 ms), so a crash loses at most that much. A write
// failure (disk full, removed drive) closes the file, keeps everything written before (a batch that
// fitted only in part is cut off again, so the file ends with a whole line), and is reported once
// through `onError`; later appends are refused instead of piling up in memory.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
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

  /** Creates the file (it must not exist) and writes the header line at once. */
  constructor(file: string, header: RecordingHeader, options: WriterOptions = {}) {
    this.file = file;
    this.onError = options.onError ?? (() => {});
    this.fd = openSync(file, 'wx', 0o600); // owner-only: patient data
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

  /** Writes buffered lines and syncs them to disk. */
  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const count = this.buffer.length;
    const data = Buffer.from(this.buffer.join(''));
    this.buffer = [];
    let offset = 0;
    try {
      while (offset < data.length) offset += writeSync(this.fd, data, offset);
      fdatasyncSync(this.fd);
      this.linesWritten += count;
      this.bytesWritten += data.length;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      // Keep the whole lines that made it; cut the partial one.
      const whole = offset > 0 ? data.lastIndexOf(0x0a, offset - 1) + 1 : 0;
      for (let at = data.indexOf(0x0a); at >= 0 && at < whole; at = data.indexOf(0x0a, at + 1)) this.linesWritten++;
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

  close(): void {
    this.flush();
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
