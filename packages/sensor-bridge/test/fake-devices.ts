// Simulated peripherals for the fake noble binding: one per supported model. Each knows its GATT
// table, when it streams (after the commands its real counterpart needs), and which notification bytes
// it sends for sample k. The values are chosen so the expected SI readings are easy to check:
// at rest, z up (1 g) and rotating about x at 10 deg/s.
import { encodeGeneric } from '../src/ble/decoders/generic';
import { DOT_BATTERY_CHAR, DOT_BATTERY_SERVICE, DOT_CONTROL_CHAR, DOT_MEASUREMENT_SERVICE, DOT_MEDIUM_PAYLOAD_CHAR, DOT_SHORT_PAYLOAD_CHAR } from '../src/ble/drivers/dot';
import { GENERIC_CONFIG_CHAR, GENERIC_DATA_CHAR, GENERIC_SERVICE } from '../src/ble/drivers/generic';
import { METAWEAR_COMMAND_CHAR, METAWEAR_NOTIFY_CHAR, METAWEAR_SERVICE } from '../src/ble/drivers/metamotion';
import { THINGY_CONFIG_CHAR, THINGY_MOTION_SERVICE, THINGY_QUATERNION_CHAR, THINGY_RAW_CHAR } from '../src/ble/drivers/thingy52';
import { WIT_NOTIFY_CHAR, WIT_SERVICE, WIT_WRITE_CHAR } from '../src/ble/drivers/witmotion';
import type { FakeDevice, FakeDeviceSpec } from './fake-binding';
import { BATTERY_LEVEL_CHAR, BATTERY_SERVICE, DEVICE_INFO_SERVICE, MODEL_NUMBER_CHAR } from '../src/ble/transport';

export interface FakeSensor {
  spec: FakeDeviceSpec;
  /** Whether the device would be sending data now. */
  isStreaming(device: FakeDevice): boolean;
  /** Notifications for sample k (a device may send several, or one carrying several samples). */
  packets(k: number, device: FakeDevice): { service: string; characteristic: string; bytes: Uint8Array }[];
  rateHz: number;
}

const le16 = (...values: number[]): number[] => values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
const float32 = (...values: number[]): number[] => [...new Uint8Array(Float32Array.from(values).buffer)];
/** The orientation the fakes report in orientation mode: 30 deg about x, [w, x, y, z]. */
export const QUAT_30_DEG_ABOUT_X = [Math.cos(Math.PI / 12), Math.sin(Math.PI / 12), 0, 0] as const;
const battery = (pct: number) => ({ [BATTERY_SERVICE]: { [BATTERY_LEVEL_CHAR]: { properties: ['read', 'notify'], value: Uint8Array.from([pct]) } } });
const wrote = (d: FakeDevice, characteristic: string, bytes: number[]): boolean =>
  d.writes.some((w) => w.characteristic === characteristic && w.data.length === bytes.length && w.data.every((b, i) => b === bytes[i]));
const lastIndexOf = (d: FakeDevice, characteristic: string, bytes: number[]): number =>
  d.writes.findLastIndex((w) => w.characteristic === characteristic && w.data.join() === bytes.join());

interface Identity {
  id: string;
  address: string;
  rssiDbm?: number;
}

/** MetaMotion RL (BMI160): acc 8 g = 4096 LSB/g, gyro 1000 dps = 32.8 LSB/(deg/s). */
export function fakeMetaMotion(who: Identity): FakeSensor {
  return {
    rateHz: 100,
    spec: {
      ...who,
      rssiDbm: who.rssiDbm ?? -60,
      advertisement: { localName: 'MetaWear', serviceUuids: [METAWEAR_SERVICE] },
      services: {
        [METAWEAR_SERVICE]: { [METAWEAR_COMMAND_CHAR]: { properties: ['write', 'writeWithoutResponse'] }, [METAWEAR_NOTIFY_CHAR]: { properties: ['notify'] } },
        [DEVICE_INFO_SERVICE]: { [MODEL_NUMBER_CHAR]: { properties: ['read'], value: Buffer.from('5') } },
        ...battery(87),
      },
    },
    // Streaming after the last start command and before any stop command.
    isStreaming: (d) =>
      d.isSubscribed(METAWEAR_SERVICE, METAWEAR_NOTIFY_CHAR) &&
      lastIndexOf(d, METAWEAR_COMMAND_CHAR, [0x13, 0x01, 0x01]) > lastIndexOf(d, METAWEAR_COMMAND_CHAR, [0x13, 0x01, 0x00]),
    packets: (_k, d) =>
      lastIndexOf(d, METAWEAR_COMMAND_CHAR, [0x19, 0x01, 0x01]) > lastIndexOf(d, METAWEAR_COMMAND_CHAR, [0x19, 0x01, 0x00])
        ? [{ service: METAWEAR_SERVICE, characteristic: METAWEAR_NOTIFY_CHAR, bytes: Uint8Array.from([0x19, 0x07, ...float32(...QUAT_30_DEG_ABOUT_X)]) }]
        : [
            { service: METAWEAR_SERVICE, characteristic: METAWEAR_NOTIFY_CHAR, bytes: Uint8Array.from([0x03, 0x04, ...le16(0, 0, 4096)]) },
            { service: METAWEAR_SERVICE, characteristic: METAWEAR_NOTIFY_CHAR, bytes: Uint8Array.from([0x13, 0x05, ...le16(328, 0, 0)]) },
          ],
  };
}

