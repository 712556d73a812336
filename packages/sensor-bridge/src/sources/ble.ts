// Live BLE source: two body-worn sensors by address, through the drivers in ../ble. Capabilities:
// live, sensor-status (no seek, no speed). Bluetooth (@abandonware/noble) is loaded lazily: on a
// machine without an adapter only this source fails, with a message that says what to do.
import type { SourceCapability } from '@hinge/protocol';
import { createBleLiveSource, type BleLiveSourceOptions } from '../ble/live-source';
import { BleError } from '../ble/transport';
import { SourceError, type SensorSource } from './source';

export interface BleSourceOptions {
  sacrum: string;
  thoracic: string;
  /** For tests: where Bluetooth comes from (default: noble). */
  transport?: BleLiveSourceOptions['transport'];
}

export function createBleSource(options: BleSourceOptions): SensorSource {
  const capabilities: SourceCapability[] = ['live', 'sensor-status'];
  const live = createBleLiveSource({
    sensors: [
      { id: 'sacrum', placement: 'sacrum', address: options.sacrum },
      { id: 'thoracic', placement: 'thoracic', address: options.thoracic },
    ],
    ...(options.transport ? { transport: options.transport } : {}),
  });
  return {
    capabilities,
    async start(sink) {
      try {
        return await live.start(sink);
      } catch (error) {
        if (error instanceof BleError) throw new SourceError(error.message);
        throw error;
      }
    },
    stop: () => live.stop(),
    status: () => live.status(),
  };
}
