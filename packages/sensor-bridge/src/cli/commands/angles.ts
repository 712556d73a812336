// `hinge angles FILE --csv`: the pelvis, trunk and lumbar angle series of a recording, streamed as CSV.
import { CliError, parseCommandArgs, write, type Command } from '../command';
import { parseSettings, settingsOptions } from '../settings-options';
import { analyzeFile } from './analyze';

const usage = `usage: hinge angles FILE --csv [--strict]

Prints the body angles of a recording on one 100 Hz time base (recording time, s; degrees) as CSV:
t,pelvisDeg,trunkDeg,lumbarDeg. An empty cell is a gap (a sensor had no data): nothing is invented.
`;

const cell = (v: number | null) => (v === null ? '' : String(v));

export const anglesCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { csv: { type: 'boolean' }, strict: { type: 'boolean' }, ...settingsOptions }, usage);
    const [file, extra] = parsed.positionals;
    if (!file || extra !== undefined) throw new CliError('HINGE_ERR_USAGE', `give exactly one recording\n\n${usage}`);
    if (!parsed.values.csv) throw new CliError('HINGE_ERR_USAGE', `only --csv output is supported (the JSON series is 'hinge analyze FILE --json --angles')`);
    // The header goes out with the first angles, so a file that fails before any (missing, uncalibrated) prints nothing on stdout.
    let header = 't,pelvisDeg,trunkDeg,lumbarDeg\n';
    await analyzeFile(
      file,
      {
        strict: !!parsed.values.strict,
        angles: false,
        settings: parseSettings(parsed.values),
        onAngles: async (angles) => {
          if (angles.length === 0) return;
          await write(io.out, header + angles.map((a) => `${a.t},${cell(a.pelvisDeg)},${cell(a.trunkDeg)},${cell(a.lumbarDeg)}`).join('\n') + '\n');
          header = '';
        },
      },
      io,
    );
    if (header) await write(io.out, header);
    return 0;
  },
};