/** Thingy:52: raw acc 6Q10 (1024 = 1 g), gyro 11Q5 (320 = 10 deg/s), compass 12Q4. */
export function fakeThingy52(who: Identity): FakeSensor {
  return {
    rateHz: 100,
    spec: {
      ...who,
      rssiDbm: who.rssiDbm ?? -70,
      advertisement: { localName: 'Thingy', serviceUuids: ['ef680100-9b35-4933-9b10-52ffa9740042'] },
      services: {
        [THINGY_MOTION_SERVICE]: {
          // pedometer 1000 ms, temperature 500 ms, compass 500 ms, motion 10 Hz (the firmware default), wake on motion 1
          [THINGY_CONFIG_CHAR]: { properties: ['read', 'write'], value: Uint8Array.from([...le16(1000, 500, 500, 10), 1]) },
          [THINGY_RAW_CHAR]: { properties: ['notify'] },
          [THINGY_QUATERNION_CHAR]: { properties: ['notify'] },
        },
        ...battery(64),
      },
    },
    isStreaming: (d) => d.isSubscribed(THINGY_MOTION_SERVICE, THINGY_RAW_CHAR) || d.isSubscribed(THINGY_MOTION_SERVICE, THINGY_QUATERNION_CHAR),
    packets: (_k, d) =>
      d.isSubscribed(THINGY_MOTION_SERVICE, THINGY_QUATERNION_CHAR)
        ? [{ service: THINGY_MOTION_SERVICE, characteristic: THINGY_QUATERNION_CHAR, bytes: new Uint8Array(Int32Array.from(QUAT_30_DEG_ABOUT_X.map((q) => Math.round(q * 2 ** 30))).buffer) }]
        : [{ service: THINGY_MOTION_SERVICE, characteristic: THINGY_RAW_CHAR, bytes: Uint8Array.from(le16(0, 0, 1024, 320, 0, 0, 320, 0, 0xffb0)) }],
  };
}

/** Movella DOT in payload mode 20 at its default 60 Hz: float32 m/s^2 and deg/s, u32 us timestamps. */
export function fakeDot(who: Identity): FakeSensor {
  return {
    rateHz: 60,
    spec: {
      ...who,
      rssiDbm: who.rssiDbm ?? -55,
      advertisement: { localName: 'Xsens DOT', serviceUuids: [], manufacturerData: Uint8Array.from([0x86, 0x08, 0x01]) },
      services: {
        [DOT_MEASUREMENT_SERVICE]: {
          [DOT_CONTROL_CHAR]: { properties: ['read', 'write'], value: Uint8Array.from([1, 0, 0]) },
          [DOT_MEDIUM_PAYLOAD_CHAR]: { properties: ['notify'] },
          [DOT_SHORT_PAYLOAD_CHAR]: { properties: ['notify'] },
        },
        [DOT_BATTERY_SERVICE]: { [DOT_BATTERY_CHAR]: { properties: ['read', 'notify'], value: Uint8Array.from([42, 0]) } },
      },
    },
    // Payload 20 (rate quantities) on the medium characteristic, or payload 5 (quaternion) on the short one.
    isStreaming: (d) =>
      (d.isSubscribed(DOT_MEASUREMENT_SERVICE, DOT_MEDIUM_PAYLOAD_CHAR) && lastIndexOf(d, DOT_CONTROL_CHAR, [1, 1, 20]) > lastIndexOf(d, DOT_CONTROL_CHAR, [1, 0, 20])) ||
      (d.isSubscribed(DOT_MEASUREMENT_SERVICE, DOT_SHORT_PAYLOAD_CHAR) && lastIndexOf(d, DOT_CONTROL_CHAR, [1, 1, 5]) > lastIndexOf(d, DOT_CONTROL_CHAR, [1, 0, 5])),
    packets: (k, d) => {
      const timeUs = Math.round((1_000_000 + (k * 1e6) / 60) % 2 ** 32);
      if (d.isSubscribed(DOT_MEASUREMENT_SERVICE, DOT_SHORT_PAYLOAD_CHAR)) {
        return [{ service: DOT_MEASUREMENT_SERVICE, characteristic: DOT_SHORT_PAYLOAD_CHAR, bytes: Uint8Array.from([...new Uint8Array(Uint32Array.from([timeUs]).buffer), ...float32(...QUAT_30_DEG_ABOUT_X)]) }];
      }
      const b = Buffer.alloc(34);
      b.writeUInt32LE(timeUs, 0);
      [0, 0, 9.80665, 10, 0, 0].forEach((v, i) => b.writeFloatLE(v, 4 + i * 4));
      return [{ service: DOT_MEASUREMENT_SERVICE, characteristic: DOT_MEDIUM_PAYLOAD_CHAR, bytes: new Uint8Array(b) }];
    },
  };
}

