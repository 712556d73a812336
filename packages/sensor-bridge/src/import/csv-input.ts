// CSV (and tab-separated text) input for every reader of tables: `hinge fuse`, `hinge import` and the
// dashboard's import upload. Parsing is csv-parse's (quotes, CRLF, a byte-order mark, ragged rows);
// this module adds what all callers need: a source that is a file (plain or .gz) or uploaded bytes,
// the delimiter found from the header line, and the line number of every row for error messages.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

/** Where a table comes from: a file path, or bytes with the name to show in messages. */
export type CsvSource = { file: string } | { name: string; bytes: Buffer };

export interface CsvRow {
  cells: string[];
  /** 1-based line number in the source (the first line of a quoted multi-line row). */
  line: number;
}

/** A table that cannot be read: names the source and the line. */
export class CsvInputError extends Error {
  readonly code = 'HINGE_ERR_IMPORT';
  constructor(
    readonly source: string,
    readonly line: number | null,
    reason: string,
  ) {
    super(line === null ? `${source}: ${reason}` : `${source}:${line}: ${reason}`);
  }
}

export const sourceName = (source: CsvSource): string => ('file' in source ? source.file : source.name);

function open(source: CsvSource): Readable {
  if ('bytes' in source) {
    const gz = source.bytes[0] === 0x1f && source.bytes[1] === 0x8b;
    const raw = Readable.from([source.bytes]);
    return gz ? raw.pipe(createGunzip()) : raw;
  }
  const raw = createReadStream(source.file);
  if (!source.file.endsWith('.gz')) return raw;
  const out = raw.pipe(createGunzip());
  raw.on('error', (e) => out.destroy(e));
  return out;
}

/** The delimiter of a header line: tab, semicolon or comma, whichever it has most of outside quotes (comma on a tie). */
export function delimiterOf(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  const count = (c: string) => unquoted.split(c).length - 1;
  const tabs = count('\t');
  const semicolons = count(';');
  const commas = count(',');
  if (tabs > commas && tabs >= semicolons) return '\t';
  if (semicolons > commas) return ';';
  return ',';
}

export interface CsvReadOptions {
  /** A fixed delimiter; by default found from the first line that `isHeader` accepts (or the first line). */
  delimiter?: string;
  /** Lines before the header (vendor preambles) are skipped until this accepts one; it is still yielded. */
  isHeader?: (line: string) => boolean;
}

/**
 * Rows of a table, streaming. Empty lines are skipped; cells are trimmed. Rows before the header line
 * (`isHeader`) are dropped. A source that cannot be opened or parsed throws CsvInputError.
 */
export async function* csvRows(source: CsvSource, options: CsvReadOptions = {}): AsyncGenerator<CsvRow> {
  const name = sourceName(source);
  const input = open(source);
  // The preamble and the header are found on raw text, so the delimiter can be chosen before parsing.
  const isHeader = (line: string) => (options.isHeader ? options.isHeader(line.replace(/^\uFEFF/, '')) : line.trim() !== '');
  let head = '';
  let headerIndex = -1;
  const chunks: Buffer[] = [];
  // One iterator for the look-ahead and the rest: leaving a for-await loop early would destroy the stream.
  const iterator = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (let next = await iterator.next(); !next.done; next = headerIndex >= 0 || head.length > 1 << 20 ? { done: true, value: undefined } : await iterator.next()) {
      const chunk = next.value;
      chunks.push(chunk);
      head += chunk.toString('utf8');
      headerIndex = head.split('\n').slice(0, -1).findIndex(isHeader);
    }
  } catch (error) {
    throw new CsvInputError(name, null, `cannot read: ${(error as Error).message}`);
  }
  if (head.trim() === '') throw new CsvInputError(name, null, 'is empty');
  if (headerIndex < 0) headerIndex = head.split('\n').findIndex(isHeader); // a one-line file without its '\n'
  if (headerIndex < 0) throw new CsvInputError(name, null, 'no header line found');
  const delimiter = options.delimiter ?? delimiterOf(head.split('\n')[headerIndex]!.replace(/^\uFEFF/, ''));
  const lineOffset = headerIndex;
  async function* rest(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield c;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const parser = Readable.from(rest()).pipe(
    parse({ delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true, from_line: lineOffset + 1 }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { cells: record, line: info.lines };
    }
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new CsvInputError(name, e.lines ?? null, e.message);
  }
}
