// Types and pure line validation for the hinge recording format, version 1.
// The contract is documented in docs/recording-format.md. Reading and writing files (I/O) lives in
// packages/sensor-bridge/src/recording; this module only turns one parsed JSON value into a typed
// line or a reason why it cannot be used.
import { settingsProblems, type PatientSettings } from './settings-bounds';

export type Vec3 = [number, number, number];
/** Unit quaternion [w, x, y, z]. */
export type Quat = [number, number, number, number];

export type Placement = 'sacrum' | 'thoracic' | (string & {});

/**
 * One step (LSB) of each raw signal as the device reports it, in the file's units (acc m/s^2, gyr rad/s,
 * mag uT). Writers round values to the decimals this step needs and no more (docs/recording-format.md).
 */
export interface SensorResolution {
  acc?: number;
  gyr?: number;
  mag?: number;
}

export interface SensorInfo {
  id: string;
  placement: Placement;
  model?: string;
  sampleRateHz?: number;
  resolution?: SensorResolution;
  [extra: string]: unknown;
}

export interface RecordingHeader {
  format: 'hinge-recording';
  version: 1;
  /** ISO 8601 UTC time of t = 0. */
  startedAt: string;
  sensors: SensorInfo[];
  exercise?: string;
  subject?: { painLevel?: number; [extra: string]: unknown };
  notes?: string;
  /**
   * Settings in force at t = 0 (limits, tempo, and the patient-facing targets targetReps/targetSets).
   * Missing ones take the analysis defaults. Changes during the session are `settings` event lines.
   */
  settings?: Partial<PatientSettings>;
  /** Where the analysis takes sets from: `events` (set-start / set-end lines; the bridge writes this) or `pauses` (the 30 s rule). Default: pauses until the first set line. */
  setsFrom?: 'events' | 'pauses';
  /**
   * How the offline analysis may calibrate. `live`: the file was analysed live as it was recorded (the
   * bridge writes this), so re-analysing it calibrates exactly as the live analysis did: the first still
   * standing period, never the offline fallback (a second pass from the best still stand anywhere in the
   * file). Absent or `best-still-fallback`: a file without a timely still stand gets that fallback.
   */
  calibrationRule?: 'live' | 'best-still-fallback';
  /** The software that wrote the file, e.g. { name: "hinge", version: "0.1.0" }. */
  software?: { name: string; version: string };
  [extra: string]: unknown;
}

/** One sensor reading. `acc` m/s^2 (specific force), `gyr` rad/s, `mag` uT, all in the sensor's own frame. */
export interface SampleLine {
  /** Seconds since header.startedAt, on the file's one shared clock. */
  t: number;
  sensor: string;
  acc?: Vec3;
  gyr?: Vec3;
  mag?: Vec3;
  quat?: Quat;
  [extra: string]: unknown;
}

/** Anything that happened at a time: calibrate, disconnect, reconnect, note, or kinds a reader does not know. */
export interface EventLine {
  t: number;
  event: string;
  sensor?: string;
  [extra: string]: unknown;
}

export type RecordingLine = SampleLine | EventLine;

export function isEventLine(line: RecordingLine): line is EventLine {
  return typeof (line as EventLine).event === 'string';
}

export type LineResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the header (line 1). */
export function validateHeader(value: unknown): LineResult<RecordingHeader> {
  if (!isObject(value)) return fail('header is not a JSON object');
  if (value.format !== 'hinge-recording') return fail(`header format is ${JSON.stringify(value.format)}, expected "hinge-recording"`);
  if (value.version !== 1) return fail(`unsupported version ${JSON.stringify(value.version)} (this reader knows version 1)`);
  if (typeof value.startedAt !== 'string' || Number.isNaN(Date.parse(value.startedAt))) {
    return fail('header startedAt is not an ISO 8601 time');
  }
  if (!Array.isArray(value.sensors) || value.sensors.length === 0) return fail('header sensors must be a non-empty list');
  const ids = new Set<string>();
  for (const [i, s] of value.sensors.entries()) {
    if (!isObject(s) || typeof s.id !== 'string' || s.id === '') return fail(`header sensors[${i}] has no id`);
    if (typeof s.placement !== 'string' || s.placement === '') return fail(`header sensors[${i}] ("${s.id}") has no placement`);
    if (ids.has(s.id)) return fail(`header sensors[${i}] repeats id "${s.id}"`);
    if (s.sampleRateHz !== undefined && !(typeof s.sampleRateHz === 'number' && s.sampleRateHz > 0)) {
      return fail(`header sensors[${i}] ("${s.id}") sampleRateHz must be a positive number`);
    }
    if (s.resolution !== undefined) {
      const r = s.resolution;
      const bad = !isObject(r) || Object.values(r).some((v) => !(typeof v === 'number' && Number.isFinite(v) && v > 0));
      if (bad) return fail(`header sensors[${i}] ("${s.id}") resolution must map acc/gyr/mag to positive numbers`);
    }
    ids.add(s.id);
  }
  if (value.settings !== undefined) {
    const problems = settingsProblems(value.settings);
    if (problems.length > 0) return fail(`header settings: ${problems.join('; ')}`);
  }
  if (value.calibrationRule !== undefined && value.calibrationRule !== 'live' && value.calibrationRule !== 'best-still-fallback') {
    return fail(`header calibrationRule is ${JSON.stringify(value.calibrationRule)}, expected "live" or "best-still-fallback"`);
  }
  if (value.setsFrom !== undefined && value.setsFrom !== 'events' && value.setsFrom !== 'pauses') {
    return fail(`header setsFrom is ${JSON.stringify(value.setsFrom)}, expected "events" or "pauses"`);
  }
  return { ok: true, value: value as RecordingHeader };
}

