// Exports of a stored session as CSV: the angle series and the reps, written by csv-stringify. The
// whole session as MCAP is mcap-export.ts; the recording itself is exported as-is by the route.
import { Readable } from 'node:stream';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { type AngleSample, type RepRecord, FAULTS } from '@hinge/protocol';

/** Cell separator and decimal mark: `,` and `.` by default; `;` and `,` for decimal-comma spreadsheets. */
export interface CsvFormat {
  separator: ',' | ';';
  decimal: '.' | ',';
}
export const CSV_DEFAULT: CsvFormat = { separator: ',', decimal: '.' };
export const CSV_DECIMAL_COMMA: CsvFormat = { separator: ';', decimal: ',' };

const csvNumber = (v: number, format: CsvFormat): string =>
  !Number.isFinite(v) ? '' : format.decimal === '.' ? String(v) : String(v).replace('.', ',');

/** csv-stringify options: a header row, `\n` after every row, empty cells for null, numbers in the format. */
const csvOptions = (columns: readonly string[], format: CsvFormat) => ({
  header: true,
  columns: [...columns],
  delimiter: format.separator,
  record_delimiter: '\n',
  cast: { number: (v: number) => csvNumber(v, format) },
});

export const ANGLE_CSV_COLUMNS = ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'] as const;

/**
 * `t,pelvisDeg,trunkDeg,lumbarDeg`, one row per angle sample; empty cells where a sensor had no data.
 * Streams: each batch of samples becomes one piece of text (csv-stringify's sync API per batch: far
 * less garbage than a stream object per row, which let a 4-hour export's heap grow by ~100 MB).
 */
export function anglesCsv(batches: AsyncIterable<AngleSample[]>, format: CsvFormat = CSV_DEFAULT): Readable {
  async function* text() {
    let header = true;
    for await (const batch of batches) {
      const rows = batch.map((s) => [s.t, s.pelvisDeg, s.trunkDeg, s.lumbarDeg]);
      if (rows.length === 0 && !header) continue;
      yield stringifySync(rows, { ...csvOptions(ANGLE_CSV_COLUMNS, format), header });
      header = false;
    }
    if (header) yield stringifySync([], { ...csvOptions(ANGLE_CSV_COLUMNS, format), header: true });
  }
  return Readable.from(text(), { objectMode: false });
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
  'peakLumbarUncertaintyDeg',
  'hipShare',
  'descentS',
  'ascentS',
  ...FAULTS,
] as const;

/** One row per rep; each fault is a 0/1 column so spreadsheets can sum them. */
export function repsCsv(reps: readonly RepRecord[], format: CsvFormat = CSV_DEFAULT): string {
  const rows = reps.map((r) => [
    r.index,
    r.setIndex ?? null,
    r.start,
    r.bottom,
    r.end,
    r.peakTrunkDeg,
    r.peakPelvisDeg,
    r.peakLumbarDeg,
    r.peakLumbarUncertaintyDeg ?? null,
    r.hipShare,
    r.descentS,
    r.ascentS,
    ...FAULTS.map((f) => (r.faults.includes(f) ? 1 : 0)),
  ]);
  return stringifySync(rows, csvOptions(REP_CSV_COLUMNS, format));
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
  peakLumbarUncertaintyDeg: 'degrees, one standard deviation of peakLumbarDeg (empty when not known)',
  hipShare: 'pelvisDeg / trunkDeg at the bottom of the rep, 0..1',
  descentS: 's',
  ascentS: 's',
  index: 'rep number from 1',
  set: "the clinician's set from 1, empty outside sets",
  ...Object.fromEntries(FAULTS.map((f) => [f, '1 when the rep had this fault, else 0'])),
};
