// `hinge scan`: lists the sensors in range (name, model, address, signal, battery, remembered placement).
// `--identify sacrum|thoracic` then streams from every sensor found and remembers the one the user taps.
import { loadNobleTransport } from '../../ble/noble-transport';
import { addressFor, loadPlacements, rememberPlacement } from '../../ble/placements';
import { identifyByTap, scanForSensors } from '../../ble/scan';
import type { BleTransport } from '../../ble/transport';
import { defaultDataDir } from '../../storage/data-dir';
import { CliError, parseCommandArgs, write, type Command } from '../command';

const usage = `usage: hinge scan [--seconds N] [--no-battery] [--all] [--identify sacrum|thoracic]

Scans for supported sensors (MetaMotion, Movella DOT, WitMotion WT901BLE, Thingy:52, the
hinge open profile) and prints name, model, address, signal (dBm), battery and the placement
remembered for it. Reading the battery connects to each sensor for a moment.

options:
  --seconds N            scan time (default 8)
  --no-battery           do not connect to read batteries
  --all                  also list devices that are not supported sensors
  --identify PLACEMENT   then stream from every sensor found: tap the one on PLACEMENT
                         (sacrum or thoracic) and it is remembered for 'hinge record'
  --data-dir DIR         where placements are remembered (default $HINGE_DATA_DIR or ~/.hinge)
`;

export function createScanCommand(loadTransport: () => Promise<BleTransport> = loadNobleTransport): Command {
  return {
    usage,
    async run(args, io) {
      const parsed = parseCommandArgs(args, {
            seconds: { type: 'string', default: '8' },
            'no-battery': { type: 'boolean', default: false },
            all: { type: 'boolean', default: false },
            identify: { type: 'string' },
            'data-dir': { type: 'string' },
          }, usage);
      const o = parsed.values;
      const seconds = Number(o.seconds);
      if (!(seconds > 0 && seconds <= 600)) throw new CliError('HINGE_ERR_USAGE', `--seconds must be between 0 and 600 (got ${o.seconds})`);
      if (o.identify !== undefined && o.identify !== 'sacrum' && o.identify !== 'thoracic') {
        throw new CliError('HINGE_ERR_USAGE', `--identify takes sacrum or thoracic (got ${o.identify})`);
      }
      const dataDir = o['data-dir'] ?? defaultDataDir();

      // Bluetooth failures are a BleError with its HINGE_ERR_BLE_ code, printed by main.ts.
      const transport = await loadTransport();
      const found = await scanForSensors(transport, { durationMs: seconds * 1000, readBattery: !o['no-battery'] });
      const memory = loadPlacements(dataDir);
      if (memory.warning) io.err.write(`warning: ${memory.warning}\n`);
      const shown = found.filter((f) => o.all || f.model !== null || f.refusal?.startsWith('MetaWear'));
      const rows = shown.map((f) => [
        f.name || '-',
        f.model ?? `- (${f.refusal})`,
        f.address || '(hidden)',
        `${f.rssiDbm}`,
        f.batteryPct === null ? '-' : `${f.batteryPct}%`,
        memory.sensors[f.address]?.placement ?? '-',
      ]);
      const header = ['NAME', 'MODEL', 'ADDRESS', 'RSSI', 'BATTERY', 'PLACEMENT'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const format = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
      await write(io.out, format(header));
      for (const r of rows) await write(io.out, format(r));
      if (shown.length === 0) io.err.write(`no sensors found in ${seconds} s: switch them on (a shake wakes most), bring them closer, and make sure no phone app is connected to them\n`);

      if (!o.identify) return 0;
      const candidates = found.filter((f) => f.model !== null && f.refusal === null && f.address !== '');
      if (candidates.length === 0) throw new CliError('HINGE_ERR_BLE_SENSOR_NOT_FOUND', 'no supported sensor to identify');
      const address = await identifyByTap(transport, candidates, {
        timeoutMs: 60_000,
        interrupted: io.interrupted,
        onReady: () => io.err.write(`streaming from ${candidates.length} sensor(s): tap the one on the ${o.identify} firmly\n`),
      });
      if (!address) throw new CliError('HINGE_ERR_BLE_NO_TAP', 'no tap seen within 60 s; nothing remembered');
      const sensor = candidates.find((c) => c.address === address)!;
      const previous = addressFor(memory, o.identify);
      rememberPlacement(dataDir, address, { placement: o.identify, model: sensor.model!, name: sensor.name });
      await write(io.out, `tapped: ${sensor.name || sensor.model} ${address} is now the ${o.identify} sensor${previous && previous !== address ? ` (was ${previous})` : ''}\n`);
      return 0;
    },
  };
}

export const scanCommand = createScanCommand();
