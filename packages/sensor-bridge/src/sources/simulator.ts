// Simulator source: the built-in session simulator (src/simulator), paced in real time. Endless
// (it loops random sessions); a generated stream cannot seek, but its speed can change.
import type { RecordingHeader, SourceCapability } from '@hinge/protocol';
import { createSimulatorStream } from '../simulator';
import { startPacer, type Pacer } from './pacer';
import { createSensorTracker, type SensorTracker } from './sensor-tracker';
import type { SensorSource, SourceStatus } from './source';

export interface SimulatorSourceOptions {
  seed?: number;
  speed?: number;
}

export function createSimulatorSource(options: SimulatorSourceOptions = {}): SensorSource {
  let pacer: Pacer | null = null;
  let tracker: SensorTracker | null = null;
  const capabilities: SourceCapability[] = ['speed', 'sensor-status'];
  return {
    capabilities,
    async start(sink) {
      const stream = createSimulatorStream({ ...(options.seed !== undefined ? { seed: options.seed } : {}), mounting: 'random', noise: 'typical' });
      const sensors = createSensorTracker(stream.header);
      tracker = sensors;
      pacer = startPacer(
        (untilT) => {
          const batch = stream.next(untilT);
          if (batch.length > 0) {
            const changed = sensors.update(batch);
            sink.lines(batch);
            if (changed) sink.statusChanged();
          }
          return true;
        },
        { speed: options.speed ?? 1 },
      );
      const header: RecordingHeader = { ...stream.header, startedAt: new Date().toISOString() };
      return header;
    },
    async stop() {
      pacer?.stop();
    },
    status(): SourceStatus {
      return { sensors: tracker?.statuses() ?? [], problems: [] };
    },
    setSpeed(speed) {
      pacer?.setSpeed(speed);
    },
  };
}
