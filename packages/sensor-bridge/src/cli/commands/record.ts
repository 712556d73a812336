// `hinge record --sacrum ADDR --thoracic ADDR OUT.jsonl[.gz]`: records both sensors to a hinge recording,
// live, until Ctrl-C (or --seconds). Without addresses, the placements remembered by
// 'hinge scan --identify' are used; the ones given are remembered for next time.
import { createBleLiveSource, type BleSensorStatus } from '../../ble/live-source';
import { loadNobleTransport } from '../../ble/noble-transport';
import { addressFor, loadPlacements, rememberPlacement } from '../../ble/placements';
import type { BleTransport } from '../../ble/transport';
import type { RecordingLine } from '@hinge/protocol';
import { RecordingWriter } from '../../recording/writer';
import { createQuantizer } from '../../recording/quantize';
import { defaultDataDir } from '../../storage/data-dir';
import { CliError, parseCommandArgs, requireOutput, type Command } from '../command';

const usage = `usage: hinge record [--sacrum ADDR] [--thoracic ADDR] OUT.jsonl[.gz] [options]

Connects to the two sensors, streams from both on one clock and writes a hinge recording
(docs/recording-format.md) until Ctrl-C; OUT.jsonl.gz is written compressed
(about a fifth of the size), flushed every 250 ms like the plain one. Drop-outs are recorded as disconnect/reconnect events
and the sensor is reconnected. Addresses default to the placements remembered by
'hinge scan --identify'; addresses given here are remembered.

options:
  --sacrum ADDR          Bluetooth address of the sensor on the sacrum
  --thoracic ADDR        Bluetooth address of the sensor on the thoracic spine
  --seconds N            stop after N seconds (default: until Ctrl-C)
  --rate HZ              requested rate (default 100; DOT streams at 60)
  --acc-range G          MetaMotion accelerometer range (default 8)
  --gyro-range DPS       MetaMotion gyroscope range (default 1000)
  --orientation          record the devices' own orientation quaternion instead of raw acc + gyr
  --data-dir DIR         where placements are remembered (default $HINGE_DATA_DIR or ~/.hinge)
`;

function statusLine(sensors: BleSensorStatus[]): string {
  return sensors
    .map((s) => `${s.id} ${s.presence} ${s.rateHz} Hz` + (s.batteryPct !== null ? ` bat ${s.batteryPct}%` : '') + (s.rssiDbm !== null ? ` ${s.rssiDbm} dBm` : '') + ` lost ${s.lostSamples} bad ${s.malformed}`)
    .join(' | ');
}

export function createRecordCommand(loadTransport: () => Promise<BleTransport> = loadNobleTransport): Command {
  return {
    usage,
    async run(args, io) {
      const parsed = parseCommandArgs(args, {
            sacrum: { type: 'string' },
            thoracic: { type: 'string' },
            seconds: { type: 'string' },
            rate: { type: 'string' },
            'acc-range': { type: 'string' },
            'gyro-range': { type: 'string' },
            orientation: { type: 'boolean', default: false },
            'data-dir': { type: 'string' },
          }, usage);
      const o = parsed.values;
      const [out, ...extra] = parsed.positionals;
      if (!out || extra.length > 0) throw new CliError('HINGE_ERR_USAGE', `give exactly one output file\n\n${usage}`);
      requireOutput(out);
      const number = (name: string, value: string | undefined): number | undefined => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) throw new CliError('HINGE_ERR_USAGE', `--${name} must be a positive number (got ${value})`);
        return n;
      };
      const seconds = number('seconds', o.seconds);
      const dataDir = o['data-dir'] ?? defaultDataDir();
      const memory = loadPlacements(dataDir);
      if (memory.warning) io.err.write(`warning: ${memory.warning}\n`);
      const addresses = { sacrum: o.sacrum ?? addressFor(memory, 'sacrum'), thoracic: o.thoracic ?? addressFor(memory, 'thoracic') };
      for (const placement of ['sacrum', 'thoracic'] as const) {
        if (!addresses[placement]) throw new CliError('HINGE_ERR_USAGE', `no sensor known for the ${placement}: pass --${placement} ADDR, or run 'hinge scan --identify ${placement}'`);
      }
      if (addresses.sacrum!.toLowerCase() === addresses.thoracic!.toLowerCase()) throw new CliError('HINGE_ERR_USAGE', 'the sacrum and thoracic sensors must be two different devices');

      const source = createBleLiveSource({
        sensors: (['sacrum', 'thoracic'] as const).map((p) => ({ id: p, placement: p, address: addresses[p]! })),
        transport: loadTransport,
        driverOptions: {
          ...(o.rate !== undefined ? { rateHz: number('rate', o.rate)! } : {}),
          ...(o['acc-range'] !== undefined ? { accRangeG: number('acc-range', o['acc-range'])! } : {}),
          ...(o['gyro-range'] !== undefined ? { gyrRangeDps: number('gyro-range', o['gyro-range'])! } : {}),
          orientation: o.orientation,
        },
      });
      // The writer needs the header, which start() returns; lines arrive only after that.
      const file: { writer?: RecordingWriter; quantize?: (line: RecordingLine) => RecordingLine } = {};
      let failed: Error | undefined;
      let resolveFailed: () => void = () => {};
      const writeFailed = new Promise<void>((r) => (resolveFailed = r));
      io.err.write(`connecting to sacrum ${addresses.sacrum} and thoracic ${addresses.thoracic} ...\n`);
      // Bluetooth failures are a BleError with its HINGE_ERR_BLE_ code, printed by main.ts.
      const header = await source.start({
        lines: (batch) => {
          for (const line of batch) file.writer?.append(file.quantize!(line));
        },
        statusChanged: () => {},
        ended: () => {},
      });
      for (const placement of ['sacrum', 'thoracic'] as const) {
        const info = header.sensors.find((s) => s.id === placement)!;
        rememberPlacement(dataDir, addresses[placement]!, { placement, ...(typeof info.model === 'string' ? { model: info.model } : {}) });
      }
      const writer = new RecordingWriter(out, header, {
        onError: (error) => {
          failed = error;
          resolveFailed();
        },
      });
      file.quantize = createQuantizer(header);
      file.writer = writer;
      io.err.write(`recording to ${out}; Ctrl-C stops\n`);
      const ticker = setInterval(() => io.err.write(statusLine(source.status().sensors) + '\n'), 2000);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([io.interrupted, writeFailed, ...(seconds ? [new Promise<void>((r) => (timer = setTimeout(r, seconds * 1000)))] : [])]);
      } finally {
        clearInterval(ticker);
        clearTimeout(timer);
        await source.stop();
        writer.close();
      }
      if (failed) throw failed; // a RecordingWriteError: HINGE_ERR_RECORDING_WRITE
      const status = source.status().sensors;
      io.err.write(`stopped: ${writer.writtenLineCount} lines in ${out}; ${statusLine(status)}\n`);
      return 0;
    },
  };
}

export const recordCommand = createRecordCommand();
