// Simulator source: the built-in session simulator (@hinge/simulator, packages/simulator), paced in real time. Endless; the
// simulated person follows the session's controls (simulated-person.ts): stands until calibration or a
// set is asked for, does the set's reps, rests between sets. A generated stream cannot seek, but its
// speed can change.
import type { RecordingHeader, SourceCapability } from '@hinge/protocol';
import { DEFAULT_SETTINGS } from '@hinge/analysis';
import { createSimulatorStream } from '@hinge/simulator';
import { startPacer, type Pacer } from './pacer';
import { createSensorTracker, type SensorTracker } from './sensor-tracker';
import { createSimulatedPerson, hearControl, nextSteps } from './simulated-person';
import type { SensorSource, SourceStatus } from './source';

export interface SimulatorSourceOptions {
  seed?: number;
  speed?: number;
}

export function createSimulatorSource(options: SimulatorSourceOptions = {}): SensorSource {
  let pacer: Pacer | null = null;
  let tracker: SensorTracker | null = null;
  const capabilities: SourceCapability[] = ['speed', 'sensor-status'];
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const person = createSimulatedPerson(seed, DEFAULT_SETTINGS);
  return {
    capabilities,
    async start(sink) {
      const stream = createSimulatorStream({ seed, mounting: 'random', noise: 'typical' }, () => nextSteps(person));
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
    follow(control) {
      hearControl(person, control);
    },
  };
}
