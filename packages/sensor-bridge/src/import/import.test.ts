// `hinge import`: each vendor format, written here from its documented layout (docs/import.md) out of a
// simulated two-sensor session, comes back as a recording with the same samples (to the export's
// decimals) and the same analysis; bad files give errors naming the file and line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRecordingLines, DEFAULT_SETTINGS } from '@hinge/analysis';
import type { RecordingLine, SampleLine } from '@hinge/protocol';
import { capturedIO } from '../../test/captured-io';
import { simulateSession, randomSession } from '@hinge/simulator';
import { readRecording } from '../recording/reader';
import { importCommand } from '../cli/commands/import';
import { importRecording } from './import-recording';
import { csvRows } from './csv-input';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const G = 9.80665;
const RAD_DEG = 180 / Math.PI;
/** 2026-11-24T10:00:00Z */
const EPOCH0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);

const sim = simulateSession({ seed: 5, script: randomSession(5, { durationS: 90 }) });
const samples = sim.lines.filter((l): l is SampleLine => !('event' in l) && !!l.acc && !!l.gyr);
const of = (sensor: string) => samples.filter((s) => s.sensor === sensor);
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const repsOf = (lines: RecordingLine[], header: Parameters<typeof analyzeRecordingLines>[0]) => analyzeRecordingLines(header, lines, DEFAULT_SETTINGS).reps.length;
const firstT = Math.min(of('sacrum')[0]!.t, of('thoracic')[0]!.t);
const originalReps = repsOf(sim.lines.filter((l) => !('event' in l)), sim.header);

/** Imported samples of one sensor against the simulated ones, matched in order. */
function expectSameSamples(imported: RecordingLine[], sensor: string, tolerance: { acc: number; gyr: number; t: number }, originS = firstT) {
  const got = imported.filter((l): l is SampleLine => !('event' in l) && l.sensor === sensor);
  const want = of(sensor);
  expect(got.length).toBeGreaterThan(want.length * 0.97);
  const t0 = originS; // the simulated time of the import's t = 0 (by default the earlier of the two first samples)
  for (let i = 0; i < got.length; i += 97) {
    const g = got[i]!;
    const w = want.reduce((best, s) => (Math.abs(s.t - t0 - g.t) < Math.abs(best.t - t0 - g.t) ? s : best));
    expect(Math.abs(w.t - t0 - g.t)).toBeLessThanOrEqual(tolerance.t);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(g.acc![k]! - w.acc![k]!)).toBeLessThanOrEqual(tolerance.acc);
      expect(Math.abs(g.gyr![k]! - w.gyr![k]!)).toBeLessThanOrEqual(tolerance.gyr);
    }
  }
}

