// The `hinge` command as a user runs it (through the launcher and its bundle, as `pnpm --silent hinge`
// does): the demo server, and `analyze` on the fixtures against their ground truth.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisDocument } from '@hinge/protocol';

/** Data directories of the bridges these tests start, removed afterwards. */
const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'packages/sensor-bridge/bin/hinge.mjs');
const run = promisify(execFile);

describe('hinge analyze FILE --json', () => {
  for (const name of ['clean.jsonl', 'rounding.jsonl.gz', 'squats.jsonl.gz', 'dropout.jsonl.gz', 'distractors.jsonl.gz']) {
    it(`${name}: one hinge-analysis document, reps and faults as in the truth`, async () => {
      const { stdout } = await run(process.execPath, [launcher, 'analyze', path.join(root, 'fixtures', name), '--json'], { maxBuffer: 1 << 26 });
      const doc = JSON.parse(stdout) as AnalysisDocument;
      const truth = JSON.parse(readFileSync(path.join(root, 'fixtures', name.replace(/\.jsonl(\.gz)?$/, '.truth.json')), 'utf8'));
      expect(doc.format).toBe('hinge-analysis');
      expect(doc.reps.map((r) => r.faults.slice().sort())).toEqual(truth.reps.map((r: { faults: string[] }) => r.faults.slice().sort()));
    });
  }

  it('a file that cannot be analysed exits 1 with a one-line reason on stderr', async () => {
    const error = await run(process.execPath, [launcher, 'analyze', path.join(root, 'README.md'), '--json']).catch((e: unknown) => e);
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/README\.md:1: header is not valid JSON/);
  });
});

describe('clear one-line errors', () => {
  const failure = async (args: string[]) => {
    const { code, stdout, stderr } = (await run(process.execPath, [launcher, ...args]).catch((e: unknown) => e)) as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr: stderr.trim() };
  };

  it('a directory where a recording belongs, port 99999 and a busy port', async () => {
    const dir = await failure(['analyze', path.join(root, 'fixtures')]);
    expect(dir).toMatchObject({ code: 1, stdout: '' });
    expect(dir.stderr).toMatch(/fixtures is a directory; give a recording file \(\.jsonl or \.jsonl\.gz\)$/);
    expect(dir.stderr).not.toMatch(/EISDIR|at .*\.ts:/);

    const port = await failure(['serve', '--port', '99999', '--no-session', '--data-dir', tempDir('hinge-port-')]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 1 to 65535 (0: any free port), not "99999"');

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as AddressInfo).port;
    try {
      const inUse = await failure(['serve', '--port', String(taken), '--no-session', '--data-dir', tempDir('hinge-busy-')]);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr.split('\n').at(-1)).toBe(`hinge serve: port ${taken} on 127.0.0.1 is already in use (another hinge serve?); stop it or choose another with --port`);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('--port 0 prints the port the system gave, not :0; a replay that cannot start is one coded line and the bridge serves on', async () => {
    const bad = path.join(tempDir('hinge-bad-replay-'), 'many-sensors.jsonl');
    writeFileSync(bad, JSON.stringify({ format: 'hinge-recording', version: 1, startedAt: '2026-01-05T09:00:00.000Z', sensors: Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, placement: 'x' })) }) + '\n');
    const child = spawn(process.execPath, [launcher, 'serve', '--port', '0', '--replay', bad, '--data-dir', tempDir('hinge-port0-')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
        setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/$/);
      expect(await fetch(new URL('api/health', url)).then((r) => r.json())).toMatchObject({ ok: true });
      expect(stderr).toMatch(/^could not start the replay session: HINGE_ERR_SOURCE: .*many-sensors\.jsonl:1: header lists 500 sensors; at most 16 are supported$/m);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      const exited = child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null;
      child.kill('SIGINT');
      await exited;
    }
  }, 60_000);

  it('analyze prints angles in degrees and the hip share in percent, as the dashboard does', async () => {
    const { stdout } = await run(process.execPath, [launcher, 'analyze', path.join(root, 'fixtures', 'clean.jsonl')]);
    const firstRep = stdout.split('\n').find((line) => /^1\t/.test(line))!;
    expect(firstRep).toMatch(/^1\t[^\t]*\t[\d.]+\t-?\d+°\t-?\d+°\t-?\d+°\t\d+ %\t/);
  });
});

describe('hinge serve (the demo)', () => {
  it('prints its URL, serves the dashboard, and the demo autopilot calibrates and starts a set on a simulated patient', async () => {
    const dataDir = tempDir('hinge-demo-');
    const port = String(41000 + Math.floor(Math.random() * 2000));
    const child = spawn(process.execPath, [launcher, 'serve', '--port', port, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
          if (m) resolve(m[0]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
        setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      });
      const page = await fetch(url).then((r) => r.text());
      expect(page).toMatch(/<div id="root"|dashboard is not built/);
      type Listed = { id: string; status: string; label: string; source: { kind: string }; activeSet: number | null; t: number };
      const sessions = (await fetch(new URL('api/sessions', url)).then((r) => r.json())) as Listed[];
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ status: 'live', source: { kind: 'simulator' } });
      expect(sessions[0]!.label).toMatch(/^Demo \d{4}-\d\d-\d\d \d\d:\d\d \(autopilot: calibrates, starts the sets, ends\)$/);
      // In real time: nothing runs at first; the calibration comes at 3 s, the first set 30 s later.
      expect(sessions[0]!.activeSet).toBeNull();
      let session = sessions[0]!;
      while (session.activeSet === null) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        session = (await fetch(new URL(`api/sessions/${session.id}`, url)).then((r) => r.json())) as Listed & { calibration: unknown };
      }
      expect(session.t).toBeGreaterThanOrEqual(33);
      expect((session as Listed & { calibration: unknown }).calibration).not.toBeNull();
    } finally {
      const exited = child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null;
      child.kill('SIGINT');
      await exited;
    }
  }, 80_000);
});
