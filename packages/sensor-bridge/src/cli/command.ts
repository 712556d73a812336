// The shape of one `hinge` sub-command. Each command lives in commands/<name>.ts and is listed (with
// its one-line summary) in main.ts. Commands write results to `io.out` and diagnostics to `io.err`, and return an exit code;
// they throw `CliError` for a one-line, user-facing failure.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Resolves when the user asks to stop (Ctrl-C); long-running commands should watch it. */
  interrupted: Promise<void>;
}

export interface Command {
  /** Usage text shown by `hinge help <command>` and on a usage error. */
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * The codes a CliError carries, with the exit code each gives. They are grouped by what the user must
 * do, not by where they are thrown; README.md "Errors and exit codes" lists them with that. Codes of
 * the protocol's ERROR_CODES and of the recording reader are reused where the meaning is the same.
 */
export const CLI_EXIT_CODES = {
  /** The command line is wrong (an option, an argument, a value); usage text follows. */
  HINGE_ERR_USAGE: 2,
  /** An input file named on the command line is missing, a directory, or cannot be read. */
  HINGE_ERR_CANNOT_READ: 1,
  /** An input file (or $HINGE_DATABASE_URL) was read but holds nothing the command can use. */
  HINGE_ERR_BAD_INPUT: 1,
  /** The output file exists (`record` and `import` never overwrite one). */
  HINGE_ERR_OUTPUT_EXISTS: 1,
  /** The output file's folder does not exist. */
  HINGE_ERR_CANNOT_WRITE: 1,
  /** `serve`: the port or address cannot be listened on. */
  HINGE_ERR_CANNOT_LISTEN: 1,
  /** Ctrl-C or SIGTERM stopped the command. */
  HINGE_ERR_INTERRUPTED: 130,
  /** A line of the recording cannot be read (the reader's RecordingLineError). */
  HINGE_ERR_RECORDING_LINE: 1,
  HINGE_ERR_CLINIC_DB: 1,
  HINGE_ERR_BLE_SENSOR_NOT_FOUND: 1,
  HINGE_ERR_BLE_NO_TAP: 1,
} as const;
export type CliErrorCode = keyof typeof CLI_EXIT_CODES;

/** A one-line, user-facing failure: `hinge CMD: CODE: message`; the code decides the exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.exitCode = CLI_EXIT_CODES[code];
  }
}

/** Parses a command's arguments (options, and positionals when allowed); a mistake is HINGE_ERR_USAGE. */
export function parseCommandArgs<O extends OptionsConfig>(args: string[], options: O, usage: string, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError('HINGE_ERR_USAGE', `${(error as Error).message}\n\n${usage}`);
  }
}

/** A file argument must name an existing file: a missing one or a directory is HINGE_ERR_CANNOT_READ. */
export function requireFile(file: string, what = 'file'): void {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    throw new CliError('HINGE_ERR_CANNOT_READ', `no such ${what}: ${file}`);
  }
  if (stats.isDirectory()) throw new CliError('HINGE_ERR_CANNOT_READ', `${file} is a directory; give a recording file (.jsonl or .jsonl.gz)`);
}

/** An output file goes into an existing folder (HINGE_ERR_CANNOT_WRITE) and, unless `overwrite`, must not exist (HINGE_ERR_OUTPUT_EXISTS). */
export function requireOutput(file: string, overwrite = false): void {
  if (!overwrite && existsSync(file)) throw new CliError('HINGE_ERR_OUTPUT_EXISTS', `${file} already exists; not overwritten`);
  const folder = path.dirname(file);
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new CliError('HINGE_ERR_CANNOT_WRITE', `no such folder: ${folder}`);
}

/** The text of a small input file (a script, a connection string); one that cannot be read is HINGE_ERR_CANNOT_READ. */
export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError('HINGE_ERR_CANNOT_READ', `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Writes to a stream and waits when it is full, so large outputs (CSV, JSON) do not pile up in memory. */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}