describe('MbientLab MetaBase CSV', () => {
  // MetaBase-Hub lib/sensor-config.js: `epoch (ms),time (TZ),elapsed (s),x-axis (g),...`, values toFixed(3).
  const metabase = (sensor: string, signal: 'Accelerometer' | 'Gyroscope', shiftMs: number) => {
    const rows = of(sensor).map((s, i) => {
      const epoch = Math.round(EPOCH0_MS + s.t * 1000 + shiftMs);
      const v = signal === 'Accelerometer' ? s.acc!.map((a) => (a / G).toFixed(3)) : s.gyr!.map((g) => (g * RAD_DEG).toFixed(3));
      return `${epoch},${new Date(epoch).toISOString().slice(0, 23)},${(i * 0.01).toFixed(3)},${v.join(',')}`;
    });
    const unit = signal === 'Accelerometer' ? 'g' : 'deg/s';
    return write(`Hinge_2026-11-24T10.00.00.000_C4A1B2C3D4E${sensor === 'sacrum' ? 5 : 6}_${signal}.csv`, [`epoch (ms),time (+00:00),elapsed (s),x-axis (${unit}),y-axis (${unit}),z-axis (${unit})`, ...rows].join('\n') + '\n');
  };
  const files = {
    sacrum: [metabase('sacrum', 'Gyroscope', 2), metabase('sacrum', 'Accelerometer', 0)],
    thoracic: [metabase('thoracic', 'Accelerometer', 0), metabase('thoracic', 'Gyroscope', 3)],
  };

  it('two files per sensor (either order), g and deg/s, gyro resampled at the accelerometer times, epoch clock', async () => {
    const r = await importRecording({ format: 'metabase', sacrum: { sources: files.sacrum.map((file) => ({ file })) }, thoracic: { sources: files.thoracic.map((file) => ({ file })) } });
    // The first accelerometer rows come before the first gyroscope row: left out (said in a warning).
    expect(Math.abs(Date.parse(r.header.startedAt) - (EPOCH0_MS + firstT * 1000))).toBeLessThanOrEqual(20);
    expect(r.warnings.join(' ')).toMatch(/accelerometer rows have no gyroscope data around them/);
    expect(r.header.sensors.map((s) => [s.id, s.model, s.sampleRateHz])).toEqual([
      ['sacrum', 'metamotion', 100],
      ['thoracic', 'metamotion', 100],
    ]);
    // g to 3 decimals is 0.0049 m/s^2; the gyro is interpolated over 2-3 ms of a 10 ms step.
    const originS = (Date.parse(r.header.startedAt) - EPOCH0_MS) / 1000;
    expectSameSamples(r.lines, 'sacrum', { acc: 0.006, gyr: 0.05, t: 0.001 }, originS);
    expectSameSamples(r.lines, 'thoracic', { acc: 0.006, gyr: 0.05, t: 0.001 }, originS);
    expect(repsOf(r.lines, r.header)).toBe(originalReps);
  });

  it('hinge import writes a recording that reads strictly', async () => {
    const out = path.join(dir, 'metabase.jsonl.gz');
    const c = capturedIO();
    expect(await importCommand.run(['metabase', '--sacrum', files.sacrum.join(','), '--thoracic', files.thoracic.join(','), out], c.io)).toBe(0);
    expect(c.err()).toMatch(/imported \d+ samples/);
    const { header, lines } = await readRecording(out, { mode: 'strict' });
    expect(repsOf(lines, header)).toBe(originalReps);
  });

  it('errors name the file and the line', async () => {
    const bad = write('bad_Accelerometer.csv', 'epoch (ms),time (+00:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)\n1764000000000,t,0.000,0.1,0.2,0.9\n1764000000010,t,0.010,abc,0.2,0.9\n');
    await expect(importRecording({ format: 'metabase', sacrum: { sources: [{ file: bad }, { file: files.sacrum[0]! }] }, thoracic: { sources: files.thoracic.map((file) => ({ file })) } })).rejects.toThrow(
      `${bad}:3: column "x-axis (g)" is not a number ("abc")`,
    );
    await expect(importRecording({ format: 'metabase', sacrum: { sources: [{ file: files.thoracic[0]! }, { file: files.sacrum[1]! }] }, thoracic: { sources: files.thoracic.map((file) => ({ file })) } })).rejects.toThrow(/one accelerometer file \(g\) and one gyroscope file/);
    await expect(importRecording({ format: 'metabase', sacrum: { sources: [{ file: files.sacrum[0]! }] }, thoracic: { sources: files.thoracic.map((file) => ({ file })) } })).rejects.toThrow(/two files per sensor/);
  });
});

describe('Movella DOT CSV', () => {
  // Preamble lines, then PacketCounter,SampleTimeFine (µs, uint32, wraps),Acc_X..Z (m/s^2),Gyr_X..Z (deg/s).
  const startUs = 2 ** 32 - 20e6; // wraps 20 s in
  const dot = (sensor: string, name: string) =>
    write(
      name,
      [
        'DOT SDK version: 2023.0.0',
        `Device tag: ${sensor}`,
        'Firmware version: 2.6.0',
        '',
        'PacketCounter,SampleTimeFine,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z',
        ...of(sensor).map((s, i) => [i, Math.round(startUs + s.t * 1e6) % 2 ** 32, ...s.acc!.map((a) => a.toFixed(6)), ...s.gyr!.map((g) => (g * RAD_DEG).toFixed(6))].join(',')),
      ].join('\r\n') + '\r\n',
    );
  const sacrum = dot('sacrum', 'D422CD000001_20261124_100000.csv');
  const thoracic = dot('thoracic', 'D422CD000002_20261124_100000.csv');

  it('skips the preamble, unwraps SampleTimeFine, deg/s to rad/s; synchronised clocks stay one clock', async () => {
    const r = await importRecording({ format: 'dot', sacrum: { sources: [{ file: sacrum }] }, thoracic: { sources: [{ file: thoracic }] }, startedAt: '2026-11-24T10:00:00.000Z' });
    expect(r.header.startedAt).toBe('2026-11-24T10:00:00.000Z');
    expectSameSamples(r.lines, 'sacrum', { acc: 1e-4, gyr: 2e-5, t: 1e-4 });
    expectSameSamples(r.lines, 'thoracic', { acc: 1e-4, gyr: 2e-5, t: 1e-4 });
    expect(repsOf(r.lines, r.header)).toBe(originalReps);
  });

  it('a file without acceleration and rotation (or orientation) is refused with its header line', async () => {
    const f = write('dot-free.csv', 'Preamble\nPacketCounter,SampleTimeFine,FreeAcc_X,FreeAcc_Y,FreeAcc_Z\n0,100,0,0,0\n');
    await expect(importRecording({ format: 'dot', sacrum: { sources: [{ file: f }] }, thoracic: { sources: [{ file: thoracic }] } })).rejects.toThrow(`${f}:2: needs Acc_X..Z and Gyr_X..Z`);
  });
});

