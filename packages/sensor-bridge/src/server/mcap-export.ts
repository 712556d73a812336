// A stored session as an MCAP file that Foxglove and Lichtblick show without set-up (MCAP spec:
// https://mcap.dev/spec). zstd-compressed chunks; messages JSON-encoded with a JSON Schema each.
// Foxglove's own schemas where one fits (https://docs.foxglove.dev/docs/visualization/message-schemas):
// - `/tf` foxglove.FrameTransform: the pelvis and trunk segments from the analysis angles (the 3D panel
//   shows two segments bending), and each sensor's own orientation when the recording carries one;
// - `/log` foxglove.Log: recording events (calibrate, sets, disconnects) and each rep's faults.
// Our own schemas, complete (required fields, units, nullable where null): `/imu/<sensor>`, `/events`,
// `/angles`, `/reps`. A Metadata record `hinge.session` holds the session, its settings and the
// software version; never the patient's name.
// No per-message index (see the writer options). Streaming: the recording's lines and the angle samples
// are read in batches and merged in time order, the writer keeps one chunk (MCAP_CHUNK_BYTES) in memory,
// and each batch is followed by a turn of the event loop, so neither memory nor the loop's latency grows
// with the session's length.
import { open, type FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { McapWriter, type IWritable } from '@mcap/core';
import { compress, init as initZstd } from '@bokuweb/zstd-wasm';
import {
  RepRecord,
  isEventLine,
  type AngleSample,
  type PatientSettings,
  type Quat,
  type RecordingHeader,
  type RecordingLine,
} from '@hinge/protocol';
import { SOFTWARE_VERSION } from '../version';

export interface McapInput {
  header: RecordingHeader;
  /** The recording's lines after the header, in batches (openRecording). */
  lines: AsyncIterable<RecordingLine[]>;
  /** The analysis' angle samples in time order, in batches. */
  angles: AsyncIterable<AngleSample[]>;
  reps: readonly RepRecord[];
  /** The stored session: id and settings go into the Metadata record. */
  session?: { id: string; settings: PatientSettings };
}

/**
 * Uncompressed bytes per chunk; the writer holds one chunk at a time. Each chunk is compressed in one
 * synchronous call, so its size bounds how long an export holds up the event loop: 128 KiB at zstd
 * level 9 costs ~5 ms of CPU (1 MiB: ~70 ms) and, on recordings, compresses no worse (measured on a
 * simulated recording: 1.94 MB for 8 MiB, 2.00 MB with 1 MiB chunks).
 */
export const MCAP_CHUNK_BYTES = 128 * 1024;
/** zstd level: 9 compresses these JSON messages ~10 % better than the default 3 at a still modest cost. */
export const MCAP_ZSTD_LEVEL = 9;
/**
 * `/angles` and the segment transforms are written at most this often, s: 50 and 20 Hz show human
 * movement (under 2 Hz) fully, and each message costs ~35 bytes of framing and index besides its
 * content (bench: 54 MB per hour with every 100 Hz angle sample, under 50 thinned). The full-rate
 * series is angles.csv.
 */
export const ANGLES_PERIOD_S = 1 / 50;
export const SEGMENT_TF_PERIOD_S = 1 / 20;
/** A sample is kept when at least this share of the period has passed (sample times jitter). */
const PERIOD_TOLERANCE = 0.75;
/** Illustrative body geometry for the 3D panel, m: hip height, and pelvis-to-thorax distance. */
export const HIP_HEIGHT_M = 0.9;
export const LUMBAR_LENGTH_M = 0.3;

/** Angles are written to 0.001 degree and rotations to 1e-6: far below what IMUs resolve, and full doubles do not compress. */
const roundTo = (value: number | null, perUnit: number): number | null => (value === null ? null : Math.round(value * perUnit) / perUnit);
const ANGLE_STEPS_PER_DEG = 1000;
const QUAT_STEPS_PER_UNIT = 1e6;

/** Foxglove LogLevel values (docs: message-schemas/enum-log-level). */
const LOG_LEVEL = { INFO: 2, WARNING: 3 } as const;

class FileWritable implements IWritable {
  private offset = 0n;
  constructor(private readonly handle: FileHandle) {}
  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.byteLength) done += (await this.handle.write(buffer, done)).bytesWritten;
    this.offset += BigInt(buffer.byteLength);
  }
  position(): bigint {
    return this.offset;
  }
}

