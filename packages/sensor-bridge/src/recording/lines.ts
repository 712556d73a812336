// Splits a text file, plain or gzipped (by its .gz name), into lines, streaming: chunks are decoded
// as they arrive and whole lines handed out in batches. A file cut off mid-line (or a gzip stream
// cut off before its trailer) is read up to its last whole line and reported through onTruncated.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';

export interface RawLine {
  text: string;
  number: number;
}

/** Splits a (possibly gzipped) file into lines; yields arrays of whole lines and reports a cut-off tail. */
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
    // A last line without '\n' that is still whole is kept; a broken one is the mark of a crash.
    const whole = isWhole(pending);
    if (whole && !gzipCutOff) yield [{ text: pending, number: lineNumber }];
    else onTruncated(lineNumber, whole ? 'compressed stream cut off' : 'last line is incomplete');
  } else if (gzipCutOff) {
    onTruncated(lineNumber, 'compressed stream cut off');
  }
}

