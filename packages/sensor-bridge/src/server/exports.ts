// Exports of a stored session as CSV: the angle series and the reps. The whole session as MCAP is
// mcap-export.ts; the recording itself is exported as-is by the route.
import { type AngleSeries, type RepRecord, FAULTS } from '@hinge/protocol';

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
