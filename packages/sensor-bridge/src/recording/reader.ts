// Streaming reader for hinge recordings (.jsonl and .jsonl.gz). See docs/recording-format.md.
// The file is never loaded whole: it is decoded chunk by chunk and handed out in batches of lines.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import {
  createLineValidator,
  validateHeader,
  type RecordingHeader,
  type RecordingLine,
} from '@hinge/protocol';

export type ReadMode = 'strict' | 'lenient';

/** A line the reader could not use: which file, which line (1-based) and why. */
export class RecordingLineError extends Error {
  readonly code = 'HINGE_ERR_RECORDING_LINE';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export interface ReadOptions {
  /** strict (default): the first bad line stops the read. lenient: bad lines are skipped and counted. */
  mode?: ReadMode;
  /** Called for each skipped line (lenient) and for a file cut off mid-line. */
  onWarning?: (message: string) => void;
}

export interface ReadStats {
  /** Lines read and used, header excluded. */
  lines: number;
  /** Lines skipped in lenient mode. */
  badLines: number;
  /** The file ended in the middle of a line (a crash while writing); that partial line was dropped. */
  truncated: boolean;
}

export interface OpenedRecording {
  header: RecordingHeader;
  /** Lines after the header, in file order, in batches (one per decoded chunk). Iterate once. */
  batches: AsyncIterable<RecordingLine[]>;
  /** Filled in while `batches` is consumed; final once iteration has finished. */
  stats: ReadStats;
}

interface RawLine {
  text: string;
  number: number;
}

/** Splits a (possibly gzipped) file into lines; yields arrays of whole lines and reports a cut-off tail. */
async function* rawLineBatches(file: string, onTruncated: (lineNumber: number, why: string) => void): AsyncGenerator<RawLine[]> {
  const source = createReadStream(file);
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  source.on('error', (e) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let gzipCutOff = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = pending + decoder.write(chunk);
      const parts = text.split('\n');
      pending = parts.pop() ?? '';
      const batch: RawLine[] = [];
      for (const part of parts) {
        lineNumber++;
        batch.push({ text: part.endsWith('\r') ? part.slice(0, -1) : part, number: lineNumber });
      }
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // A gzip file cut off by a crash ends without its trailer: keep what was decoded.
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) gzipCutOff = true;
    else throw error;
  }
  pending += decoder.end();
  if (pending.trim() !== '') {
    lineNumber++;
    // A last line without '\n' that is still whole JSON is kept; a broken one is the mark of a crash.
    let whole = true;
    try {
      JSON.parse(pending);
    } catch {
      whole = false;
    }
    if (whole && !gzipCutOff) yield [{ text: pending, number: lineNumber }];
    else onTruncated(lineNumber, whole ? 'compressed stream cut off' : 'last line is incomplete');
  } else if (gzipCutOff) {
    onTruncated(lineNumber, 'compressed stream cut off');
  }
}

/**
 * Opens a recording: reads and validates the header, then streams the lines.
 * Throws RecordingLineError for a bad header, and (strict mode) for the first bad line.
 */
export async function openRecording(file: string, options: ReadOptions = {}): Promise<OpenedRecording> {
  const mode = options.mode ?? 'strict';
  const warn = options.onWarning ?? (() => {});
  const stats: ReadStats = { lines: 0, badLines: 0, truncated: false };
  const raw = rawLineBatches(file, (lineNumber, why) => {
    stats.truncated = true;
    warn(`${file}:${lineNumber}: file ends mid-line (${why}); read up to line ${lineNumber - 1}`);
  });

  // Find the header (line 1) and keep the rest of its batch.
  let first: IteratorResult<RawLine[]>;
  try {
    first = await raw.next();
  } catch (error) {
    throw new RecordingLineError(file, 0, `cannot read file: ${(error as Error).message}`);
  }
  if (first.done || first.value.length === 0) throw new RecordingLineError(file, 1, 'file is empty (no header line)');
  const [headerLine, ...restOfFirst] = first.value as [RawLine, ...RawLine[]];
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(headerLine.text);
  } catch {
    throw new RecordingLineError(file, 1, 'header is not valid JSON');
  }
  const header = validateHeader(headerJson);
  if (!header.ok) throw new RecordingLineError(file, 1, header.reason);
  const validator = createLineValidator(header.value);

  function parse(batch: RawLine[]): RecordingLine[] {
    const out: RecordingLine[] = [];
    for (const { text, number } of batch) {
      if (text.trim() === '') continue;
      let json: unknown;
      let reason: string | undefined;
      try {
        json = JSON.parse(text);
      } catch {
        reason = 'not valid JSON';
      }
      if (reason === undefined) {
        const result = validator.validate(json);
        if (result.ok) {
          out.push(result.value);
          continue;
        }
        reason = result.reason;
      }
      const error = new RecordingLineError(file, number, reason);
      if (mode === 'strict') throw error;
      stats.badLines++;
      warn(`${error.message} (skipped)`);
    }
    stats.lines += out.length;
    return out;
  }

  async function* batches(): AsyncGenerator<RecordingLine[]> {
    if (restOfFirst.length > 0) yield parse(restOfFirst);
    for await (const batch of raw) yield parse(batch);
  }

  return { header: header.value, batches: batches(), stats };
}

/** Reads a whole recording into memory. For tests and small files; streaming callers use openRecording. */
export async function readRecording(
  file: string,
  options: ReadOptions = {},
): Promise<{ header: RecordingHeader; lines: RecordingLine[]; stats: ReadStats }> {
  const opened = await openRecording(file, options);
  const lines: RecordingLine[] = [];
  for await (const batch of opened.batches) for (const line of batch) lines.push(line);
  return { header: opened.header, lines, stats: opened.stats };
}
