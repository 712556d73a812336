// Exports of a stored session: the angle series and reps as CSV, and the whole session as MCAP
// (JSON-encoded messages with JSON Schema, which Foxglove and Lichtblick open directly; MCAP spec:
// https://mcap.dev/spec). The recording itself is exported as-is by the route.
import { open, type FileHandle } from 'node:fs/promises';
import { McapWriter, type IWritable } from '@mcap/core';
import {
  isEventLine,
  type AngleSeries,
  type RecordingHeader,
  type RecordingLine,
  type RepRecord,
  FAULTS,
} from '@hinge/protocol';

/** Cell separator and decimal mark: `,` and `.` by default; `;` and `,` for decimal-comma spreadsheets. */
export interface CsvFormat {
  separator: ',' | ';';
  decimal: '.' | ',';
}
export const CSV_DEFAULT: CsvFormat = { separator: ',', decimal: '.' };
export const CSV_DECIMAL_COMMA: CsvFormat = { separator: ';', decimal: ',' };

const csvNumber = (v: number | null | undefined, format: CsvFormat = CSV_DEFAULT): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '' : format.decimal === '.' ? String(v) : String(v).replace('.', ',');

/** `t,pelvisDeg,trunkDeg,lumbarDeg`, one row per angle sample; empty cells where a sensor had no data. */
export function* anglesCsv(angles: AngleSeries, format: CsvFormat = CSV_DEFAULT): Generator<string> {
  const sep = format.separator;
  yield ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'].join(sep) + '\n';
  const rows: string[] = [];
  for (let i = 0; i < angles.t.length; i++) {
    rows.push([angles.t[i], angles.pelvisDeg[i], angles.trunkDeg[i], angles.lumbarDeg[i]].map((v) => csvNumber(v, format)).join(sep));
    if (rows.length === 1000) {
      yield rows.join('\n') + '\n';
      rows.length = 0;
    }
  }
  if (rows.length > 0) yield rows.join('\n') + '\n';
}

export const REP_CSV_COLUMNS = [
  'index',
  'set',
  'start',
  'bottom',
  'end',
  'peakTrunkDeg',
  'peakPelvisDeg',
  'peakLumbarDeg',
  'hipShare',
  'descentS',
  'ascentS',
  ...FAULTS,
] as const;

/** One row per rep; each fault is a 0/1 column so spreadsheets can sum them. */
export function repsCsv(reps: readonly RepRecord[], format: CsvFormat = CSV_DEFAULT): string {
  const rows = reps.map((r) =>
    [
      r.index,
      r.setIndex ?? '',
      r.start,
      r.bottom,
      r.end,
      r.peakTrunkDeg,
      r.peakPelvisDeg,
      r.peakLumbarDeg,
      r.hipShare,
      r.descentS,
      r.ascentS,
      ...FAULTS.map((f) => (r.faults.includes(f) ? 1 : 0)),
    ]
      .map((v) => (typeof v === 'number' ? csvNumber(v, format) : v))
      .join(format.separator),
  );
  return [REP_CSV_COLUMNS.join(format.separator), ...rows].join('\n') + '\n';
}

/** What the CSV columns hold, with units: the sidecar `about.json` beside the CSV files. */
export const CSV_COLUMN_UNITS: Record<string, string> = {
  t: 's (recording time)',
  start: 's (recording time)',
  bottom: 's (recording time)',
  end: 's (recording time)',
  pelvisDeg: 'degrees since the standing neutral, + = tilting forward',
  trunkDeg: 'degrees since the standing neutral, + = tilting forward',
  lumbarDeg: 'degrees, trunk minus pelvis, + = flexion',
  peakTrunkDeg: 'degrees',
  peakPelvisDeg: 'degrees',
  peakLumbarDeg: 'degrees',
  hipShare: 'pelvisDeg / trunkDeg at the bottom of the rep, 0..1',
  descentS: 's',
  ascentS: 's',
  index: 'rep number from 1',
  set: "the clinician's set from 1, empty outside sets",
  ...Object.fromEntries(FAULTS.map((f) => [f, '1 when the rep had this fault, else 0'])),
};

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

