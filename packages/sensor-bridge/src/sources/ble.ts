// Live BLE source: two body-worn sensors by address. Capabilities: live, sensor-status (no seek, no
// speed). Bluetooth (@abandonware/noble) is loaded lazily: on a machine without an adapter its
// import throws, and only this source fails, with a message that says what to do.
import type { SourceCapability } from '@hinge/protocol';
import { SourceError, type SensorSource, type SourceStatus } from './source';

export interface BleSourceOptions {
  sacrum: string;
  thoracic: string;
}

export function createBleSource(options: BleSourceOptions): SensorSource {
  const capabilities: SourceCapability[] = ['live', 'sensor-status'];
  const problems: string[] = [];
  return {
    capabilities,
    async start() {
      try {
        await import('@abandonware/noble');
      } catch (error) {
        const reason = (error as Error).message;
        problems.push(`Bluetooth is not available: ${reason}`);
        throw new SourceError(
          `Bluetooth is not available on this machine (${reason}). On Linux, run with root or give node ` +
            "the capabilities (sudo setcap cap_net_raw+eip $(eval readlink -f $(which node))), pick the adapter with " +
            'NOBLE_HCI_DEVICE_ID, and check that the adapter is powered; or use a replay or the simulator.',
        );
      }
      throw new SourceError(
        `live sensors ${options.sacrum} (sacrum) and ${options.thoracic} (thoracic): the Bluetooth drivers are not part of this build yet`,
      );
    },
    async stop() {},
    status(): SourceStatus {
      return { sensors: [], problems: [...problems] };
    },
  };
}
