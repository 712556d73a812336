// Streaming reader for hinge recordings (.jsonl and .jsonl.gz). See docs/recording-format.md.
// The file is never loaded whole: it is decoded chunk by chunk and handed out in batches of lines.
import { LineTooLongError, rawLineBatches, type RawLine } from './lines';
import {
  createLineValidator,
  createTimeOrder,
  validateHeader,
  type DroppedLine,
  type RecordingHeader,
  type RecordingLine,
} from '@hinge/protocol';

export type ReadMode = 'strict' | 'lenient';

/** Warnings handed to `onWarning`; later ones are only counted (a hostile file may hold millions). */
export const MAX_READER_WARNINGS = 100;
/** Lenient reading gives up when more than this many lines were bad and they outnumber the good ones. */
export const MAX_BAD_LINES = 10_000;
/** Sensors a header may list (a session has two; a few spare for other set-ups). */
export const MAX_HEADER_SENSORS = 16;

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

  /** `line N: reason`, without the file: for clients, which need not know where the server keeps it. */
  get lineAndReason(): string {
    return `line ${this.line}: ${this.reason}`;
  }
}

/** What went wrong reading a file, without its path: corrupt gzip data, or the system's error (`EACCES: permission denied`). */
function readFailure(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && code.startsWith('Z_')) return `gzip data is corrupt (${String(message)})`;
  // Node's file-system messages end with the call and the path: "EACCES: permission denied, open '/data/x.jsonl'".
  return `cannot read file: ${String(message).replace(/, \w+ '[^']*'( -> '[^']*')?$/, '')}`;
}

export interface ReadOptions {
  /** strict (default): the first bad line stops the read. lenient: bad lines are skipped and counted. */
  mode?: ReadMode;
  /** Called for each skipped line (lenient) and for a file cut off mid-line; the first MAX_READER_WARNINGS only. */
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

/**
 * Opens a recording: reads and validates the header, then streams the lines.
 * Throws RecordingLineError for a bad header, and (strict mode) for the first bad line.
 */
export async function openRecording(file: string, options: ReadOptions = {}): Promise<OpenedRecording> {
  const mode = options.mode ?? 'strict';
  const stats: ReadStats = { lines: 0, badLines: 0, truncated: false };
  let warnings = 0;
  const warn = (message: string) => {
    if (warnings++ < MAX_READER_WARNINGS) options.onWarning?.(message);
  };
  /** The reader's own failures (unreadable, corrupt gzip, a line too long) as line errors, with the line. */
  const asLineError = (error: unknown, atLine: number): unknown => {
    if (error instanceof RecordingLineError) return error;
    if (error instanceof LineTooLongError) return new RecordingLineError(file, error.lineNumber, error.message);
    return new RecordingLineError(file, atLine, readFailure(error));
  };
  const isWholeJson = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  const raw = rawLineBatches(
    file,
    (lineNumber, why) => {
      stats.truncated = true;
      warn(`${file}:${lineNumber}: file ends mid-line (${why}); read up to line ${lineNumber - 1}`);
    },
    isWholeJson,
  );

  // Find the header (line 1) and keep the rest of its batch.
  let first: IteratorResult<RawLine[]>;
  try {
    first = await raw.next();
  } catch (error) {
    throw asLineError(error, 1);
  }
  if (first.done || first.value.length === 0) throw new RecordingLineError(file, 1, 'file is empty (no header line)');
  const [headerLine, ...restOfFirst] = first.value as [RawLine, ...RawLine[]];
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(headerLine.text.replace(/^\uFEFF/, '')); // a byte-order mark some editors add
  } catch {
    throw new RecordingLineError(file, 1, 'header is not valid JSON');
  }
  const sensors = (headerJson as { sensors?: unknown } | null)?.sensors;
  if (Array.isArray(sensors) && sensors.length > MAX_HEADER_SENSORS) {
    throw new RecordingLineError(file, 1, `header lists ${sensors.length} sensors; at most ${MAX_HEADER_SENSORS} are supported`);
  }
  const header = validateHeader(headerJson);
  if (!header.ok) throw new RecordingLineError(file, 1, header.reason);
  // Shapes line by line; times in per-sensor order with a short look-ahead, so a one-line spike costs that line only.
  const validator = createLineValidator(header.value, { order: false });
  const order = createTimeOrder(header.value);

  /**
   * JSON.parse of a whole batch as one array is much faster than line by line. It is used only when every
   * line looks like one object ({...}) and the array has exactly one object per line; otherwise (a bad
   * line somewhere) the batch is parsed line by line, so errors keep their line numbers.
   */
  function parseWhole(lines: RawLine[]): unknown[] | null {
    for (const { text } of lines) if (text[0] !== '{' || text[text.length - 1] !== '}') return null;
    try {
      const values = JSON.parse(`[${lines.map((l) => l.text).join(',')}]`) as unknown[];
      if (values.length !== lines.length) return null;
      for (const v of values) if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
      return values;
    } catch {
      return null;
    }
  }

  /** A line that cannot be used: strict mode stops; lenient mode skips it, counts it and warns. */
  function badLine(number: number, reason: string, usable: number): void {
    const error = new RecordingLineError(file, number, reason);
    if (mode === 'strict') throw error;
    stats.badLines++;
    warn(`${error.message} (skipped)`);
    if (stats.badLines > MAX_BAD_LINES && stats.badLines > usable) {
      throw new RecordingLineError(file, number, `too many bad lines (${stats.badLines} skipped, ${usable} usable): is this a hinge recording?`);
    }
  }

  function parse(batch: RawLine[]): RecordingLine[] {
    const out: RecordingLine[] = [];
    const dropped: DroppedLine[] = [];
    const lines = batch.filter((l) => l.text.trim() !== '');
    const whole = parseWhole(lines);
    for (let i = 0; i < lines.length; i++) {
      const { text, number } = lines[i]!;
      let json: unknown;
      let reason: string | undefined;
      if (whole) json = whole[i];
      else {
        try {
          json = JSON.parse(text);
        } catch {
          reason = 'not valid JSON';
        }
      }
      if (reason === undefined) {
        const result = validator.validate(json);
        if (result.ok) {
          order.push(result.value, number, out, dropped);
          if (dropped.length > 0) {
            for (const d of dropped) badLine(d.at, d.reason, stats.lines + out.length);
            dropped.length = 0;
          }
          continue;
        }
        reason = result.reason;
      }
      badLine(number, reason, stats.lines + out.length);
    }
    stats.lines += out.length;
    return out;
  }

  /** The lines still held for the look-ahead, once the file has ended. */
  function rest(): RecordingLine[] {
    const out: RecordingLine[] = [];
    order.end(out);
    stats.lines += out.length;
    return out;
  }

  async function* batches(): AsyncGenerator<RecordingLine[]> {
    if (restOfFirst.length > 0) yield parse(restOfFirst);
    let lastLine = restOfFirst[restOfFirst.length - 1]?.number ?? 1;
    try {
      for await (const batch of raw) {
        lastLine = batch[batch.length - 1]?.number ?? lastLine;
        yield parse(batch);
      }
    } catch (error) {
      throw asLineError(error, lastLine + 1);
    }
    const last = rest();
    if (last.length > 0) yield last;
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
