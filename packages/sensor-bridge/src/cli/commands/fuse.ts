// `hinge fuse IN.csv`: runs the orientation filter over a CSV of raw IMU data and prints the fused
// orientation (sensor frame -> earth frame, z up) for every row. Columns are found by name, as in the
// BROAD data set: t, acc_x..z (m/s^2), gyr_x..z (rad/s); other columns are ignored. .csv.gz is read too.
// Parsing (quotes, tabs or semicolons, CRLF) is csv-parse's, through ../../import/csv-input.ts.
import { createOrientationFilter, getOrientation, updateOrientation, type OrientationFilter } from '@hinge/analysis';
import { csvRows, CsvInputError } from '../../import/csv-input';
import { CliError, parseCommandArgs, write, type Command, requireFile } from '../command';

const usage = `usage: hinge fuse IN.csv[.gz] [--rate HZ]

Prints t,qw,qx,qy,qz for every row: the 6D orientation (accelerometer + gyroscope; the magnetometer is
not used) from sensor frame to an earth frame with z up. Heading is arbitrary (not observable in 6D).
Needs the columns t, acc_x, acc_y, acc_z (m/s^2) and gyr_x, gyr_y, gyr_z (rad/s), named in the header.

options:
  --rate HZ   nominal sample rate (default: from the median spacing of the first rows' t)
`;

const REQUIRED = ['t', 'acc_x', 'acc_y', 'acc_z', 'gyr_x', 'gyr_y', 'gyr_z'] as const;

export const fuseCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { rate: { type: 'string' } }, usage);
    const [file, extra] = parsed.positionals;
    if (!file || extra !== undefined) throw new CliError('HINGE_ERR_USAGE', `give exactly one CSV file\n\n${usage}`);
    requireFile(file);
    let rateHz = parsed.values.rate === undefined ? NaN : Number(parsed.values.rate);
    if (parsed.values.rate !== undefined && !(rateHz > 0)) throw new CliError('HINGE_ERR_USAGE', `--rate must be a positive number of Hz`);

    let columns: number[] | null = null;
    let filter: OrientationFilter | null = null;
    let pending: number[][] = []; // rows read before the rate is known
    let lastT = NaN;
    let badRows = 0;
    const gyr = new Float64Array(3), acc = new Float64Array(3);
    const format = (t: number) => {
      const q = getOrientation(filter!);
      return `${t},${q[0].toFixed(8)},${q[1].toFixed(8)},${q[2].toFixed(8)},${q[3].toFixed(8)}`;
    };
    const step = (row: number[]): string => {
      const t = row[0]!;
      let ok = true;
      for (let k = 0; k < 3; k++) {
        acc[k] = row[1 + k]!;
        gyr[k] = row[4 + k]!;
        if (!Number.isFinite(acc[k]!) || !Number.isFinite(gyr[k]!)) ok = false;
      }
      if (ok && Number.isFinite(t)) {
        const dt = Number.isFinite(lastT) ? t - lastT : 1 / rateHz;
        updateOrientation(filter!, gyr, acc, dt > 0 ? dt : 1 / rateHz);
        lastT = t;
      } else {
        badRows++;
      }
      return format(t);
    };
    const startFilter = () => {
      if (!(rateHz > 0)) {
        const dts = pending.slice(1).map((r, i) => r[0]! - pending[i]![0]!).filter((d) => d > 0).sort((a, b) => a - b);
        const median = dts[Math.floor(dts.length / 2)];
        if (!median) throw new CliError('HINGE_ERR_BAD_INPUT', 'cannot tell the sample rate from t; give --rate HZ');
        rateHz = 1 / median;
      }
      filter = createOrientationFilter({ sampleRateHz: rateHz });
      const out = pending.map(step);
      pending = [];
      return out;
    };

    // The output header goes out with the first rows, so a file that fails (bad header, no rate) prints nothing on stdout.
    let headerWritten = false;
    const emit = async (rows: string[]) => {
      if (!headerWritten) await write(io.out, 't,qw,qx,qy,qz\n');
      headerWritten = true;
      if (rows.length) await write(io.out, rows.join('\n') + '\n');
    };
    /** A cell as a number; an empty or missing cell is not 0 but missing. */
    const cellNumber = (text: string | undefined) => (text === undefined || text === '' ? NaN : Number(text));
    let out: string[] = [];
    try {
      for await (const { cells, line } of csvRows({ file })) {
        if (!columns) {
          const missing = REQUIRED.filter((c) => !cells.includes(c));
          if (missing.length) throw new CliError('HINGE_ERR_BAD_INPUT', `${file}:${line}: header lacks column(s) ${missing.join(', ')}`);
          columns = REQUIRED.map((c) => cells.indexOf(c));
          continue;
        }
        const row = columns.map((i) => cellNumber(cells[i]));
        if (filter) out.push(step(row));
        else {
          pending.push(row);
          if (pending.length >= 64) out.push(...startFilter());
        }
        if (out.length >= 2000) {
          await emit(out);
          out = [];
        }
      }
    } catch (error) {
      if (error instanceof CsvInputError) throw new CliError('HINGE_ERR_BAD_INPUT', error.message);
      throw error;
    }
    if (!filter && pending.length) out.push(...startFilter());
    await emit(out);
    if (badRows) io.err.write(`warning: ${badRows} row(s) with missing or non-finite acc/gyr kept the previous orientation\n`);
    return 0;
  },
};
