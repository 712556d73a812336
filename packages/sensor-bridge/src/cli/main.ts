#!/usr/bin/env node
// `hinge`: the command-line entry point. Run from the repository root as `pnpm --silent hinge <command>`.
import { CliError, type CliIO, type Command } from './command';
import { analyzeCommand } from './commands/analyze';
import { dbCommand } from './commands/db';
import { decodeCommand } from './commands/decode';
import { anglesCommand } from './commands/angles';
import { fuseCommand } from './commands/fuse';
import { importCommand } from './commands/import';
import { recordCommand } from './commands/record';
import { replayCommand } from './commands/replay';
import { scanCommand } from './commands/scan';
import { serveCommand } from './commands/serve';
import { simulateCommand } from './commands/simulate';
import { tokenCommand } from './commands/token';

const commands: Record<string, Command> = {
  simulate: simulateCommand,
  analyze: analyzeCommand,
  angles: anglesCommand,
  fuse: fuseCommand,
  import: importCommand,
  replay: replayCommand,
  serve: serveCommand,
  scan: scanCommand,
  record: recordCommand,
  decode: decodeCommand,
  db: dbCommand,
  token: tokenCommand,
};

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: hinge <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'hinge help <command>' shows a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] && commands[rest[0]];
    io.out.write(topic ? topic.usage.trimEnd() + '\n' : helpText());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.err.write(`hinge: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err.write(`hinge ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    // Known failures (a full or read-only disk, a bad recording ...) carry a HINGE_ERR_ code: one line, no stack.
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && code.startsWith('HINGE_ERR_')) {
      io.err.write(`hinge ${name}: ${error.message.startsWith(code) ? '' : `${code}: `}${error.message.split('\n')[0]}\n`);
      return 1;
    }
    io.err.write(`hinge ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
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
