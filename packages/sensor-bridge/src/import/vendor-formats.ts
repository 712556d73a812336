// Readers of vendor exports, each from the vendor's published format (sources in docs/import.md):
// every reader turns one sensor's file(s) into samples in recording units (acc m/s^2, gyr rad/s, time s)
// on the export's own clock. Putting two sensors on one clock and writing the recording is
// ./import-recording.ts. Units come from the column headers where the export names them.
import type { Quat, Vec3 } from '@hinge/protocol';
import { csvRows, CsvInputError, sourceName, type CsvRow, type CsvSource } from './csv-input';

const G_MS2 = 9.80665;
const DEG_RAD = Math.PI / 180;

export interface ImportedSample {
  /** Seconds on the export's clock (epoch seconds when `clock` is `epoch`). */
  tS: number;
  acc?: Vec3;
  gyr?: Vec3;
  quat?: Quat;
  /** Where the row came from, for messages. */
  at: string;
}

export interface ImportedSensor {
  model: string;
  /** `epoch`: tS is Unix time (s); `device`: the sensor's own clock (shared by synchronised sensors); `elapsed`: seconds from the file's start. */
  clock: 'epoch' | 'device' | 'elapsed';
  samples: ImportedSample[];
  warnings: string[];
}

export type AccUnit = 'g' | 'm/s2';
export type GyrUnit = 'deg/s' | 'rad/s';
export type TimeUnit = 's' | 'ms' | 'us';

const ACC_SCALE: Record<AccUnit, number> = { g: G_MS2, 'm/s2': 1 };
const GYR_SCALE: Record<GyrUnit, number> = { 'deg/s': DEG_RAD, 'rad/s': 1 };
const TIME_SCALE: Record<TimeUnit, number> = { s: 1, ms: 1e-3, us: 1e-6 };

/** The unit in a column header's parentheses, normalised: `x-axis (g)` -> g, `AsX(°/s)` -> deg/s. */
export function headerUnit(header: string): AccUnit | GyrUnit | null {
  const m = /\(([^)]*)\)\s*$/.exec(header);
  const u = m?.[1]?.trim().toLowerCase().replace(/\s+/g, '').replace('²', '^2');
  if (u === 'g') return 'g';
  if (u === 'm/s^2' || u === 'm/s2' || u === 'ms^-2') return 'm/s2';
  if (u === 'deg/s' || u === '°/s' || u === 'dps') return 'deg/s';
  if (u === 'rad/s') return 'rad/s';
  return null;
}

function numberCell(source: string, row: CsvRow, index: number, column: string): number {
  const text = row.cells[index];
  const value = text === undefined || text === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new CsvInputError(source, row.line, text === undefined ? `no value for column "${column}" (row has ${row.cells.length} cells)` : `column "${column}" is not a number (${JSON.stringify(text)})`);
  }
  return value;
}

function columnIndex(source: string, header: CsvRow, name: string | RegExp, what: string): number {
  const i = header.cells.findIndex((c) => (typeof name === 'string' ? c.toLowerCase() === name.toLowerCase() : name.test(c)));
  if (i < 0) throw new CsvInputError(source, header.line, `no ${what} column (header: ${header.cells.join(', ')})`);
  return i;
}

/** Three columns X, Y, Z matched by `pattern` with the axis letter as its group 1. */
function axisColumns(source: string, header: CsvRow, pattern: RegExp, what: string): [number, number, number] | null {
  const found: Record<string, number> = {};
  header.cells.forEach((c, i) => {
    const axis = pattern.exec(c)?.[1]?.toLowerCase();
    if (axis && found[axis] === undefined) found[axis] = i;
  });
  if (found.x === undefined && found.y === undefined && found.z === undefined) return null;
  for (const axis of ['x', 'y', 'z']) if (found[axis] === undefined) throw new CsvInputError(source, header.line, `${what}: no ${axis.toUpperCase()} column`);
  return [found.x!, found.y!, found.z!];
}

