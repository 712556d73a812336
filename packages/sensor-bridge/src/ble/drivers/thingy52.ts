// Nordic Thingy:52 motion service. Streaming starts on subscribe alone (Thingy firmware docs); the rate is
// set by reading the 9-byte motion config (0401), patching motion_freq_hz (bytes 6-7, 5..200 Hz) and
// writing it back, as Nordic-Thingy52-Nodejs does. No timestamps: the arrival-time clock applies.
import { decodeThingy52, THINGY52_RESOLUTION } from '../decoders/thingy52';
import { normalizeUuid } from '../transport';
import { bestEffort, guarded, readStandardBatteryPct, type SensorDriver } from './driver';

const thingyUuid = (short: string): string => normalizeUuid(`ef68${short}-9b35-4933-9b10-52ffa9740042`);
export const THINGY_MOTION_SERVICE = thingyUuid('0400');
export const THINGY_CONFIG_CHAR = thingyUuid('0401');
export const THINGY_QUATERNION_CHAR = thingyUuid('0404');
export const THINGY_RAW_CHAR = thingyUuid('0406');
/** The Thingy advertises its configuration service (0100). */
const THINGY_CONFIGURATION_SERVICE = thingyUuid('0100');
const CONFIG_LENGTH = 9;
const FREQ_OFFSET = 6;
const MIN_HZ = 5;
const MAX_HZ = 200;

export const thingy52Driver: SensorDriver = {
  model: 'thingy52',
  label: 'Nordic Thingy:52',
  matches: (ad) =>
    ad.serviceUuids.includes(THINGY_CONFIGURATION_SERVICE) || ad.serviceUuids.includes(THINGY_MOTION_SERVICE) || /^thingy/i.test(ad.localName ?? ''),

  async start(connection, options, handlers) {
    const rateHz = Math.round(Math.min(MAX_HZ, Math.max(MIN_HZ, options.rateHz ?? 100)));
    const current = await connection.read(THINGY_MOTION_SERVICE, THINGY_CONFIG_CHAR);
    if (current.length !== CONFIG_LENGTH) throw new Error(`Thingy motion config is ${current.length} bytes, expected ${CONFIG_LENGTH}`);
    const config = Uint8Array.from(current);
    new DataView(config.buffer).setUint16(FREQ_OFFSET, rateHz, true);
    await connection.write(THINGY_MOTION_SERVICE, THINGY_CONFIG_CHAR, config, false);

    const stream = options.orientation ? 'quaternion' : 'raw';
    const characteristic = options.orientation ? THINGY_QUATERNION_CHAR : THINGY_RAW_CHAR;
    await connection.subscribe(THINGY_MOTION_SERVICE, characteristic, guarded(handlers, (bytes) => {
      const result = decodeThingy52(bytes, stream);
      if (result.problem) handlers.problem(result.problem);
      // Raw data carries the compass too; a sample needs acc + gyr, which it has.
      handlers.readings(result.readings);
    }));
    return {
      timing: { rateHz, hasDeviceTime: false },
      resolution: THINGY52_RESOLUTION,
      stop: () => bestEffort([() => connection.unsubscribe(THINGY_MOTION_SERVICE, characteristic)]),
    };
  },

  readBatteryPct: readStandardBatteryPct,
};
