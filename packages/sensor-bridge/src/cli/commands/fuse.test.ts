// `hinge fuse`: quaternions for good rows; nothing on stdout before a failure.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedIO } from '../../../test/captured-io';
import { CliError } from '../command';
import { fuseCommand } from './fuse';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-fuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hinge fuse', () => {
  it('prints t,qw,qx,qy,qz for every row of a still sensor (level: identity up to heading)', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${(i * 0.01).toFixed(2)},0,0,9.81,0,0,0`);
    const file = path.join(dir, 'still.csv');
    writeFileSync(file, ['t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z', ...rows].join('\n') + '\n');
    const c = capturedIO();
    expect(await fuseCommand.run([file], c.io)).toBe(0);
    const lines = c.out().trim().split('\n');
    expect(lines[0]).toBe('t,qw,qx,qy,qz');
    expect(lines).toHaveLength(201);
    const [, qw, qx, qy] = lines[200]!.split(',').map(Number);
    expect(Math.abs(qx!) + Math.abs(qy!)).toBeLessThan(1e-3);
    expect(Math.abs(qw!)).toBeGreaterThan(0);
  });

  it('fails on a bad header without printing the output header first', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'time,ax,ay\n0,1,2\n');
    const c = capturedIO();
    await expect(fuseCommand.run([file], c.io)).rejects.toThrow(CliError);
    await expect(fuseCommand.run([file], c.io)).rejects.toThrow(/header lacks column\(s\) t, acc_x/);
    expect(c.out()).toBe('');
  });

  it('fails when the rate cannot be told, without printing the header', async () => {
    const file = path.join(dir, 'no-rate.csv');
    writeFileSync(file, 't,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,0,0,9.81,0,0,0\n');
    const c = capturedIO();
    await expect(fuseCommand.run([file], c.io)).rejects.toThrow(/sample rate/);
    expect(c.out()).toBe('');
  });
});