const vec = (source: string, row: CsvRow, columns: [number, number, number], names: string[], scale: number): Vec3 =>
  columns.map((c, k) => numberCell(source, row, c, names[k]!) * scale) as Vec3;

async function headerAndRows(source: CsvSource, isHeader?: (line: string) => boolean): Promise<{ header: CsvRow; rows: AsyncGenerator<CsvRow> }> {
  const rows = csvRows(source, isHeader ? { isHeader } : {});
  const first = await rows.next();
  if (first.done) throw new CsvInputError(sourceName(source), null, 'has no header row');
  return { header: first.value, rows };
}

// ---------------------------------------------------------------------------------------------
// MbientLab MetaBase: one file per sensor and signal, `NAME_TIME_MAC_Accelerometer.csv` and
// `..._Gyroscope.csv`, columns `epoch (ms),time (TZ),elapsed (s),x-axis (g),y-axis (g),z-axis (g)`
// (gyro `x-axis (deg/s)`), MbientLab MetaBase-Hub lib/sensor-config.js and lib/data-capture.js.

interface MetaBaseSignal {
  kind: 'acc' | 'gyr';
  rows: { epochMs: number; v: Vec3; at: string }[];
}

async function readMetaBaseFile(source: CsvSource): Promise<MetaBaseSignal> {
  const name = sourceName(source);
  const { header, rows } = await headerAndRows(source);
  const epoch = columnIndex(name, header, /^epoch\s*\(ms\)$/i, '"epoch (ms)"');
  const axes = axisColumns(name, header, /^([xyz])-axis\b/i, 'x-axis, y-axis, z-axis');
  if (!axes) throw new CsvInputError(name, header.line, `no x-axis, y-axis, z-axis columns (header: ${header.cells.join(', ')})`);
  const unit = headerUnit(header.cells[axes[0]]!);
  if (unit === null) throw new CsvInputError(name, header.line, `unit of "${header.cells[axes[0]]}" not known (expected g, m/s^2, deg/s or rad/s)`);
  const kind = unit === 'g' || unit === 'm/s2' ? 'acc' : 'gyr';
  const scale = kind === 'acc' ? ACC_SCALE[unit as AccUnit] : GYR_SCALE[unit as GyrUnit];
  const names = axes.map((i) => header.cells[i]!);
  const out: MetaBaseSignal = { kind, rows: [] };
  for await (const row of rows) out.rows.push({ epochMs: numberCell(name, row, epoch, 'epoch (ms)'), v: vec(name, row, axes, names, scale), at: `${name}:${row.line}` });
  return out;
}

/** Linear interpolation of `rows` (sorted by epochMs) at `atMs`; null outside them or across a gap longer than `maxGapMs`. */
function interpolate(rows: MetaBaseSignal['rows'], atMs: number, from: { i: number }, maxGapMs: number): Vec3 | null {
  while (from.i + 1 < rows.length && rows[from.i + 1]!.epochMs <= atMs) from.i++;
  const a = rows[from.i];
  const b = rows[from.i + 1];
  if (!a || a.epochMs > atMs) return null;
  if (a.epochMs === atMs) return a.v;
  if (!b || b.epochMs - a.epochMs > maxGapMs) return null;
  const f = (atMs - a.epochMs) / (b.epochMs - a.epochMs);
  return [0, 1, 2].map((k) => a.v[k]! + f * (b.v[k]! - a.v[k]!)) as Vec3;
}