/**
 * WitMotion WT901BLECL: 0x55 0x61 frames, a = raw/32768*16 g (2048 = 1 g), w = raw/32768*2000 deg/s
 * (164 = 10.0098 deg/s). Every third notification splits a frame across two notifications.
 */
export function fakeWitMotion(who: Identity): FakeSensor {
  const frame = Uint8Array.from([0x55, 0x61, ...le16(0, 0, 2048, 164, 0, 0, 0, 0, 0)]);
  return {
    rateHz: 100,
    spec: {
      ...who,
      rssiDbm: who.rssiDbm ?? -65,
      advertisement: { localName: 'WT901BLE68', serviceUuids: [WIT_SERVICE] },
      services: { [WIT_SERVICE]: { [WIT_NOTIFY_CHAR]: { properties: ['notify'] }, [WIT_WRITE_CHAR]: { properties: ['write', 'writeWithoutResponse'] } } },
    },
    isStreaming: (d) => d.isSubscribed(WIT_SERVICE, WIT_NOTIFY_CHAR) && wrote(d, WIT_WRITE_CHAR, [0xff, 0xaa, 0x03, 0x09, 0x00]),
    packets: (k) =>
      k % 3 === 2
        ? [
            { service: WIT_SERVICE, characteristic: WIT_NOTIFY_CHAR, bytes: frame.slice(0, 7) },
            { service: WIT_SERVICE, characteristic: WIT_NOTIFY_CHAR, bytes: frame.slice(7) },
          ]
        : [{ service: WIT_SERVICE, characteristic: WIT_NOTIFY_CHAR, bytes: frame }],
  };
}

/** The hinge open profile: one sample per notification, seq and device time in every packet. */
export function fakeGeneric(who: Identity): FakeSensor {
  return {
    rateHz: 100,
    spec: {
      ...who,
      rssiDbm: who.rssiDbm ?? -50,
      advertisement: { localName: 'hinge-esp32', serviceUuids: [GENERIC_SERVICE] },
      services: {
        [GENERIC_SERVICE]: { [GENERIC_DATA_CHAR]: { properties: ['notify'] }, [GENERIC_CONFIG_CHAR]: { properties: ['read', 'write'], value: Uint8Array.from(le16(50)) } },
        ...battery(99),
      },
    },
    isStreaming: (d) => d.isSubscribed(GENERIC_SERVICE, GENERIC_DATA_CHAR) && wrote(d, GENERIC_CONFIG_CHAR, le16(100)),
    packets: (k) => [
      {
        service: GENERIC_SERVICE,
        characteristic: GENERIC_DATA_CHAR,
        bytes: encodeGeneric({ seq: k, timeUs: 5_000_000 + k * 10_000, samples: [{ accG: [0, 0, 1], gyrDps: [10, 0, 0] }] }),
      },
    ],
  };
}

/** Runs the fake devices' radios: every `periodMs`, each device that streams sends its packets for its next sample. */
export function runFakeRadios(sensors: { device: FakeDevice; fake: FakeSensor }[], periodMs = 10): () => void {
  const next = sensors.map(() => 0);
  const timer = setInterval(() => {
    sensors.forEach(({ device, fake }, i) => {
      if (!device.connected || !fake.isStreaming(device)) return;
      for (const p of fake.packets(next[i]!, device)) device.notify(p.service, p.characteristic, p.bytes);
      next[i]!++;
    });
  }, periodMs);
  return () => clearInterval(timer);
}