// ---- schemas --------------------------------------------------------------------------------------

const num = (description: string) => ({ type: 'number', description });
const nullableNum = (description: string) => ({ type: ['number', 'null'], description });
const vec = (n: number, description: string) => ({ type: 'array', items: { type: 'number' }, minItems: n, maxItems: n, description });
const time = { type: 'object', title: 'time', required: ['sec', 'nsec'], properties: { sec: { type: 'integer', minimum: 0 }, nsec: { type: 'integer', minimum: 0, maximum: 999_999_999 } } };
const xyz = (title: string, extra: Record<string, object> = {}) => ({
  type: 'object',
  title,
  required: ['x', 'y', 'z', ...Object.keys(extra)],
  properties: { x: { type: 'number' }, y: { type: 'number' }, z: { type: 'number' }, ...extra },
});

/** foxglove.FrameTransform, as the Foxglove schema documentation lists its fields. */
export const FRAME_TRANSFORM_SCHEMA = {
  title: 'foxglove.FrameTransform',
  description: 'A transform between two reference frames in 3D space',
  type: 'object',
  required: ['timestamp', 'parent_frame_id', 'child_frame_id', 'translation', 'rotation'],
  properties: {
    timestamp: { ...time, description: 'Timestamp of transform' },
    parent_frame_id: { type: 'string', description: 'Name of the parent frame' },
    child_frame_id: { type: 'string', description: 'Name of the child frame' },
    translation: { ...xyz('foxglove.Vector3'), description: 'Translation component of the transform, m' },
    rotation: { ...xyz('foxglove.Quaternion', { w: { type: 'number' } }), description: 'Rotation component of the transform' },
  },
};

/** foxglove.Log. */
export const LOG_SCHEMA = {
  title: 'foxglove.Log',
  description: 'A log message',
  type: 'object',
  required: ['timestamp', 'level', 'message', 'name', 'file', 'line'],
  properties: {
    timestamp: { ...time, description: 'Timestamp of log message' },
    level: { title: 'foxglove.LogLevel', description: 'Log level (0 unknown, 1 debug, 2 info, 3 warning, 4 error, 5 fatal)', enum: [0, 1, 2, 3, 4, 5] },
    message: { type: 'string', description: 'Log message' },
    name: { type: 'string', description: 'Process or node name' },
    file: { type: 'string', description: 'Filename' },
    line: { type: 'integer', minimum: 0, description: 'Line number in the file' },
  },
};

const IMU_SCHEMA = {
  title: 'hinge.ImuSample',
  description: 'One sensor reading, as recorded (docs/recording-format.md); all vectors in the sensor frame',
  type: 'object',
  required: ['t', 'sensor'],
  properties: {
    t: num('recording time, s since the session start'),
    sensor: { type: 'string', description: 'sensor id (header sensors[].id)' },
    acc: vec(3, 'specific force, m/s^2'),
    gyr: vec(3, 'angular rate, rad/s'),
    mag: vec(3, 'magnetic field, uT'),
    quat: vec(4, "the sensor's own orientation estimate, unit quaternion [w, x, y, z]"),
  },
};

const EVENT_SCHEMA = {
  title: 'hinge.RecordingEvent',
  description: 'An event line of the recording (calibrate, set-start, set-end, settings, disconnect, reconnect, note, ...)',
  type: 'object',
  required: ['t', 'event'],
  properties: {
    t: num('recording time, s'),
    event: { type: 'string', description: 'event kind' },
    sensor: { type: 'string', description: 'the sensor it concerns, if any' },
  },
  additionalProperties: true,
};

const ANGLES_SCHEMA = {
  title: 'hinge.Angles',
  description: 'Body angles of one instant from the offline analysis; null before calibration or where a sensor has no data',
  type: 'object',
  required: ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'],
  properties: {
    t: num('recording time, s'),
    pelvisDeg: nullableNum('pelvis (hip) flexion from the standing neutral, degrees'),
    trunkDeg: nullableNum('trunk flexion from the standing neutral, degrees'),
    lumbarDeg: nullableNum('lumbar flexion (trunk minus pelvis), degrees'),
  },
};

const REP_SCHEMA = { title: 'hinge.Rep', description: 'One rep of the session with its faults (the stored RepRecord)', ...JSON.parse(JSON.stringify(RepRecord)) };