const encoder = new TextEncoder();
const jsonSchema = (properties: Record<string, unknown>) => encoder.encode(JSON.stringify({ type: 'object', properties }));
const vec = (n: number) => ({ type: 'array', items: { type: 'number' }, minItems: n, maxItems: n });

/**
 * Writes an MCAP file: one `/imu/<sensor>` channel per sensor (raw samples), `/angles`, `/reps` and
 * `/events`. Log times are wall-clock nanoseconds (startedAt + t).
 */
export async function writeMcap(
  file: string,
  input: { header: RecordingHeader; lines: Iterable<RecordingLine>; angles: AngleSeries | undefined; reps: readonly RepRecord[] },
): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const writer = new McapWriter({ writable: new FileWritable(handle), useChunks: true, chunkSize: 256 * 1024 });
    await writer.start({ profile: '', library: 'hinge-bridge' });
    const startNs = BigInt(Date.parse(input.header.startedAt)) * 1_000_000n;
    const time = (t: number) => startNs + BigInt(Math.round(t * 1e9));
    const imuSchema = await writer.registerSchema({
      name: 'hinge.ImuSample',
      encoding: 'jsonschema',
      data: jsonSchema({ t: { type: 'number' }, acc: vec(3), gyr: vec(3), mag: vec(3), quat: vec(4) }),
    });
    const channels = new Map<string, number>();
    for (const s of input.header.sensors) {
      const id = await writer.registerChannel({
        schemaId: imuSchema,
        topic: `/imu/${s.id}`,
        messageEncoding: 'json',
        metadata: new Map([['placement', String(s.placement)]]),
      });
      channels.set(s.id, id);
    }
    const eventChannel = await writer.registerChannel({
      schemaId: await writer.registerSchema({ name: 'hinge.Event', encoding: 'jsonschema', data: jsonSchema({ t: { type: 'number' }, event: { type: 'string' } }) }),
      topic: '/events',
      messageEncoding: 'json',
      metadata: new Map(),
    });
    const sequence = new Map<number, number>();
    const add = async (channelId: number, t: number, value: unknown) => {
      const seq = (sequence.get(channelId) ?? 0) + 1;
      sequence.set(channelId, seq);
      const logTime = time(t);
      await writer.addMessage({ channelId, sequence: seq, logTime, publishTime: logTime, data: encoder.encode(JSON.stringify(value)) });
    };
    for (const line of input.lines) {
      if (isEventLine(line)) await add(eventChannel, line.t, line);
      else {
        const channel = channels.get(line.sensor);
        if (channel !== undefined) await add(channel, line.t, line);
      }
    }
    if (input.angles) {
      const angleChannel = await writer.registerChannel({
        schemaId: await writer.registerSchema({
          name: 'hinge.Angles',
          encoding: 'jsonschema',
          data: jsonSchema({ t: { type: 'number' }, pelvisDeg: { type: 'number' }, trunkDeg: { type: 'number' }, lumbarDeg: { type: 'number' } }),
        }),
        topic: '/angles',
        messageEncoding: 'json',
        metadata: new Map(),
      });
      const a = input.angles;
      for (let i = 0; i < a.t.length; i++) {
        const t = a.t[i] as number;
        await add(angleChannel, t, { t, pelvisDeg: a.pelvisDeg[i], trunkDeg: a.trunkDeg[i], lumbarDeg: a.lumbarDeg[i] });
      }
    }
    const repChannel = await writer.registerChannel({
      schemaId: await writer.registerSchema({
        name: 'hinge.Rep',
        encoding: 'jsonschema',
        data: jsonSchema({ index: { type: 'integer' }, peakLumbarDeg: { type: 'number' }, faults: { type: 'array', items: { type: 'string' } } }),
      }),
      topic: '/reps',
      messageEncoding: 'json',
      metadata: new Map(),
    });
    for (const rep of input.reps) await add(repChannel, rep.end, rep);
    await writer.end();
  } finally {
    await handle.close();
  }
}
