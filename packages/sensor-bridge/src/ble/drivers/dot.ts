// Movella (Xsens) DOT. Following the BLE spec's order: enable notifications first, then write the
// measurement control characteristic [type 1, action 1 start / 0 stop, payload mode]. Raw mode uses
// payload 20 (rate quantities with mag) on the medium payload characteristic; orientation uses payload 5
// (orientation quaternion) on the short one. Packets carry the sensor's u32 microsecond clock. The
// output rate stays at the DOT default (60 Hz): hinge does not write the Device Control characteristic.
import { DOT_PAYLOAD, decodeDot } from '../decoders/dot';
import { normalizeUuid } from '../transport';
import { bestEffort, guarded, type SensorDriver } from './driver';

const dotUuid = (short: string): string => normalizeUuid(`1517${short}-4947-11e9-8646-d663bd873d93`);
export const DOT_MEASUREMENT_SERVICE = dotUuid('2000');
export const DOT_CONTROL_CHAR = dotUuid('2001');
export const DOT_MEDIUM_PAYLOAD_CHAR = dotUuid('2003');
export const DOT_SHORT_PAYLOAD_CHAR = dotUuid('2004');
export const DOT_BATTERY_SERVICE = dotUuid('3000');
export const DOT_BATTERY_CHAR = dotUuid('3001');
/** Xsens company id 0x0886, little-endian in the manufacturer data. */
const XSENS_COMPANY_ID = 0x0886;
const DOT_DEFAULT_RATE_HZ = 60;

export const dotDriver: SensorDriver = {
  model: 'dot',
  label: 'Movella DOT',
  matches: (ad) => {
    const m = ad.manufacturerData;
    const company = m && m.length >= 2 ? m[0]! | (m[1]! << 8) : undefined;
    return company === XSENS_COMPANY_ID || /^(xsens|movella) dot/i.test(ad.localName ?? '');
  },

  async start(connection, options, handlers) {
    const mode = options.orientation ? 'orientation' : 'rate';
    const characteristic = options.orientation ? DOT_SHORT_PAYLOAD_CHAR : DOT_MEDIUM_PAYLOAD_CHAR;
    const payloadId = DOT_PAYLOAD[mode].id;
    await connection.subscribe(DOT_MEASUREMENT_SERVICE, characteristic, guarded(handlers, (bytes) => {
      const result = decodeDot(bytes, mode);
      if (result.problem) handlers.problem(result.problem);
      handlers.readings(result.readings);
    }));
    await connection.write(DOT_MEASUREMENT_SERVICE, DOT_CONTROL_CHAR, Uint8Array.from([0x01, 0x01, payloadId]), false);
    return {
      timing: { rateHz: DOT_DEFAULT_RATE_HZ, hasDeviceTime: true, deviceWrapS: 2 ** 32 / 1e6 },
      stop: () =>
        bestEffort([
          () => connection.write(DOT_MEASUREMENT_SERVICE, DOT_CONTROL_CHAR, Uint8Array.from([0x01, 0x00, payloadId]), false),
          () => connection.unsubscribe(DOT_MEASUREMENT_SERVICE, characteristic),
        ]),
    };
  },

  /** Battery characteristic 0x3001: [level %, charging]. */
  async readBatteryPct(connection) {
    if (!connection.has(DOT_BATTERY_SERVICE, DOT_BATTERY_CHAR)) return undefined;
    const bytes = await connection.read(DOT_BATTERY_SERVICE, DOT_BATTERY_CHAR);
    return bytes.length >= 1 && bytes[0]! <= 100 ? bytes[0] : undefined;
  },
};