/** One sensor's MetaBase files (accelerometer and gyroscope, in either order): gyro resampled at the accelerometer's times. */
export async function readMetaBase(sources: CsvSource[]): Promise<ImportedSensor> {
  if (sources.length !== 2) throw new CsvInputError(sources.map(sourceName).join(', ') || 'metabase', null, 'MetaBase needs two files per sensor: its Accelerometer and its Gyroscope export');
  const signals = await Promise.all(sources.map(readMetaBaseFile));
  const acc = signals.find((s) => s.kind === 'acc');
  const gyr = signals.find((s) => s.kind === 'gyr');
  if (!acc || !gyr) throw new CsvInputError(sources.map(sourceName).join(', '), null, 'expected one accelerometer file (g) and one gyroscope file (deg/s)');
  const periodMs = medianStep(acc.rows.map((r) => r.epochMs));
  const from = { i: 0 };
  const samples: ImportedSample[] = [];
  let outside = 0;
  for (const r of acc.rows) {
    const g = interpolate(gyr.rows, r.epochMs, from, Math.max(3 * periodMs, 50));
    if (g) samples.push({ tS: r.epochMs / 1000, acc: r.v, gyr: g, at: r.at });
    else outside++;
  }
  const warnings = outside > 0 ? [`${outside} accelerometer rows have no gyroscope data around them (before, after or in a gap); left out`] : [];
  return { model: 'metamotion', clock: 'epoch', samples, warnings };
}

