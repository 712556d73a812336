#!/usr/bin/env node
// `hinge`: the command-line entry point. Run from the repository root as `pnpm --silent hinge <command>`.
import { CliError, type CliIO, type Command } from './command';
import { describeStorageError, isStorageError } from '../storage/storage-error';

/**
 * The commands, each loaded only when it runs: `hinge analyze` then never loads the server, the
 * database drivers, the PDF or MCAP code (that halved its start-up time and its peak memory). The
 * launcher's bundle keeps each command in its own chunk for this.
 */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  simulate: { summary: 'simulate a hip-hinge session (recording + ground truth)', load: async () => (await import('./commands/simulate')).simulateCommand },
  analyze: { summary: 'analyse a recording: angles, reps, faults, summary (--json for the document)', load: async () => (await import('./commands/analyze')).analyzeCommand },
  angles: { summary: 'print the angle series of a recording as CSV', load: async () => (await import('./commands/angles')).anglesCommand },
  fuse: { summary: 'fuse raw IMU CSV columns into orientation quaternions (t,qw,qx,qy,qz)', load: async () => (await import('./commands/fuse')).fuseCommand },
  import: { summary: 'import vendor exports (MetaBase, Movella DOT, WitMotion, any CSV) into a hinge recording', load: async () => (await import('./commands/import')).importCommand },
  replay: { summary: 'replay a recording through the analysis, printing events as JSON lines', load: async () => (await import('./commands/replay')).replayCommand },
  serve: { summary: 'run the bridge server and dashboard (no arguments: the demo)', load: async () => (await import('./commands/serve')).serveCommand },
  scan: { summary: 'list Bluetooth sensors in range; --identify: tap a sensor to assign its placement', load: async () => (await import('./commands/scan')).scanCommand },
  record: { summary: 'record the two sensors over Bluetooth to a .jsonl(.gz) recording', load: async () => (await import('./commands/record')).recordCommand },
  decode: { summary: 'decode BLE notification bytes of a sensor model to samples (JSON lines)', load: async () => (await import('./commands/decode')).decodeCommand },
  db: { summary: 'the clinic database: migrate, push a station, merge duplicate patients', load: async () => (await import('./commands/db')).dbCommand },
  token: { summary: 'rotate the access token and revoke every display link', load: async () => (await import('./commands/token')).tokenCommand },
};

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: hinge <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'hinge help <command>' shows a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] ? commands[rest[0]] : undefined;
    io.out.write(topic ? (await topic.load()).usage.trimEnd() + '\n' : helpText());
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.err.write(`hinge: HINGE_ERR_USAGE: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    const failure = cliFailure(error);
    io.err.write(`hinge ${name}: ${failure.line}\n`);
    // The stack is for whoever debugs the command, not for its user (issue #17).
    if (!(error instanceof CliError) && process.env.HINGE_DEBUG && error instanceof Error && error.stack) io.err.write(`${error.stack}\n`);
    return failure.exitCode;
  }
}

/**
 * What a failed command prints after `hinge CMD: ` (`CODE: message`) and its exit code. A CliError
 * carries its code; other failures with a HINGE_ERR_ code (a bad recording, Bluetooth ...) keep theirs
 * and exit 1; a full or read-only disk is HINGE_ERR_STORAGE with what happened and the system's code;
 * anything else is HINGE_ERR_INTERNAL. HINGE_DEBUG=1 adds the stack of any but a CliError.
 */
export function cliFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof CliError) return { line: `${error.code}: ${error.message}`, exitCode: error.exitCode };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  if (typeof code === 'string' && code.startsWith('HINGE_ERR_')) return { line: message.startsWith(code) ? message : `${code}: ${message}`, exitCode: 1 };
  if (isStorageError(error)) return { line: `HINGE_ERR_STORAGE: cannot write: ${describeStorageError(error)}`, exitCode: 1 };
  return { line: `HINGE_ERR_INTERNAL: ${message}`, exitCode: 1 };
}

/** Runs the CLI in this process: wires Ctrl-C and broken pipes, then exits with the command's code. */
export function runCli(argv: string[]): void {
  let onInterrupt: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => (onInterrupt = resolve));
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  // Broken pipes (e.g. `hinge angles f | head`) end the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  // Exit once stdout has drained: a command is finished when its promise resolves, and nothing left
  // pending (a socket, a timer) may hold the process open.
  void main(argv, { out: process.stdout, err: process.stderr, interrupted }).then((code) =>
    process.stdout.write('', () => process.exit(code)),
  );
}

// Run directly (`tsx src/cli/main.ts ...`); the launcher bin/hinge.mjs imports the bundle and calls runCli.
const isEntryPoint = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint) runCli(process.argv.slice(2));