/** A sample's vector fields and their lengths (one list for every line, not one per line). */
const VECTOR_FIELDS = [['acc', 3], ['gyr', 3], ['mag', 3], ['quat', 4]] as const;

function checkVector(line: Record<string, unknown>, key: string, length: number): string | undefined {
  const v = line[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== length) return `${key} must be a list of ${length} numbers`;
  for (let i = 0; i < length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) return `${key}[${i}] is not a finite number`;
  }
  return undefined;
}

/**
 * Per-file state a validator needs across lines: known sensor ids and the last `t` of each sensor.
 * Create one per file with `createLineValidator(header)`. With `{ order: false }` it checks each line's
 * shape only, for a caller that orders times itself with a look-ahead (createTimeOrder; the file reader).
 */
export interface LineValidator {
  validate(value: unknown): LineResult<RecordingLine>;
}

/** Largest |t| a line may carry, seconds (11.6 days): anything beyond is a corrupt value, not a time. */
export const MAX_RECORDING_T_S = 1e6;

/** Why a sample earlier than its sensor's previous one is refused (the validator's and createTimeOrder's words). */
export function backwardsReason(sensor: string, t: number, previousT: number): string {
  return `t went backwards for sensor "${sensor}" (${t} after ${previousT})`;
}

export function createLineValidator(header: RecordingHeader, options: { order?: boolean } = {}): LineValidator {
  const checkOrder = options.order ?? true;
  const lastT = new Map<string, number>(header.sensors.map((s) => [s.id, -Infinity]));
  return {
    validate(value: unknown): LineResult<RecordingLine> {
      if (!isObject(value)) return fail('line is not a JSON object');
      const t = value.t;
      if (typeof t !== 'number' || !Number.isFinite(t)) return fail('t is missing or not a finite number');
      if (Math.abs(t) > MAX_RECORDING_T_S) return fail(`t=${t} is absurd (a recording spans at most ${MAX_RECORDING_T_S} s)`);
      if (typeof value.event === 'string') {
        if (value.sensor !== undefined && !lastT.has(value.sensor as string)) {
          return fail(`unknown sensor id ${JSON.stringify(value.sensor)}`);
        }
        return { ok: true, value: value as EventLine };
      }
      if (value.event !== undefined) return fail('event must be a string');
      const sensor = value.sensor;
      if (typeof sensor !== 'string') return fail('line has neither "sensor" nor "event"');
      const previous = lastT.get(sensor);
      if (previous === undefined) return fail(`unknown sensor id ${JSON.stringify(sensor)}`);
      for (const [key, n] of VECTOR_FIELDS) {
        const problem = checkVector(value, key, n);
        if (problem) return fail(problem);
      }
      const hasAcc = value.acc !== undefined;
      const hasGyr = value.gyr !== undefined;
      if (hasAcc !== hasGyr) return fail(hasAcc ? 'sample has acc but no gyr' : 'sample has gyr but no acc');
      if (!hasAcc && value.quat === undefined) return fail('sample has neither acc+gyr nor quat');
      if (checkOrder) {
        if (t < previous) return fail(backwardsReason(sensor, t, previous));
        lastT.set(sensor, t);
      }
      return { ok: true, value: value as SampleLine };
    },
  };
}
