// What every vendor driver provides: recognise the device from its advertisement, configure and start
// streaming over a BleConnection, hand decoded readings (SI units) to the caller, read the battery, and
// stop cleanly. Decoding itself lives in ../decoders (pure, no BLE).
import type { SensorResolution } from '@hinge/protocol';
import type { DecodeProblem, Reading } from '../decoders/types';
import { BATTERY_LEVEL_CHAR, BATTERY_SERVICE, type Advertisement, type BleConnection } from '../transport';

export type SensorModel = 'metamotion' | 'dot' | 'witmotion' | 'thingy52' | 'generic';

export interface DriverOptions {
  /** Requested output rate, Hz; each driver rounds to what its device supports. */
  rateHz?: number;
  /** Accelerometer range, g (MetaMotion only: other devices have fixed ranges). */
  accRangeG?: number;
  /** Gyroscope range, deg/s (MetaMotion only). */
  gyrRangeDps?: number;
  /** Stream the device's own orientation quaternion instead of raw acc + gyr. */
  orientation?: boolean;
}

export interface StreamHandlers {
  /** Decoded readings of one notification, in order. A reading for a sample has acc + gyr, or quat. */
  readings(readings: Reading[]): void;
  /** A notification that could not be used; counted, never thrown. */
  problem(problem: DecodeProblem): void;
}

/** How the clock should treat this stream (see ../clock.ts). */
export interface StreamTiming {
  rateHz: number;
  hasDeviceTime: boolean;
  deviceWrapS?: number;
  seqModulo?: number;
}

export interface RunningStream {
  timing: StreamTiming;
  /** One LSB of the raw values as configured (devices that send floats have none): recordings round to it. */
  resolution?: SensorResolution;
  /** Sends the device's stop commands and unsubscribes. Safe to call after a disconnect. */
  stop(): Promise<void>;
}

export interface SensorDriver {
  model: SensorModel;
  /** Product name for people. */
  label: string;
  matches(advertisement: Advertisement): boolean;
  start(connection: BleConnection, options: DriverOptions, handlers: StreamHandlers): Promise<RunningStream>;
  readBatteryPct(connection: BleConnection): Promise<number | undefined>;
}

/** Battery level from the Bluetooth SIG Battery Service, if the device has it. */
export async function readStandardBatteryPct(connection: BleConnection): Promise<number | undefined> {
  if (!connection.has(BATTERY_SERVICE, BATTERY_LEVEL_CHAR)) return undefined;
  const bytes = await connection.read(BATTERY_SERVICE, BATTERY_LEVEL_CHAR);
  return bytes.length >= 1 && bytes[0]! <= 100 ? bytes[0] : undefined;
}

/**
 * Wraps a notification handler so that nothing it throws (a decoder bug, a bug downstream) escapes into
 * noble's event loop: it is reported as a malformed packet instead.
 */
export function guarded(handlers: StreamHandlers, onData: (bytes: Uint8Array) => void): (bytes: Uint8Array) => void {
  return (bytes) => {
    try {
      onData(bytes);
    } catch (error) {
      handlers.problem({ kind: 'malformed', reason: `packet ${Buffer.from(bytes).toString('hex')} could not be handled: ${(error as Error).message}` });
    }
  };
}

/** The allowed value closest to `wanted`. */
export function nearest<T extends number>(allowed: readonly T[], wanted: number): T {
  return allowed.reduce((best, v) => (Math.abs(v - wanted) < Math.abs(best - wanted) ? v : best));
}

/** Runs stop steps in order, ignoring failures (the link may already be gone). */
export async function bestEffort(steps: (() => Promise<unknown>)[]): Promise<void> {
  for (const step of steps) await step().catch(() => {});
}
