// Finding sensors: a timed scan that lists every device hinge recognises (and the ones it refuses),
// optionally connecting to each one briefly to read its battery; and "tap to identify", which streams
// from every found sensor and names the first one the user taps.
import type { SampleLine } from '@hinge/protocol';
import type { SensorModel } from './drivers/driver';
import { driverFor, refusalFor } from './drivers/index';
import { createBleLiveSource } from './live-source';
import { createTapDetector } from './tap';
import type { BleTransport, DiscoveredDevice } from './transport';

export interface FoundSensor {
  name: string;
  /** null: not a supported sensor. */
  model: SensorModel | null;
  address: string;
  rssiDbm: number;
  batteryPct: number | null;
  /** Why hinge will not stream from it, if it will not (firmware-update mode, unknown device). */
  refusal: string | null;
  device: DiscoveredDevice;
}

export async function scanForSensors(
  transport: BleTransport,
  options: { durationMs: number; readBattery: boolean; connectTimeoutMs?: number },
): Promise<FoundSensor[]> {
  await transport.ready();
  const seen = new Map<string, DiscoveredDevice>();
  await transport.startScan((d) => seen.set(d.address || d.id, d));
  await new Promise((r) => setTimeout(r, options.durationMs));
  await transport.stopScan();
  const found: FoundSensor[] = [];
  for (const device of seen.values()) {
    const driver = driverFor(device.advertisement);
    const refusal = refusalFor(device.advertisement) ?? (driver ? null : 'not a supported sensor');
    let batteryPct: number | null = null;
    if (driver && !refusal && options.readBattery) {
      // Battery needs a connection; a sensor that does not answer is still listed.
      const connection = await transport.connect(device.id, { timeoutMs: options.connectTimeoutMs ?? 5000 }).catch(() => undefined);
      if (connection) {
        batteryPct = (await driver.readBatteryPct(connection).catch(() => undefined)) ?? null;
        await connection.disconnect().catch(() => {});
      }
    }
    found.push({ name: device.advertisement.localName ?? '', model: driver?.model ?? null, address: device.address, rssiDbm: device.rssiDbm, batteryPct, refusal, device });
  }
  return found.sort((a, b) => Number(a.model === null) - Number(b.model === null) || b.rssiDbm - a.rssiDbm);
}

/**
 * Streams from every given sensor and resolves with the address of the first one tapped, or undefined
 * after `timeoutMs`. `onReady` is called once all of them stream (time to ask the user to tap).
 */
export async function identifyByTap(
  transport: BleTransport,
  sensors: { address: string }[],
  options: { timeoutMs: number; onReady?: () => void; interrupted?: Promise<void> },
): Promise<string | undefined> {
  const detectors = new Map(sensors.map((s) => [s.address.toLowerCase(), createTapDetector()]));
  let tapped: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resolveTap: () => void = () => {};
  const tap = new Promise<void>((r) => (resolveTap = r));
  const source = createBleLiveSource({
    sensors: sensors.map((s) => ({ id: s.address.toLowerCase(), placement: 'unassigned', address: s.address })),
    transport: async () => transport,
  });
  try {
    await source.start({
      lines: (batch) => {
        for (const line of batch) {
          const sample = line as SampleLine;
          if (tapped || !sample.acc) continue;
          if (detectors.get(sample.sensor)?.push(sample.t, sample.acc)) {
            tapped = sample.sensor;
            resolveTap();
          }
        }
      },
      statusChanged: () => {},
      ended: () => {},
    });
    options.onReady?.();
    await Promise.race([tap, new Promise((r) => (timer = setTimeout(r, options.timeoutMs))), options.interrupted ?? new Promise(() => {})]);
    return tapped;
  } finally {
    clearTimeout(timer);
    await source.stop();
  }
}
