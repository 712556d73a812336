// `hinge import FORMAT --sacrum FILE[,FILE] --thoracic FILE[,FILE] OUT.jsonl[.gz]`: vendor exports of the
// two sensors into one hinge recording (docs/import.md).
import { writeRecordingFile } from '../../recording/writer';
import { IMPORT_FORMATS, importRecording, type ImportFormat, type ImportSpec } from '../../import/import-recording';
import { parseColumnMapping, type AccUnit, type GyrUnit, type TimeUnit } from '../../import/vendor-formats';
import { CliError, parseCommandArgs, requireFile, requireOutput, type Command } from '../command';

const usage = `usage: hinge import FORMAT --sacrum FILE[,FILE] --thoracic FILE[,FILE] OUT.jsonl[.gz] [options]

Turns the exports of two sensors into one hinge recording (docs/recording-format.md),
ready for 'hinge analyze'. Formats (docs/import.md):
  metabase    MbientLab MetaBase CSV: two files per sensor, its Accelerometer and its
              Gyroscope export (either order), e.g. --sacrum S_Accelerometer.csv,S_Gyroscope.csv
  dot         Movella DOT CSV export with Acc_X..Z and Gyr_X..Z (or Quat_W..Z)
  witmotion   WitMotion software's recorded text (AccX(g).., AsX(°/s)..)
  generic     any CSV, with --columns "t=COL;acc=X,Y,Z;gyr=X,Y,Z" and the units below

options:
  --sacrum-device NAME     witmotion: DeviceName of the sacrum sensor (one file, several devices)
  --thoracic-device NAME   witmotion: DeviceName of the thoracic sensor
  --align clock|start      clock (default): the exports' times are one clock (epoch time,
                           synchronised DOTs); start: both sensors begin at t = 0
  --started-at ISO         wall-clock time of t = 0 when the exports carry none
  --columns MAP            generic: which columns hold time, acceleration and rotation
  --time-unit s|ms|us      generic: unit of the time column (default s)
  --acc-unit m/s2|g        generic: unit of acceleration (default m/s2)
  --gyr-unit rad/s|deg/s   generic: unit of rotation (default rad/s); dot: of Gyr_X..Z (default deg/s)
`;

function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliError('HINGE_ERR_USAGE', `--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export const importCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(
      args,
      {
        sacrum: { type: 'string' },
        thoracic: { type: 'string' },
        'sacrum-device': { type: 'string' },
        'thoracic-device': { type: 'string' },
        align: { type: 'string' },
        'started-at': { type: 'string' },
        columns: { type: 'string' },
        'time-unit': { type: 'string' },
        'acc-unit': { type: 'string' },
        'gyr-unit': { type: 'string' },
      },
      usage,
    );
    const o = parsed.values;
    const [format, out, extra] = parsed.positionals;
    if (!format || !out || extra !== undefined) throw new CliError('HINGE_ERR_USAGE', `give FORMAT and OUT\n\n${usage}`);
    if (!IMPORT_FORMATS.includes(format as ImportFormat)) throw new CliError('HINGE_ERR_USAGE', `unknown format ${JSON.stringify(format)}; one of ${IMPORT_FORMATS.join(', ')}`);
    if (!o.sacrum || !o.thoracic) throw new CliError('HINGE_ERR_USAGE', `give both --sacrum and --thoracic\n\n${usage}`);
    if (!/\.jsonl(\.gz)?$/.test(out)) throw new CliError('HINGE_ERR_USAGE', `OUT must end in .jsonl or .jsonl.gz, got ${out}`);
    requireOutput(out);
    const files = (list: string) => list.split(',').filter(Boolean).map((file) => (requireFile(file), { file }));
    const gyrUnit = choice<GyrUnit>('gyr-unit', o['gyr-unit'], ['deg/s', 'rad/s']);
    const align = choice('align', o.align, ['clock', 'start'] as const);
    if (o['started-at'] !== undefined && Number.isNaN(Date.parse(o['started-at']))) throw new CliError('HINGE_ERR_USAGE', '--started-at must be an ISO 8601 time');
    const spec: ImportSpec = {
      format: format as ImportFormat,
      sacrum: { sources: files(o.sacrum), ...(o['sacrum-device'] !== undefined ? { device: o['sacrum-device'] } : {}) },
      thoracic: { sources: files(o.thoracic), ...(o['thoracic-device'] !== undefined ? { device: o['thoracic-device'] } : {}) },
      ...(align ? { align } : {}),
      ...(o['started-at'] !== undefined ? { startedAt: new Date(o['started-at']).toISOString() } : {}),
      ...(format === 'dot' && gyrUnit ? { dotGyrUnit: gyrUnit } : {}),
    };
    if (format === 'generic') {
      if (!o.columns) throw new CliError('HINGE_ERR_USAGE', 'generic needs --columns "t=COL;acc=X,Y,Z;gyr=X,Y,Z"');
      try {
        spec.mapping = parseColumnMapping(o.columns, {
          ...(o['time-unit'] !== undefined ? { timeUnit: choice<TimeUnit>('time-unit', o['time-unit'], ['s', 'ms', 'us'])! } : {}),
          ...(o['acc-unit'] !== undefined ? { accUnit: choice<AccUnit>('acc-unit', o['acc-unit'], ['m/s2', 'g'])! } : {}),
          ...(gyrUnit ? { gyrUnit } : {}),
        });
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError('HINGE_ERR_USAGE', (error as Error).message);
      }
    }
    // Files that cannot be imported are a CsvInputError (HINGE_ERR_IMPORT, as on REST), printed by main.ts.
    const { header, lines, warnings } = await importRecording(spec);
    await writeRecordingFile(out, header, lines);
    for (const w of warnings) io.err.write(`warning: ${w}\n`);
    const samples = lines.length;
    const seconds = lines.length ? lines[lines.length - 1]!.t : 0;
    io.err.write(`imported ${samples} samples (${seconds.toFixed(1)} s) into ${out}\n`);
    return 0;
  },
};
