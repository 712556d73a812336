// WitMotion WT901BLECL / BWT901BLE (BLE 5.0). It streams 0x55 0x61 frames by default on ffe4; hinge sets
// the return rate (unlock FF AA 69 88 B5, then RRATE register 0x03) without saving it to flash. The
// UUIDs use the base ...00805f9a34fb (not the SIG base), so they are full 128-bit UUIDs. No battery
// characteristic and no timestamps.
import { decodeWitMotion, WITMOTION_RESOLUTION } from '../decoders/witmotion';
import { normalizeUuid } from '../transport';
import { bestEffort, guarded, nearest, type SensorDriver } from './driver';

export const WIT_SERVICE = normalizeUuid('0000ffe5-0000-1000-8000-00805f9a34fb');
export const WIT_NOTIFY_CHAR = normalizeUuid('0000ffe4-0000-1000-8000-00805f9a34fb');
export const WIT_WRITE_CHAR = normalizeUuid('0000ffe9-0000-1000-8000-00805f9a34fb');
/** RRATE values (WitStandardProtocol_JY901 REG.h). Rates above 50 Hz over BLE were not verified. */
const RRATE_CODE: Record<number, number> = { 10: 0x06, 20: 0x07, 50: 0x08, 100: 0x09 };
const UNLOCK = [0xff, 0xaa, 0x69, 0x88, 0xb5];
const RRATE_REGISTER = 0x03;

export const witmotionDriver: SensorDriver = {
  model: 'witmotion',
  label: 'WitMotion WT901BLE',
  matches: (ad) => ad.serviceUuids.includes(WIT_SERVICE) || /^wt901/i.test(ad.localName ?? ''),

  async start(connection, options, handlers) {
    const rateHz = nearest([10, 20, 50, 100], options.rateHz ?? 100);
    let carry: Uint8Array = new Uint8Array(0);
    await connection.subscribe(WIT_SERVICE, WIT_NOTIFY_CHAR, guarded(handlers, (bytes) => {
      const { result, rest } = decodeWitMotion(carry, bytes);
      carry = rest;
      if (result.problem) handlers.problem(result.problem);
      handlers.readings(result.readings.filter((r) => r.accMS2));
    }));
    await connection.write(WIT_SERVICE, WIT_WRITE_CHAR, Uint8Array.from(UNLOCK), true);
    await connection.write(WIT_SERVICE, WIT_WRITE_CHAR, Uint8Array.from([0xff, 0xaa, RRATE_REGISTER, RRATE_CODE[rateHz]!, 0x00]), true);
    return {
      timing: { rateHz, hasDeviceTime: false },
      resolution: WITMOTION_RESOLUTION,
      stop: () => bestEffort([() => connection.unsubscribe(WIT_SERVICE, WIT_NOTIFY_CHAR)]),
    };
  },

  readBatteryPct: async () => undefined,
};
