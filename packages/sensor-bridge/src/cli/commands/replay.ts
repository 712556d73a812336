// `hinge replay FILE`: plays a recording through the streaming analysis in real time (times
// --speed) and prints each analysis event as one JSON line on stdout as it happens.
import type { AnalysisEvent } from '@hinge/protocol';
import { createSessionAnalyzer } from '@hinge/analysis';
import { createReplaySource } from '../../sources/replay';
import { CliError, parseCommandArgs, write, type Command, requireFile } from '../command';

const usage = `usage: hinge replay FILE [--speed N | --fast]

Replays a recording through the analysis and prints its events (rep-started, phase, alert,
rep-completed, set-completed, calibrated, warnings) as JSON lines, as they happen.

options:
  --speed N   playback speed, 1 = real time (default 1); 0 = as fast as possible
  --fast      as fast as possible
`;

export const replayCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { speed: { type: 'string' }, fast: { type: 'boolean' } }, usage);
    const [file, extra] = parsed.positionals;
    if (!file || extra !== undefined) throw new CliError('HINGE_ERR_USAGE', `give exactly one recording\n\n${usage}`);
    requireFile(file);
    const speedText = parsed.values.speed;
    const speedValue = speedText === undefined ? 1 : Number(speedText);
    if (speedText !== undefined && (speedText.trim() === '' || !Number.isFinite(speedValue) || speedValue < 0)) {
      throw new CliError('HINGE_ERR_USAGE', `--speed must be a number >= 0, not "${speedText}"`);
    }
    const speed = parsed.values.fast || speedValue === 0 ? Infinity : speedValue;

    const source = createReplaySource({ file, speed, loop: false });
    let output: Promise<void> = Promise.resolve();
    let finished: (reason: string) => void = () => {};
    const done = new Promise<string>((resolve) => (finished = resolve));
    let analyzer: ReturnType<typeof createSessionAnalyzer> | null = null;
    let events = 0;
    // A recording that cannot be played is a SourceError (HINGE_ERR_SOURCE), printed by main.ts.
    const header = await source.start({
      lines(batch) {
        if (!analyzer) return;
        for (const line of batch) analyzer.push(line);
        const text = analyzer
          .takeEvents()
          .map((e: AnalysisEvent) => JSON.stringify(e) + '\n')
          .join('');
        analyzer.takeAngles();
        if (text) {
          events += text.split('\n').length - 1;
          output = output.then(() => write(io.out, text));
        }
      },
      statusChanged() {},
      ended: (reason) => finished(reason),
    });
    analyzer = createSessionAnalyzer(header);
    const reason = await Promise.race([done, io.interrupted.then(() => 'interrupted')]);
    await source.stop();
    const doc = analyzer.finish();
    const last = analyzer.takeEvents();
    events += last.length;
    await output;
    await write(io.out, last.map((e: AnalysisEvent) => JSON.stringify(e) + '\n').join(''));
    const problems = source.status().problems;
    for (const p of problems) io.err.write(`${p}\n`);
    io.err.write(`${reason}: ${events} events, ${doc.summary.repCount} reps\n`);
    return 0;
  },
};