function medianStep(times: number[]): number {
  const steps = times.slice(1).map((t, i) => t - times[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Movella (Xsens) DOT: the app's CSV export, a few preamble lines, then `PacketCounter,SampleTimeFine,...`
// with Acc_X..Z (m/s^2), Gyr_X..Z (deg/s) or Quat_W..Z; SampleTimeFine is the sensor's clock in µs, an
// unsigned 32-bit count that wraps (Xsens DOT BLE Services Specifications XD0506P; column names as in
// the DOT export, e.g. PMC7343872 table 5).

const DOT_WRAP_US = 2 ** 32;

export async function readDot(sources: CsvSource[], options: { gyrUnit?: GyrUnit } = {}): Promise<ImportedSensor> {
  if (sources.length !== 1) throw new CsvInputError(sources.map(sourceName).join(', ') || 'dot', null, 'a DOT export is one file per sensor');
  const source = sources[0]!;
  const name = sourceName(source);
  const { header, rows } = await headerAndRows(source, (line) => /\bSampleTimeFine\b/i.test(line));
  const time = columnIndex(name, header, 'SampleTimeFine', 'SampleTimeFine');
  const acc = axisColumns(name, header, /^Acc_([XYZ])$/i, 'Acc_X, Acc_Y, Acc_Z');
  const gyr = axisColumns(name, header, /^Gyr_([XYZ])$/i, 'Gyr_X, Gyr_Y, Gyr_Z');
  const quatCols = ['W', 'X', 'Y', 'Z'].map((a) => header.cells.findIndex((c) => c.toLowerCase() === `quat_${a.toLowerCase()}`));
  const hasQuat = quatCols.every((i) => i >= 0);
  if (!(acc && gyr) && !hasQuat) throw new CsvInputError(name, header.line, 'needs Acc_X..Z and Gyr_X..Z (export "Acceleration" and "Angular velocity") or Quat_W..Z');
  const gyrScale = GYR_SCALE[options.gyrUnit ?? 'deg/s'];
  const samples: ImportedSample[] = [];
  let wraps = 0;
  let lastRaw = -1;
  for await (const row of rows) {
    const raw = numberCell(name, row, time, 'SampleTimeFine');
    if (lastRaw >= 0 && raw < lastRaw && lastRaw - raw > DOT_WRAP_US / 2) wraps++;
    lastRaw = raw;
    const sample: ImportedSample = { tS: (raw + wraps * DOT_WRAP_US) / 1e6, at: `${name}:${row.line}` };
    if (acc && gyr) {
      sample.acc = vec(name, row, acc, ['Acc_X', 'Acc_Y', 'Acc_Z'], 1);
      sample.gyr = vec(name, row, gyr, ['Gyr_X', 'Gyr_Y', 'Gyr_Z'], gyrScale);
    }
    if (hasQuat) sample.quat = quatCols.map((c, k) => numberCell(name, row, c, `Quat_${'WXYZ'[k]}`)) as Quat;
    samples.push(sample);
  }
  return { model: 'dot', clock: 'device', samples, warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// WitMotion: the PC/app software's recorded text, tab-separated (comma in some versions), columns
// `time`, optional `DeviceName`, `ChipTime()`, AccX(g)..AccZ(g), AsX(°/s)..AsZ(°/s), AngleX(°).., with
// the units of the WT901 manuals (acceleration in g, angular velocity in °/s). One file may hold
// several devices, told apart by DeviceName.

/** Date-time or time of day as written by the WitMotion software, to ms (taken as UTC: the file has no zone). */
export function parseWitTime(text: string): number | null {
  const m = /^(?:(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T])?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.:](\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const fracMs = frac ? Number(`0.${frac}`) * 1000 : 0;
  const day = y ? Date.UTC(Number(y), Number(mo) - 1, Number(d)) : 0;
  return day + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + fracMs;
}

export async function readWitMotion(sources: CsvSource[], options: { device?: string } = {}): Promise<ImportedSensor> {
  if (sources.length !== 1) throw new CsvInputError(sources.map(sourceName).join(', ') || 'witmotion', null, 'a WitMotion export is one file (give the device with --sacrum-device/--thoracic-device if it holds several)');
  const source = sources[0]!;
  const name = sourceName(source);
  const { header, rows } = await headerAndRows(source, (line) => /\bAccX\b/i.test(line));
  const time = columnIndex(name, header, /^(time|chiptime)\b/i, 'time');
  const device = header.cells.findIndex((c) => /^devicename$/i.test(c));
  const acc = axisColumns(name, header, /^Acc([XYZ])\s*\(/i, 'AccX, AccY, AccZ');
  const gyr = axisColumns(name, header, /^(?:As|Gyro?|W)([XYZ])\s*\(/i, 'AsX, AsY, AsZ');
  if (!acc || !gyr) throw new CsvInputError(name, header.line, 'needs AccX(g)..AccZ(g) and AsX(°/s)..AsZ(°/s)');
  const accUnit = headerUnit(header.cells[acc[0]]!);
  const gyrUnit = headerUnit(header.cells[gyr[0]]!);
  if (accUnit !== 'g' && accUnit !== 'm/s2') throw new CsvInputError(name, header.line, `unit of "${header.cells[acc[0]]}" not known (expected g)`);
  if (gyrUnit !== 'deg/s' && gyrUnit !== 'rad/s') throw new CsvInputError(name, header.line, `unit of "${header.cells[gyr[0]]}" not known (expected °/s)`);
  const accNames = acc.map((i) => header.cells[i]!);
  const gyrNames = gyr.map((i) => header.cells[i]!);
  const devices = new Set<string>();
  const samples: ImportedSample[] = [];
  let dayMs = 0;
  let lastMs = -Infinity;
  for await (const row of rows) {
    if (device >= 0) {
      const d = row.cells[device] ?? '';
      devices.add(d);
      if (options.device !== undefined && d !== options.device) continue;
    }
    const ms = parseWitTime(row.cells[time] ?? '');
    if (ms === null) throw new CsvInputError(name, row.line, `time ${JSON.stringify(row.cells[time] ?? '')} is not a time (expected e.g. 2026-11-24 10:00:00.010 or 10:00:00.010)`);
    if (ms + dayMs < lastMs - 12 * 3600e3) dayMs += 24 * 3600e3; // a time of day that passed midnight
    lastMs = ms + dayMs;
    samples.push({ tS: lastMs / 1000, acc: vec(name, row, acc, accNames, ACC_SCALE[accUnit]), gyr: vec(name, row, gyr, gyrNames, GYR_SCALE[gyrUnit]), at: `${name}:${row.line}` });
  }
  if (options.device === undefined && devices.size > 1) {
    throw new CsvInputError(name, null, `holds ${devices.size} devices (${[...devices].join(', ')}); say which is which with --sacrum-device and --thoracic-device`);
  }
  if (options.device !== undefined && !devices.has(options.device)) {
    throw new CsvInputError(name, null, `has no device ${JSON.stringify(options.device)} (devices: ${[...devices].join(', ') || 'no DeviceName column'})`);
  }
  return { model: 'witmotion', clock: 'epoch', samples, warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// Any CSV with a column mapping: `t=COL;acc=X,Y,Z;gyr=X,Y,Z` and the units of each.

export interface ColumnMapping {
  t: string;
  acc: [string, string, string];
  gyr: [string, string, string];
  timeUnit: TimeUnit;
  accUnit: AccUnit;
  gyrUnit: GyrUnit;
}

/** Parses `t=time;acc=ax,ay,az;gyr=gx,gy,gz` (units apart). Throws a message naming what is wrong. */
export function parseColumnMapping(text: string, units: { timeUnit?: TimeUnit; accUnit?: AccUnit; gyrUnit?: GyrUnit } = {}): ColumnMapping {
  const parts = Object.fromEntries(
    text
      .split(';')
      .filter((p) => p.trim() !== '')
      .map((p) => {
        const eq = p.indexOf('=');
        if (eq < 0) throw new Error(`column mapping part ${JSON.stringify(p)} has no "=" (expected t=COL;acc=X,Y,Z;gyr=X,Y,Z)`);
        return [p.slice(0, eq).trim(), p.slice(eq + 1).split(',').map((c) => c.trim())];
      }),
  ) as Record<string, string[]>;
  const three = (key: string): [string, string, string] => {
    const cols = parts[key];
    if (!cols || cols.length !== 3 || cols.some((c) => c === '')) throw new Error(`column mapping needs ${key}=X,Y,Z (three column names)`);
    return cols as [string, string, string];
  };
  if (!parts.t || parts.t.length !== 1 || parts.t[0] === '') throw new Error('column mapping needs t=COLUMN');
  for (const key of Object.keys(parts)) if (!['t', 'acc', 'gyr'].includes(key)) throw new Error(`column mapping: unknown key ${JSON.stringify(key)} (t, acc, gyr)`);
  return { t: parts.t[0]!, acc: three('acc'), gyr: three('gyr'), timeUnit: units.timeUnit ?? 's', accUnit: units.accUnit ?? 'm/s2', gyrUnit: units.gyrUnit ?? 'rad/s' };
}

export async function readGeneric(sources: CsvSource[], mapping: ColumnMapping): Promise<ImportedSensor> {
  if (sources.length !== 1) throw new CsvInputError(sources.map(sourceName).join(', ') || 'generic', null, 'a generic CSV is one file per sensor');
  const source = sources[0]!;
  const name = sourceName(source);
  const { header, rows } = await headerAndRows(source);
  const index = (column: string) => columnIndex(name, header, column, JSON.stringify(column));
  const t = index(mapping.t);
  const acc = mapping.acc.map(index) as [number, number, number];
  const gyr = mapping.gyr.map(index) as [number, number, number];
  const samples: ImportedSample[] = [];
  const timeScale = TIME_SCALE[mapping.timeUnit];
  for await (const row of rows) {
    samples.push({
      tS: numberCell(name, row, t, mapping.t) * timeScale,
      acc: vec(name, row, acc, mapping.acc, ACC_SCALE[mapping.accUnit]),
      gyr: vec(name, row, gyr, mapping.gyr, GYR_SCALE[mapping.gyrUnit]),
      at: `${name}:${row.line}`,
    });
  }
  // Unix times in seconds are above 1e9 (2001); anything smaller is taken as elapsed time.
  const clock = samples.length > 0 && samples[0]!.tS > 1e9 ? 'epoch' : 'elapsed';
  return { model: 'generic', clock, samples, warnings: [] };
}
