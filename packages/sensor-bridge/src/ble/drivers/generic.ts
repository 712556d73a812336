// The hinge open sensor profile (docs/sensors.md; packet layout in ../decoders/generic.ts). The host
// writes the rate (u16 LE, Hz) to the config characteristic, then subscribes to the data characteristic.
// Packets carry a device timestamp (u32 us) and a sequence number (u16). Battery: the SIG Battery Service.
import { decodeGeneric, GENERIC_RESOLUTION } from '../decoders/generic';
import { normalizeUuid } from '../transport';
import { bestEffort, guarded, readStandardBatteryPct, type SensorDriver } from './driver';

export const GENERIC_SERVICE = normalizeUuid('6869e001-4a8f-4f0d-9b5e-1c2d3e4f5a60');
export const GENERIC_DATA_CHAR = normalizeUuid('6869e002-4a8f-4f0d-9b5e-1c2d3e4f5a60');
export const GENERIC_CONFIG_CHAR = normalizeUuid('6869e003-4a8f-4f0d-9b5e-1c2d3e4f5a60');
const MIN_HZ = 10;
const MAX_HZ = 400;

export const genericDriver: SensorDriver = {
  model: 'generic',
  label: 'hinge open profile',
  matches: (ad) => ad.serviceUuids.includes(GENERIC_SERVICE),

  async start(connection, options, handlers) {
    const rateHz = Math.round(Math.min(MAX_HZ, Math.max(MIN_HZ, options.rateHz ?? 100)));
    const config = new Uint8Array(2);
    new DataView(config.buffer).setUint16(0, rateHz, true);
    await connection.write(GENERIC_SERVICE, GENERIC_CONFIG_CHAR, config, false);
    await connection.subscribe(GENERIC_SERVICE, GENERIC_DATA_CHAR, guarded(handlers, (bytes) => {
      const result = decodeGeneric(bytes, { rateHz });
      if (result.problem) handlers.problem(result.problem);
      handlers.readings(result.readings);
    }));
    return {
      timing: { rateHz, hasDeviceTime: true, deviceWrapS: 2 ** 32 / 1e6, seqModulo: 65536 },
      resolution: GENERIC_RESOLUTION,
      stop: () => bestEffort([() => connection.unsubscribe(GENERIC_SERVICE, GENERIC_DATA_CHAR)]),
    };
  },

  readBatteryPct: readStandardBatteryPct,
};
