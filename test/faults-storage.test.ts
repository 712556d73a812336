// Fault injection on storage: the disk filling up while a session records. `node:fs` is wrapped so that
// writes to the recording under test behave like a full disk: what still fits is written (a partial
// write), then every write fails with ENOSPC, exactly what write(2) does. Expected: a clear error, the
// recording closed, everything written before kept and readable, and the process carrying on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type * as NodeFs from 'node:fs';
import type { RecordingHeader, RecordingLine } from '@hinge/protocol';
import { CLIENT_HEADER } from '../packages/sensor-bridge/src/server/request-guard';

/** Marks a body-less POST as sent by script (request-guard.ts). */
const SCRIPTED = { [CLIENT_HEADER]: 'test' };

/** The simulated disk: files whose path matches `pattern` share `freeBytes`. */
const disk = vi.hoisted(() => ({ pattern: /$^/, freeBytes: Infinity, fds: new Set<number>(), failures: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const openSync = ((file: NodeFs.PathLike, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(file, ...rest);
    if (disk.pattern.test(String(file))) disk.fds.add(fd);
    return fd;
  }) as typeof fs.openSync;
  const writeSync = ((fd: number, ...args: unknown[]) => {
    if (!disk.fds.has(fd)) return (fs.writeSync as (...a: unknown[]) => number)(fd, ...args);
    // The writer's call: writeSync(fd, buffer, offset).
    const buffer = args[0] as Uint8Array;
    const offset = (args[1] as number | undefined) ?? 0;
    const wanted = buffer.byteLength - offset;
    if (disk.freeBytes <= 0) {
      disk.failures++;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    const n = Math.min(wanted, disk.freeBytes);
    disk.freeBytes -= n;
    return fs.writeSync(fd, buffer, offset, n);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync };
});

// Imported after the mock is declared (vi.mock is hoisted): these modules see the wrapped fs.
const { RecordingWriter } = await import('../packages/sensor-bridge/src/recording/writer');
const { readRecording } = await import('../packages/sensor-bridge/src/recording/reader');
const { buildApp } = await import('../packages/sensor-bridge/src/server/app');
const { resolveRecordingPath } = await import('../packages/sensor-bridge/src/storage/archive');

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'hinge-faults-disk-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  disk.pattern = /$^/;
  disk.freeBytes = Infinity;
  disk.fds.clear();
  disk.failures = 0;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-01-05T09:00:00.000Z',
  sensors: [{ id: 'sacrum', placement: 'sacrum', sampleRateHz: 100 }],
};
const sample = (i: number): RecordingLine => ({ t: i / 100, sensor: 'sacrum', acc: [0.01 * i, 0, 9.81], gyr: [0, 0.001 * i, 0] });

describe('disk full while recording (RecordingWriter)', () => {
  it('reports once, closes the file, keeps every line flushed before, and refuses later lines without growing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rec.jsonl');
    disk.pattern = /rec\.jsonl$/;
    disk.freeBytes = 20_000;
    const errors: Error[] = [];
    const writer = new RecordingWriter(file, header, { flushIntervalMs: 1_000_000, onError: (e) => errors.push(e) });
    let i = 0;
    let linesOnDisk = writer.writtenLineCount;
    // Flush every 50 lines, as the 250 ms timer would, until the disk is full.
    while (!writer.failed) {
      for (let k = 0; k < 50; k++) writer.append(sample(i++));
      writer.flush();
      if (!writer.failed) linesOnDisk = writer.writtenLineCount;
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/disk full/);
    expect((writer.failed as Error & { code: string }).code).toBe('HINGE_ERR_RECORDING_WRITE');

    // Later appends and flushes are refused quietly: no new error, no new write attempt.
    const failuresAtClose = disk.failures;
    for (let k = 0; k < 10_000; k++) writer.append(sample(i++));
    writer.flush();
    writer.close();
    expect(errors).toHaveLength(1);
    expect(disk.failures).toBe(failuresAtClose);

    // The file holds the header and every line that was flushed before, and the whole lines of the batch
    // that fitted in part; the partial line is cut off again, so the file is strictly valid.
    const { lines, stats } = await readRecording(file, { mode: 'strict' });
    expect(lines.length).toBeGreaterThanOrEqual(linesOnDisk - 1);
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, k) => sample(k)));
    expect(errors[0]!.message).toContain(`${lines.length + 1} lines written before are kept`);
    expect(stats.truncated).toBe(false);
    const bytes = readFileSync(file);
    expect(bytes.length).toBeLessThanOrEqual(20_000);
    expect(bytes.length).toBeGreaterThan(20_000 - 200); // at most one line lost
    expect(bytes[bytes.length - 1]).toBe(0x0a);
  });
});

describe('disk full while a live session records (bridge)', () => {
  it('the session keeps streaming and analysing, warns with the disk-full message, and its recording keeps all it had', async () => {
    const dataDir = tempDir();
    const app = await buildApp({ dataDir, replayDirs: [path.resolve(__dirname, '../fixtures')] });
    try {
      disk.pattern = /recordings\/.*\.jsonl\.gz$/;
      disk.freeBytes = 40_000;
      const patient = app.bridge.hub.createPatient({ name: 'Disk' });
      // In a loop: on a loaded machine the 68 s file at 20x could end before the checks below.
      const source = { kind: 'replay' as const, recording: 'clean.jsonl', speed: 20, loop: true };
      const session = await app.bridge.hub.createSession({ patientId: patient.id, source });
      const state = async () => (await app.inject({ url: `/api/sessions/${session.id}` })).json();
      const deadline = Date.now() + 20_000;
      while (!(await state()).warnings.some((w: string) => /disk full/.test(w))) {
        if (Date.now() > deadline) throw new Error('the disk-full warning never came');
        await new Promise((r) => setTimeout(r, 50));
      }
      const atFailure = await state();
      expect(atFailure.status).toBe('live');
      // Analysis goes on after the recording stopped: time and reps keep advancing.
      await new Promise((r) => setTimeout(r, 1500));
      const later = await state();
      expect(later.status).toBe('live');
      expect(later.t).toBeGreaterThan(atFailure.t + 5);

      const stopped = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: SCRIPTED });
      expect(stopped.statusCode).toBe(200);
      expect(stopped.json().status).toBe('stopped');
      const recordingPath = resolveRecordingPath(app.bridge.layout.root, app.bridge.store.getSession(session.id)!.recordingPath!);
      // Live recordings are one sync-flushed gzip stream: the file keeps its whole flushes (at most one
      // flush, 250 ms of session, is cut off again) and never grows past the space there was.
      expect(recordingPath.endsWith('.jsonl.gz')).toBe(true);
      const bytes = readFileSync(recordingPath);
      expect(bytes.length).toBeLessThanOrEqual(40_000);
      const { lines, stats } = await readRecording(recordingPath, { mode: 'strict' });
      expect(stats.badLines).toBe(0);
      expect(lines.length).toBeGreaterThan(500);
      // Lines on disk are a prefix of the session: time never goes back and starts at 0.
      expect(lines[0]!.t).toBeLessThan(0.1);
      // The stored recording can still be analysed and exported.
      expect((await app.inject({ url: `/api/sessions/${session.id}/analysis` })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
