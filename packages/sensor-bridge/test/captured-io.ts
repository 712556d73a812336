// Test support: the CliIO a `hinge` command writes to, kept in memory so tests can read what it printed.
import { PassThrough } from 'node:stream';
import type { CliIO } from '../src/cli/command';

export interface CapturedIO {
  io: CliIO;
  /** Everything written to stdout / stderr so far. */
  out(): string;
  err(): string;
}

export function capturedIO(interrupted: Promise<void> = new Promise(() => {})): CapturedIO {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (d: Buffer) => (outText += d.toString()));
  err.on('data', (d: Buffer) => (errText += d.toString()));
  return { io: { out, err, interrupted }, out: () => outText, err: () => errText };
}
