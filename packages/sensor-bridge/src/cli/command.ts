// The shape of one `hinge` sub-command. Each command lives in commands/<name>.ts and is listed (with
// its one-line summary) in main.ts. Commands write results to `io.out` and diagnostics to `io.err`, and return an exit code;
// they throw `CliError` for a one-line, user-facing failure.

import { statSync } from 'node:fs';
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

/** Parses a command's arguments (options plus positionals); a usage mistake is a CliError with exit code 2. */
export function parseCommandArgs<O extends OptionsConfig>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${usage}`, 2);
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** A HINGE_ERR_ code, printed before the message (the failures of issue #17 carry one). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A file argument must name an existing file: a missing one or a directory is a one-line CliError. */
export function requireFile(file: string, what = 'file'): void {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    throw new CliError(`no such ${what}: ${file}`);
  }
  if (stats.isDirectory()) throw new CliError(`${file} is a directory; give a recording file (.jsonl or .jsonl.gz)`);
}

/** Writes to a stream and waits when it is full, so large outputs (CSV, JSON) do not pile up in memory. */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}