// ---- pure steps -------------------------------------------------------------------------------------

const encoder = new TextEncoder();
const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));

/** Foxglove time from a nanosecond timestamp. */
export function foxgloveTime(ns: bigint): { sec: number; nsec: number } {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** A rotation of `deg` about the y (left-right) axis: positive tilts +z (up) towards +x (forward). */
export function flexionRotation(deg: number): { x: number; y: number; z: number; w: number } {
  const half = (deg * Math.PI) / 360;
  return { x: 0, y: roundTo(Math.sin(half), QUAT_STEPS_PER_UNIT) as number, z: 0, w: roundTo(Math.cos(half), QUAT_STEPS_PER_UNIT) as number };
}

/** The segment transforms of one angle sample: world -> pelvis (pelvis flexion at the hips), pelvis -> trunk (lumbar flexion). */
export function segmentTransforms(pelvisDeg: number, lumbarDeg: number, timestamp: { sec: number; nsec: number }) {
  return [
    { timestamp, parent_frame_id: 'world', child_frame_id: 'pelvis', translation: { x: 0, y: 0, z: HIP_HEIGHT_M }, rotation: flexionRotation(pelvisDeg) },
    { timestamp, parent_frame_id: 'pelvis', child_frame_id: 'trunk', translation: { x: 0, y: 0, z: LUMBAR_LENGTH_M }, rotation: flexionRotation(lumbarDeg) },
  ];
}

/** A sensor's own orientation ([w, x, y, z]) as a transform from the world. */
export function sensorTransform(sensorId: string, quat: Quat, timestamp: { sec: number; nsec: number }) {
  const [w, x, y, z] = quat;
  return { timestamp, parent_frame_id: 'world', child_frame_id: `sensor/${sensorId}`, translation: { x: 0, y: 0, z: 0 }, rotation: { x, y, z, w } };
}

/** The Metadata record: what the session was, and how it was analysed. No patient name or notes. */
export function sessionMetadata(input: McapInput): Map<string, string> {
  const entries: [string, string][] = [
    ['software', `hinge-bridge ${SOFTWARE_VERSION}`],
    ['startedAt', input.header.startedAt],
    ['exercise', String(input.header.exercise ?? 'hip-hinge')],
    ['sensors', JSON.stringify(input.header.sensors.map((s) => ({ id: s.id, placement: s.placement, model: s.model ?? null, sampleRateHz: s.sampleRateHz ?? null })))],
  ];
  if (input.session) entries.push(['sessionId', input.session.id], ['settings', JSON.stringify(input.session.settings)]);
  return new Map(entries);
}

// ---- writer -----------------------------------------------------------------------------------------

let zstdReady: Promise<void> | undefined;

/** Writes the session to `file` (see the top of this file). */
export async function writeMcap(file: string, input: McapInput): Promise<void> {
  zstdReady ??= initZstd();
  await zstdReady;
  const handle = await open(file, 'w');
  try {
    const writer = new McapWriter({
      writable: new FileWritable(handle),
      useChunks: true,
      chunkSize: MCAP_CHUNK_BYTES,
      // Per-message indexes (16 uncompressed bytes per message, ~20 MB per hour here) are optional in
      // the spec; readers seek by the chunk index (time range per chunk) and scan a 128 KiB chunk.
      useMessageIndex: true,
      compressChunk: (data) => ({ compression: 'zstd', compressedData: compress(data, MCAP_ZSTD_LEVEL) }),
    });
    await writer.start({ profile: '', library: `hinge-bridge ${SOFTWARE_VERSION}` });
    await writer.addMetadata({ name: 'hinge.session', metadata: sessionMetadata(input) });

    const schema = (s: { title: string }) => writer.registerSchema({ name: s.title, encoding: 'jsonschema', data: encodeJson(s) });
    const channel = async (topic: string, schemaId: number, metadata: [string, string][] = []) =>
      writer.registerChannel({ schemaId, topic, messageEncoding: 'json', metadata: new Map(metadata) });
    const imuSchema = await schema(IMU_SCHEMA);
    const imuChannels = new Map<string, number>();
    for (const s of input.header.sensors) imuChannels.set(s.id, await channel(`/imu/${s.id}`, imuSchema, [['placement', String(s.placement)]]));
    const eventChannel = await channel('/events', await schema(EVENT_SCHEMA));
    const tfChannel = await channel('/tf', await schema(FRAME_TRANSFORM_SCHEMA));
    const logChannel = await channel('/log', await schema(LOG_SCHEMA));
    const angleChannel = await channel('/angles', await schema(ANGLES_SCHEMA));
    const repChannel = await channel('/reps', await schema(REP_SCHEMA));

    const startNs = BigInt(Date.parse(input.header.startedAt)) * 1_000_000n;
    const nsAt = (t: number) => startNs + BigInt(Math.round(t * 1e9));
    const sequence = new Map<number, number>();
    const add = async (channelId: number, t: number, value: unknown) => {
      const seq = (sequence.get(channelId) ?? 0) + 1;
      sequence.set(channelId, seq);
      const logTime = nsAt(t);
      await writer.addMessage({ channelId, sequence: seq, logTime, publishTime: logTime, data: encodeJson(value) });
    };
    const log = (t: number, level: number, name: string, message: string) =>
      add(logChannel, t, { timestamp: foxgloveTime(nsAt(t)), level, message, name, file: '', line: 0 });

    // Angles and reps interleave with the recording's lines in time order.
    const angleBatches = input.angles[Symbol.asyncIterator]();
    let angles: AngleSample[] = [];
    let nextAngle = 0;
    let anglesDone = false;
    /** The next angle sample at or before `t`, or null. */
    const angleUpTo = async (t: number): Promise<AngleSample | null> => {
      while (nextAngle >= angles.length && !anglesDone) {
        const step = await angleBatches.next();
        if (step.done) anglesDone = true;
        else {
          angles = step.value;
          nextAngle = 0;
        }
      }
      const sample = angles[nextAngle];
      if (!sample || sample.t > t) return null;
      nextAngle++;
      return sample;
    };
    let lastAngleT = -Infinity;
    let lastTfT = -Infinity;
    const reps = [...input.reps].sort((a, b) => a.end - b.end);
    let nextRep = 0;
    const writeUpTo = async (t: number) => {
      for (let sample = await angleUpTo(t); sample; sample = await angleUpTo(t)) {
        const at = sample.t;
        if (at - lastAngleT < ANGLES_PERIOD_S * PERIOD_TOLERANCE) continue;
        lastAngleT = at;
        const pelvisDeg = roundTo(sample.pelvisDeg, ANGLE_STEPS_PER_DEG);
        const lumbarDeg = roundTo(sample.lumbarDeg, ANGLE_STEPS_PER_DEG);
        await add(angleChannel, at, { t: at, pelvisDeg, trunkDeg: roundTo(sample.trunkDeg, ANGLE_STEPS_PER_DEG), lumbarDeg });
        if (pelvisDeg !== null && lumbarDeg !== null && at - lastTfT >= SEGMENT_TF_PERIOD_S * PERIOD_TOLERANCE) {
          lastTfT = at;
          for (const tf of segmentTransforms(pelvisDeg, lumbarDeg, foxgloveTime(nsAt(at)))) await add(tfChannel, at, tf);
        }
      }
      for (; nextRep < reps.length && (reps[nextRep] as RepRecord).end <= t; nextRep++) {
        const rep = reps[nextRep] as RepRecord;
        await add(repChannel, rep.end, rep);
        for (const fault of rep.faults) {
          const detail = rep.faultDetails?.find((d) => d.fault === fault);
          await log(rep.end, LOG_LEVEL.WARNING, 'hinge.fault', `rep ${rep.index}: ${fault}${detail ? `: ${detail.message}` : ''}`);
        }
      }
    };

    for await (const batch of input.lines) {
      for (const line of batch) {
        await writeUpTo(line.t);
        if (isEventLine(line)) {
          await add(eventChannel, line.t, line);
          await log(line.t, LOG_LEVEL.INFO, 'hinge.recording', `${line.event}${line.sensor ? ` (${line.sensor})` : ''}`);
          continue;
        }
        const imu = imuChannels.get(line.sensor);
        if (imu === undefined) continue;
        await add(imu, line.t, line);
        if (line.quat) await add(tfChannel, line.t, sensorTransform(line.sensor, line.quat, foxgloveTime(nsAt(line.t))));
      }
      await nextTurn();
    }
    await writeUpTo(Infinity);
    await writer.end();
  } finally {
    await handle.close();
  }
}
