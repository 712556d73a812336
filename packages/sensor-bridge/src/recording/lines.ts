// Splits a text file, plain or gzipped (by its .gz name), into lines, streaming: chunks are decoded
// as they arrive and whole lines handed out in batches. A file cut off mid-line (plain, or a gzip stream
// cut off inside a line) is read up to its last whole line and reported through onTruncated.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';

export interface RawLine {
  text: string;
  number: number;
}

/** Longest line a recording may hold, characters (a sample line is ~200, a header a few thousand). */
export const MAX_LINE_CHARS = 1024 * 1024;

/** A line longer than MAX_LINE_CHARS: the file is not a recording (or is hostile). */
export class LineTooLongError extends Error {
  readonly code = 'HINGE_ERR_LINE_TOO_LONG';
  constructor(readonly lineNumber: number) {
    super(`line is longer than ${MAX_LINE_CHARS} characters`);
  }
}

/**
 * Splits a (possibly gzipped) file into lines; yields arrays of whole lines and reports a cut-off tail.
 * Each chunk is scanned once (the unfinished tail of a line is kept in pieces, never re-scanned), so a
 * long line costs linear time; past MAX_LINE_CHARS it throws LineTooLongError naming the line.
 */
export async function* rawLineBatches(
  file: string,
  onTruncated: (lineNumber: number, why: string) => void,
  /** Whether a last line without its '\n' is whole (e.g. parses as JSON); by default it is. */
  isWhole: (text: string) => boolean = () => true,
): AsyncGenerator<RawLine[]> {
  const source = createReadStream(file);
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  source.on('error', (e) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  /** The start of a line whose '\n' has not come yet, in pieces. */
  let pending: string[] = [];
  let pendingChars = 0;
  let lineNumber = 0;
  let gzipCutOff = false;
  const keepPending = (text: string) => {
    if (text === '') return;
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars > MAX_LINE_CHARS) throw new LineTooLongError(lineNumber + 1);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = decoder.write(chunk);
      const batch: RawLine[] = [];
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
        let line = text.slice(start, end);
        if (pending.length > 0) {
          line = pending.join('') + line;
          pending = [];
          pendingChars = 0;
        }
        lineNumber++;
        if (line.length > MAX_LINE_CHARS) throw new LineTooLongError(lineNumber);
        batch.push({ text: line.endsWith('\r') ? line.slice(0, -1) : line, number: lineNumber });
      }
      keepPending(text.slice(start));
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // A gzip file cut off by a crash ends without its trailer: keep what was decoded.
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) gzipCutOff = true;
    else throw error;
  } finally {
    stream.destroy();
  }
  keepPending(decoder.end());
  const last = pending.join('');
  if (last.trim() !== '') {
    lineNumber++;
    // A last line without '\n' that is still whole is kept; a broken one is the mark of a crash.
    const whole = isWhole(last);
    if (whole && !gzipCutOff) yield [{ text: last, number: lineNumber }];
    else onTruncated(lineNumber, whole ? 'compressed stream cut off' : 'last line is incomplete');
  }
  // A gzip stream that stops after a whole line lost nothing: a live recording between two flushes (the
  // writer sync-flushes after whole lines), or one whose writer was killed right after a flush.
}
