// The `hinge` commands that write to disk, on a disk that will not take it (issue #17): a read-only file
// system and a full one, mounted by this test as small tmpfs (it needs root and mount rights, and says
// loudly when it skips). Each command must exit 1 with one line that carries a HINGE_ERR_ code: no
// stack trace, no `ENOENT` for a read-only disk, and the files already there left as they were.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'packages/sensor-bridge/bin/hinge.mjs');
const base = mkdtempSync(path.join(tmpdir(), 'hinge-cli-disk-'));
const readOnly = path.join(base, 'ro');
const full = path.join(base, 'full');
let skipReason = '';

beforeAll(() => {
  if (process.getuid?.() !== 0) skipReason = 'not root';
  for (const [dir, options] of [[readOnly, 'size=1m'], [full, 'size=256k']] as const) {
    if (skipReason) break;
    mkdirSync(dir);
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
    if (result.status !== 0) skipReason = `mount -t tmpfs failed: ${(result.stderr || result.error?.message || '').trim()}`;
  }
  if (skipReason) {
    console.warn(`\n*** SKIPPED: cli-storage needs small tmpfs mounts (${skipReason}); the read-only and full-disk CLI tests did not run ***\n`);
    return;
  }
  // An existing data directory on the read-only disk, and a disk filled to the last byte.
  mkdirSync(path.join(readOnly, 'existing'));
  writeFileSync(path.join(readOnly, 'existing', 'access-token'), 'an-access-token-from-before-0123\n', { mode: 0o600 });
  expect(spawnSync('mount', ['-o', 'remount,ro', readOnly]).status).toBe(0);
  spawnSync('dd', ['if=/dev/zero', `of=${path.join(full, 'filler')}`, 'bs=4096']);
});
afterAll(() => {
  for (const dir of [readOnly, full]) spawnSync('umount', ['-l', dir]);
  rmSync(base, { recursive: true, force: true });
});

function hinge(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

/** Exit 1, and stderr is one line: `hinge CMD: HINGE_ERR_...: ...` matching `reason`. */
function expectOneCodedLine(result: { status: number | null; stderr: string }, command: string, reason: RegExp): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^hinge ${command}: HINGE_ERR_[A-Z_]+: `));
  expect(lines[0]).toMatch(reason);
  expect(result.status).toBe(1);
}

describe('a read-only disk', () => {
  it.each([
    ['serve', ['serve', '--no-session', '--port', '0', '--data-dir']],
    ['token', ['token', 'rotate', '--data-dir']],
  ])('hinge %s on a new data directory: HINGE_ERR_STORAGE, read-only (not ENOENT)', (command, args) => {
    if (skipReason) return;
    expectOneCodedLine(hinge(...args, path.join(readOnly, 'new', 'data')), command, /HINGE_ERR_STORAGE: .*read-only \(EROFS\)$/);
  });

  it.each([
    ['serve', ['serve', '--no-session', '--port', '0', '--data-dir']],
    ['token', ['token', 'rotate', '--data-dir']],
  ])('hinge %s on an existing data directory: HINGE_ERR_STORAGE, its files left as they were', (command, args) => {
    if (skipReason) return;
    expectOneCodedLine(hinge(...args, path.join(readOnly, 'existing')), command, /HINGE_ERR_STORAGE: .*read-only \(/);
    expect(readFileSync(path.join(readOnly, 'existing', 'access-token'), 'utf8')).toBe('an-access-token-from-before-0123\n');
  });
});

describe('a full disk', () => {
  it('hinge serve: HINGE_ERR_STORAGE, disk full', () => {
    if (skipReason) return;
    expectOneCodedLine(hinge('serve', '--no-session', '--port', '0', '--data-dir', path.join(full, 'data')), 'serve', /HINGE_ERR_STORAGE: .*disk full \((ENOSPC|SQLITE_FULL)\)$/);
  });

  it.each([['x.jsonl'], ['x.jsonl.gz']])('hinge simulate --out %s: HINGE_ERR_STORAGE, disk full', (name) => {
    if (skipReason) return;
    expectOneCodedLine(hinge('simulate', '--duration', '60', '--out', path.join(full, name)), 'simulate', /HINGE_ERR_STORAGE: .*disk full \(ENOSPC\)$/);
  });

  it('hinge import to a full disk: HINGE_ERR_STORAGE, disk full', () => {
    if (skipReason) return;
    const csv = path.join(base, 'sensor.csv');
    writeFileSync(csv, 't_s,ax,ay,az,gx,gy,gz\n' + Array.from({ length: 20_000 }, (_, i) => `${i / 100},0,0,9.8,0,0,0`).join('\n') + '\n');
    const result = hinge('import', 'generic', path.join(full, 'imported.jsonl'), '--sacrum', csv, '--thoracic', csv, '--columns', 't=t_s;acc=ax,ay,az;gyr=gx,gy,gz');
    expectOneCodedLine(result, 'import', /HINGE_ERR_STORAGE: .*disk full \(ENOSPC\)$/);
  });
});
