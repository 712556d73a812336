// The `hinge` command as a user runs it (through the launcher and its bundle, as `pnpm --silent hinge`
// does): the demo server, and `analyze` on the fixtures against their ground truth. The walk over every
// command's failures runs in this process, through main() (the launcher exits with what main returns).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisDocument } from '@hinge/protocol';
import { CLI_EXIT_CODES } from '../packages/sensor-bridge/src/cli/command';
import { main } from '../packages/sensor-bridge/src/cli/main';
import { capturedIO } from '../packages/sensor-bridge/test/captured-io';

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
      expect(inUse.stderr.split('\n').at(-1)).toBe(`hinge serve: HINGE_ERR_CANNOT_LISTEN: port ${taken} on 127.0.0.1 is already in use (another hinge serve?); stop it or choose another with --port`);
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

/** README.md "Errors and exit codes": each code (`HINGE_ERR_BLE_` for the row of all `HINGE_ERR_BLE_...`) with its exit status. */
function documentedExitCodes(): Map<string, number> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Errors and exit codes'));
  const table = section.slice(section.indexOf('| code |'), section.indexOf('\n\n', section.indexOf('| code |')));
  return new Map([...table.matchAll(/^\| `(HINGE_ERR_[A-Z_]+?)(?:\.\.\.)?` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
}
const documented = documentedExitCodes();
const documentedExit = (code: string) => documented.get(code) ?? (code.startsWith('HINGE_ERR_BLE_') ? documented.get('HINGE_ERR_BLE_') : undefined);

describe('every failure is one coded line with its documented exit status (issue #17)', () => {
  it('README.md lists every code a CliError can carry, with the exit status it gives', () => {
    expect(documented.size).toBeGreaterThan(10);
    for (const [code, exit] of Object.entries(CLI_EXIT_CODES)) expect([code, documentedExit(code)]).toEqual([code, exit]);
  });

  it('bad options, missing and bad files, existing outputs and bad numbers of every command', async () => {
    const dir = tempDir('hinge-failures-');
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const clean = path.join(root, 'fixtures', 'clean.jsonl');
    const missing = path.join(dir, 'missing.jsonl');
    const noFolder = path.join(dir, 'no-such-folder', 'out.jsonl');
    const out = path.join(dir, 'out.jsonl');
    const existing = file('existing.jsonl', '');
    const notes = file('notes.jsonl', 'hello\n');
    // Two still samples: read fine, but no standing period to calibrate on.
    const uncalibrated = file('uncalibrated.jsonl', [JSON.stringify({ format: 'hinge-recording', version: 1, startedAt: '2026-01-05T09:00:00.000Z', sensors: [{ id: 'sacrum', placement: 'sacrum' }, { id: 'thoracic', placement: 'thoracic' }] }), JSON.stringify({ t: 0, sensor: 'sacrum', acc: [0, 0, 9.81], gyr: [0, 0, 0] })].join('\n') + '\n');
    const notJson = file('script.json', '[{"kind":');
    const badStep = file('bad-step.json', '[{"kind":"fly"}]');
    const noColumns = file('no-columns.csv', 'a,b\n1,2\n');
    const notVendor = file('not-vendor.csv', 'x\n');
    const mysql = file('mysql-url', 'mysql://clinic/db\n');
    const postgres = file('postgres-url', 'postgres://hinge@127.0.0.1:1/clinic\n');
    const cases: [args: string[], code: string, message: RegExp][] = [
      [['frobnicate'], 'HINGE_ERR_USAGE', /^unknown command "frobnicate"$/],
      [['analyze', clean, '--bogus'], 'HINGE_ERR_USAGE', /Unknown option '--bogus'/],
      [['analyze'], 'HINGE_ERR_USAGE', /^give exactly one recording$/],
      [['analyze', missing], 'HINGE_ERR_CANNOT_READ', /^no such file: .*missing\.jsonl$/],
      [['analyze', dir], 'HINGE_ERR_CANNOT_READ', /is a directory/],
      [['analyze', clean, '--tempo', 'fast'], 'HINGE_ERR_USAGE', /^--tempo must be a number, not "fast"$/],
      [['analyze', clean, '--pain', '99'], 'HINGE_ERR_USAGE', /^--pain must be/],
      [['analyze', notes], 'HINGE_ERR_RECORDING_LINE', /^cannot analyse .*notes\.jsonl:1: header is not valid JSON$/],
      [['analyze', uncalibrated], 'HINGE_ERR_BAD_INPUT', /^cannot analyse .*uncalibrated\.jsonl: calibration impossible/],
      [['angles', clean], 'HINGE_ERR_USAGE', /^only --csv output is supported/],
      [['angles', missing, '--csv'], 'HINGE_ERR_CANNOT_READ', /^no such file: /],
      [['replay', clean, '--speed=-1'], 'HINGE_ERR_USAGE', /^--speed must be a number >= 0, not "-1"$/],
      [['replay', missing], 'HINGE_ERR_CANNOT_READ', /^no such file: /],
      [['replay', notes], 'HINGE_ERR_SOURCE', /^cannot replay notes\.jsonl: .*header is not valid JSON$/],
      [['simulate', '--seed', 'x'], 'HINGE_ERR_USAGE', /^--seed must be a number, not "x"$/],
      [['simulate', '--noise', 'loud'], 'HINGE_ERR_USAGE', /^--noise must be none or typical or high$/],
      [['simulate', 'extra'], 'HINGE_ERR_USAGE', /Unexpected argument 'extra'/],
      [['simulate', '--duration', '5', '--script', badStep], 'HINGE_ERR_USAGE', /^give --duration or --script, not both$/],
      [['simulate', '--script', path.join(dir, 'missing.json')], 'HINGE_ERR_CANNOT_READ', /^cannot read script .*missing\.json: ENOENT$/],
      [['simulate', '--script', notJson], 'HINGE_ERR_BAD_INPUT', /^script .*script\.json is not valid JSON$/],
      [['simulate', '--script', badStep], 'HINGE_ERR_SIMULATOR', /^step 1: kind must be one of /],
      [['simulate', '--duration', '5', '--out', noFolder], 'HINGE_ERR_CANNOT_WRITE', /^no such folder: .*no-such-folder$/],
      [['fuse'], 'HINGE_ERR_USAGE', /^give exactly one CSV file$/],
      [['fuse', path.join(dir, 'missing.csv')], 'HINGE_ERR_CANNOT_READ', /^no such file: /],
      [['fuse', noColumns, '--rate', '0'], 'HINGE_ERR_USAGE', /^--rate must be a positive number of Hz$/],
      [['fuse', noColumns], 'HINGE_ERR_BAD_INPUT', /no-columns\.csv:1: header lacks column\(s\) t, acc_x/],
      [['import', 'fitbit', '--sacrum', notVendor, '--thoracic', notVendor, out], 'HINGE_ERR_USAGE', /^unknown format "fitbit"/],
      [['import', 'dot', '--sacrum', notVendor, '--thoracic', notVendor, existing], 'HINGE_ERR_OUTPUT_EXISTS', /existing\.jsonl already exists; not overwritten$/],
      [['import', 'dot', '--sacrum', notVendor, '--thoracic', notVendor, noFolder], 'HINGE_ERR_CANNOT_WRITE', /^no such folder: /],
      [['import', 'dot', '--sacrum', path.join(dir, 'missing.csv'), '--thoracic', notVendor, out], 'HINGE_ERR_CANNOT_READ', /^no such file: .*missing\.csv$/],
      [['import', 'dot', '--sacrum', notVendor, '--thoracic', notVendor, out], 'HINGE_ERR_IMPORT', /not-vendor\.csv/],
      [['record'], 'HINGE_ERR_USAGE', /^give exactly one output file$/],
      [['record', existing], 'HINGE_ERR_OUTPUT_EXISTS', /existing\.jsonl already exists; not overwritten$/],
      [['record', noFolder], 'HINGE_ERR_CANNOT_WRITE', /^no such folder: /],
      [['record', out, '--seconds=-1'], 'HINGE_ERR_USAGE', /^--seconds must be a positive number \(got -1\)$/],
      [['record', out, '--data-dir', dir], 'HINGE_ERR_USAGE', /^no sensor known for the sacrum/],
      [['record', out, '--sacrum', 'AA:01', '--thoracic', 'aa:01', '--data-dir', dir], 'HINGE_ERR_USAGE', /two different devices$/],
      [['scan', '--seconds', '0'], 'HINGE_ERR_USAGE', /^--seconds must be between 0 and 600/],
      [['scan', '--identify', 'knee'], 'HINGE_ERR_USAGE', /^--identify takes sacrum or thoracic/],
      [['decode', 'metamotion'], 'HINGE_ERR_USAGE', /^give a model and at least one packet$/],
      [['decode', 'dot', 'zz'], 'HINGE_ERR_USAGE', /^not hex bytes: "zz"$/],
      [['decode', 'metamotion', '030400000000', '--acc-range', '3'], 'HINGE_ERR_USAGE', /^--acc-range must be one of 2, 4, 8, 16/],
      [['serve', '--port', '99999'], 'HINGE_ERR_USAGE', /^--port must be a whole number/],
      [['serve', '--speed', '0'], 'HINGE_ERR_USAGE', /^--speed must be a positive number, not "0"$/],
      [['serve', '--log-level', 'loud', '--data-dir', dir], 'HINGE_ERR_USAGE', /^--log-level must be one of/],
      [['serve', '--replay', missing], 'HINGE_ERR_CANNOT_READ', /^no such recording: .*missing\.jsonl$/],
      [['serve', '--database-url', 'postgres://x'], 'HINGE_ERR_USAGE', /^the connection string is not taken from the command line/],
      [['serve', '--review'], 'HINGE_ERR_USAGE', /^--review needs the clinic database/],
      [['serve', '--database-file', path.join(dir, 'missing-url')], 'HINGE_ERR_CANNOT_READ', /^cannot read --database-file .*missing-url: ENOENT$/],
      [['serve', '--database-file', mysql], 'HINGE_ERR_BAD_INPUT', /does not hold a postgres:\/\/ connection string$/],
      [['db', 'migrate'], 'HINGE_ERR_USAGE', /^no clinic database/],
      [['db', 'frobnicate', '--database-file', postgres], 'HINGE_ERR_USAGE', /^unknown action "frobnicate"$/],
      [['token'], 'HINGE_ERR_USAGE', /^give the action: rotate$/],
      [['token', 'rotate', '--data-dir', clean], 'HINGE_ERR_STORAGE', /^cannot start on .*clean\.jsonl \(opening the data directory\): not a folder \(ENOTDIR\)$/],
    ];
    const databaseUrl = process.env.HINGE_DATABASE_URL;
    delete process.env.HINGE_DATABASE_URL;
    try {
      for (const [args, code, message] of cases) {
        const io = capturedIO();
        const result = { code: await main(args, io.io), stdout: io.out(), stderr: io.err() };
        const [first, ...rest] = result.stderr.split('\n');
        const prefix = args[0] === 'frobnicate' ? 'hinge' : `hinge ${args[0]}`; // no such command: `hinge: `
        const line = first!.match(new RegExp(`^${prefix}: (HINGE_ERR_[A-Z_]+): (.+)$`));
        const seen = { args: args.join(' '), code: line?.[1], exit: result.code, stdout: result.stdout };
        expect(seen).toEqual({ args: args.join(' '), code, exit: documentedExit(code), stdout: '' });
        expect(line![2]).toMatch(message);
        // One line; after a usage error, the usage text.
        if (code === 'HINGE_ERR_USAGE') expect(rest.join('\n')).toMatch(/^(\nusage: hinge [^]*)?$/);
        else expect(rest).toEqual(['']);
      }
    } finally {
      if (databaseUrl !== undefined) process.env.HINGE_DATABASE_URL = databaseUrl;
    }
  }, 60_000);
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