describe('WitMotion text export', () => {
  // Tab-separated: time, DeviceName, ChipTime(), AccX(g).., AsX(°/s).., AngleX(°)..; both devices in one file.
  const rows = samples
    .map((s) => ({ s, ms: EPOCH0_MS + Math.round(s.t * 1000) }))
    .map(({ s, ms }) => {
      const d = new Date(ms).toISOString();
      const time = `${d.slice(0, 10)} ${d.slice(11, 23)}`;
      return [time, s.sensor === 'sacrum' ? 'WT901BLE67(c4:11:22:33:44:55)' : 'WT901BLE67(c4:11:22:33:44:66)', 'null', ...s.acc!.map((a) => (a / G).toFixed(4)), ...s.gyr!.map((g) => (g * RAD_DEG).toFixed(3)), '0.00', '0.00', '0.00'].join('\t');
    });
  const file = write('witmotion.txt', ['time\tDeviceName\tChipTime()\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)\tAsZ(°/s)\tAngleX(°)\tAngleY(°)\tAngleZ(°)', ...rows].join('\n') + '\n');

  it('one file, two devices told apart by DeviceName; date-times to the epoch clock', async () => {
    const r = await importRecording({
      format: 'witmotion',
      sacrum: { sources: [{ file }], device: 'WT901BLE67(c4:11:22:33:44:55)' },
      thoracic: { sources: [{ file }], device: 'WT901BLE67(c4:11:22:33:44:66)' },
    });
    expect(Date.parse(r.header.startedAt)).toBe(EPOCH0_MS + Math.round(samples[0]!.t * 1000));
    expectSameSamples(r.lines, 'sacrum', { acc: 0.0006, gyr: 2e-5, t: 0.001 });
    expectSameSamples(r.lines, 'thoracic', { acc: 0.0006, gyr: 2e-5, t: 0.001 });
    expect(repsOf(r.lines, r.header)).toBe(originalReps);
  });

  it('several devices and none chosen: an error listing them', async () => {
    await expect(importRecording({ format: 'witmotion', sacrum: { sources: [{ file }] }, thoracic: { sources: [{ file }] } })).rejects.toThrow(/holds 2 devices .*--sacrum-device/);
  });
});

