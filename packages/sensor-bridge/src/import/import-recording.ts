// Vendor exports of two sensors -> one hinge recording (docs/import.md). Each sensor's file(s) are read
// by its format's reader (./vendor-formats.ts), both are put on one clock, samples are rounded like live
// ones (../recording/quantize.ts) and merged in time order. The result is what `hinge import` writes and
// what the bridge stores for an uploaded import.
import type { RecordingHeader, RecordingLine, SensorInfo } from '@hinge/protocol';
import { createQuantizer } from '../recording/quantize';
import { SOFTWARE_VERSION } from '../version';
import { CsvInputError, sourceName, type CsvSource } from './csv-input';
import {
  readDot,
  readGeneric,
  readMetaBase,
  readWitMotion,
  type ColumnMapping,
  type GyrUnit,
  type ImportedSensor,
} from './vendor-formats';

export const IMPORT_FORMATS = ['metabase', 'dot', 'witmotion', 'generic'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const PLACEMENTS = ['sacrum', 'thoracic'] as const;
type Placement = (typeof PLACEMENTS)[number];

export interface SensorFiles {
  sources: CsvSource[];
  /** WitMotion: the DeviceName of this sensor when one file holds several. */
  device?: string;
}

export interface ImportSpec {
  format: ImportFormat;
  sacrum: SensorFiles;
  thoracic: SensorFiles;
  /** `clock` (default): the exports' own times are one clock (epoch time, synchronised DOTs); `start`: both begin at t = 0. */
  align?: 'clock' | 'start';
  /** generic only */
  mapping?: ColumnMapping;
  /** dot only: the unit of Gyr_X..Z (deg/s, as the DOT sends it). */
  dotGyrUnit?: GyrUnit;
  /** Wall-clock time of t = 0 when the exports carry none (DOT, elapsed time). Default: now. */
  startedAt?: string;
}

export interface ImportResult {
  header: RecordingHeader;
  lines: RecordingLine[];
  warnings: string[];
}

async function readSensor(spec: ImportSpec, files: SensorFiles): Promise<ImportedSensor> {
  switch (spec.format) {
    case 'metabase':
      return readMetaBase(files.sources);
    case 'dot':
      return readDot(files.sources, spec.dotGyrUnit ? { gyrUnit: spec.dotGyrUnit } : {});
    case 'witmotion':
      return readWitMotion(files.sources, files.device !== undefined ? { device: files.device } : {});
    case 'generic':
      if (!spec.mapping) throw new CsvInputError('generic', null, 'a generic CSV needs a column mapping (t=COL;acc=X,Y,Z;gyr=X,Y,Z)');
      return readGeneric(files.sources, spec.mapping);
  }
}

/** Samples in time order: a repeated time is dropped (counted), time going backwards is an error naming the row. */
function checkOrder(placement: Placement, sensor: ImportedSensor): { samples: ImportedSensor['samples']; repeated: number } {
  const out: ImportedSensor['samples'] = [];
  let repeated = 0;
  for (const s of sensor.samples) {
    const last = out[out.length - 1];
    if (last && s.tS === last.tS) {
      repeated++;
      continue;
    }
    if (last && s.tS < last.tS) throw new CsvInputError(s.at, null, `${placement}: time goes backwards (${s.tS} after ${last.tS})`);
    out.push(s);
  }
  if (out.length === 0) throw new CsvInputError(placement, null, 'no samples');
  return { samples: out, repeated };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function importRecording(spec: ImportSpec): Promise<ImportResult> {
  const warnings: string[] = [];
  const sensors = {} as Record<Placement, { read: ImportedSensor; samples: ImportedSensor['samples'] }>;
  for (const placement of PLACEMENTS) {
    const read = await readSensor(spec, spec[placement]);
    const { samples, repeated } = checkOrder(placement, read);
    warnings.push(...read.warnings.map((w) => `${placement}: ${w}`));
    if (repeated > 0) warnings.push(`${placement}: ${repeated} rows repeat the time of the row before; left out`);
    sensors[placement] = { read, samples };
  }
  const align = spec.align ?? 'clock';
  const { sacrum, thoracic } = sensors;
  if (align === 'clock' && sacrum.read.clock !== thoracic.read.clock) {
    throw new CsvInputError('import', null, `the two exports have different clocks (${sacrum.read.clock}, ${thoracic.read.clock}); use --align start`);
  }
  const span = (s: typeof sacrum) => [s.samples[0]!.tS, s.samples[s.samples.length - 1]!.tS] as const;
  const [s0, s1] = span(sacrum);
  const [t0s, t1s] = span(thoracic);
  if (align === 'clock' && (s1 < t0s || t1s < s0)) {
    throw new CsvInputError('import', null, `sacrum (${s0}..${s1} s) and thoracic (${t0s}..${t1s} s) do not overlap in time: were their clocks synchronised? If not, use --align start`);
  }
  const originOf = (s: typeof sacrum) => (align === 'start' ? s.samples[0]!.tS : Math.min(s0, t0s));
  const epochStart = align === 'clock' && sacrum.read.clock === 'epoch' ? Math.min(s0, t0s) : null;
  const startedAt = epochStart !== null ? new Date(epochStart * 1000).toISOString() : (spec.startedAt ?? new Date().toISOString());
  if (epochStart === null && !spec.startedAt) warnings.push('the exports carry no wall-clock time; startedAt is the time of the import');

  const info = (placement: Placement): SensorInfo => {
    const times = sensors[placement].samples.map((s) => s.tS);
    const step = median(times.slice(1).map((t, i) => t - times[i]!));
    return {
      id: placement,
      placement,
      model: sensors[placement].read.model,
      ...(step > 0 ? { sampleRateHz: Math.round((1 / step) * 10) / 10 } : {}),
      importedFrom: spec[placement].sources.map((s) => sourceName(s).split(/[/\\]/).pop()),
    };
  };
  const header: RecordingHeader = {
    format: 'hinge-recording',
    version: 1,
    startedAt,
    sensors: [info('sacrum'), info('thoracic')],
    notes: `imported from ${spec.format} export${align === 'start' ? ' (sensors aligned at their first samples)' : ''}`,
    software: { name: 'hinge', version: SOFTWARE_VERSION },
  };
  const quantize = createQuantizer(header);
  const lines: RecordingLine[] = [];
  for (const placement of PLACEMENTS) {
    const origin = originOf(sensors[placement]);
    for (const s of sensors[placement].samples) {
      lines.push(quantize({ t: s.tS - origin, sensor: placement, ...(s.acc ? { acc: s.acc } : {}), ...(s.gyr ? { gyr: s.gyr } : {}), ...(s.quat ? { quat: s.quat } : {}) }));
    }
  }
  lines.sort((a, b) => a.t - b.t); // stable: each sensor's own order is kept
  return { header, lines, warnings };
}