describe('generic CSV with a column mapping', () => {
  // Semicolon-separated, quoted header cells, time in ms from the start, g and deg/s.
  const generic = (sensor: string) =>
    write(`${sensor}-generic.csv`, ['"Time [ms]";"ax";"ay";"az";"gx";"gy";"gz"', ...of(sensor).map((s) => [(s.t * 1000).toFixed(1), ...s.acc!.map((a) => (a / G).toFixed(5)), ...s.gyr!.map((g) => (g * RAD_DEG).toFixed(4))].join(';'))].join('\n'));

  it('maps columns and units; elapsed clocks of both files share t = 0', async () => {
    const out = path.join(dir, 'generic.jsonl');
    const c = capturedIO();
    const args = ['generic', '--sacrum', generic('sacrum'), '--thoracic', generic('thoracic'), '--columns', 't=Time [ms];acc=ax,ay,az;gyr=gx,gy,gz', '--time-unit', 'ms', '--acc-unit', 'g', '--gyr-unit', 'deg/s', '--started-at', '2026-11-24T10:00:00Z', out];
    expect(await importCommand.run(args, c.io)).toBe(0);
    const { header, lines } = await readRecording(out, { mode: 'strict' });
    expect(header.startedAt).toBe('2026-11-24T10:00:00.000Z');
    expectSameSamples(lines, 'sacrum', { acc: 1e-4, gyr: 2e-5, t: 1e-4 });
    expect(repsOf(lines, header)).toBe(originalReps);
  });

  it('a bad mapping or a missing column is a clear error', async () => {
    const c = capturedIO();
    await expect(importCommand.run(['generic', '--sacrum', generic('sacrum'), '--thoracic', generic('thoracic'), '--columns', 't=Time [ms];acc=ax,ay', path.join(dir, 'x.jsonl')], c.io)).rejects.toThrow(/acc=X,Y,Z/);
    const f = generic('sacrum');
    await expect(importCommand.run(['generic', '--sacrum', f, '--thoracic', f, '--columns', 't=time;acc=ax,ay,az;gyr=gx,gy,gz', path.join(dir, 'y.jsonl')], c.io)).rejects.toThrow(`${f}:1: no "time" column`);
  });
});

describe('two sensors on one clock', () => {
  const csv = (name: string, t0: number) => write(name, ['t,ax,ay,az,gx,gy,gz', ...Array.from({ length: 300 }, (_, i) => `${(t0 + i / 100).toFixed(2)},0,0,9.81,0,0,0`)].join('\n'));
  const mapping = { t: 't', acc: ['ax', 'ay', 'az'], gyr: ['gx', 'gy', 'gz'], timeUnit: 's', accUnit: 'm/s2', gyrUnit: 'rad/s' } as const;

  it('exports that do not overlap in time are refused, unless aligned at their starts', async () => {
    const a = csv('a.csv', 0);
    const b = csv('b.csv', 100);
    const spec = { format: 'generic' as const, mapping: { ...mapping, acc: [...mapping.acc] as [string, string, string], gyr: [...mapping.gyr] as [string, string, string] }, sacrum: { sources: [{ file: a }] }, thoracic: { sources: [{ file: b }] } };
    await expect(importRecording(spec)).rejects.toThrow(/do not overlap in time.*--align start/);
    const r = await importRecording({ ...spec, align: 'start' });
    expect(r.lines.filter((l) => 'sensor' in l && l.sensor === 'thoracic')[0]!.t).toBe(0);
  });

  it('time going backwards names the row', async () => {
    const f = write('back.csv', 't,ax,ay,az,gx,gy,gz\n0,0,0,9.81,0,0,0\n0.01,0,0,9.81,0,0,0\n0.005,0,0,9.81,0,0,0\n');
    const spec = { format: 'generic' as const, mapping: { ...mapping, acc: [...mapping.acc] as [string, string, string], gyr: [...mapping.gyr] as [string, string, string] }, sacrum: { sources: [{ file: f }] }, thoracic: { sources: [{ file: f }] } };
    await expect(importRecording(spec)).rejects.toThrow(`${f}:4: sacrum: time goes backwards`);
  });
});

describe('CSV input', () => {
  it('quotes, CRLF, a byte-order mark and the delimiter from the header; line numbers of rows', async () => {
    const f = write('quoted.csv', '\uFEFF"a";"b, c"\r\n1;"x;y"\r\n\r\n2;3\r\n');
    const rows = [];
    for await (const r of csvRows({ file: f })) rows.push(r);
    expect(rows).toEqual([
      { cells: ['a', 'b, c'], line: 1 },
      { cells: ['1', 'x;y'], line: 2 },
      { cells: ['2', '3'], line: 4 },
    ]);
  });

  it('uploaded bytes (gzipped too) read like files', async () => {
    const { gzipSync } = await import('node:zlib');
    const rows = [];
    for await (const r of csvRows({ name: 'upload.csv', bytes: gzipSync(Buffer.from('t\tx\n1\t2\n')) })) rows.push(r.cells);
    expect(rows).toEqual([['t', 'x'], ['1', '2']]);
  });
});
