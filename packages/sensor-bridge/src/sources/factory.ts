// Turns a SourceSpec (REST, CLI) into a source. Replay files are named, not given as paths: a name
// is looked up among the configured replay files (`serve --replay FILE`: that file alone, not its
// folder) and in the replay folders, so a client cannot make the bridge read any other file. Replays
// playing at once are limited (work-slots.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SourceSpec } from '@hinge/protocol';
import type { BleTransport } from '../ble/transport';
import { HingeError } from '../server/errors';
import { MAX_CONCURRENT_REPLAYS, WorkSlots } from '../server/work-slots';
import { createBleSource } from './ble';
import { createReplaySource } from './replay';
import { createSimulatorSource } from './simulator';
import type { SensorSource } from './source';

/** Recordings a replay may play: single files (by their name), and every recording in some folders. */
export interface ReplayLibrary {
  files: readonly string[];
  dirs: readonly string[];
}

export function resolveReplayFile(name: string, library: ReplayLibrary): string {
  if (name !== path.basename(name) || !/\.jsonl(\.gz)?$/.test(name)) {
    throw new HingeError('HINGE_ERR_SOURCE', 422, `replay recording must be a .jsonl or .jsonl.gz file name, got ${JSON.stringify(name)}`);
  }
  const single = library.files.find((f) => path.basename(f) === name && existsSync(f));
  if (single) return single;
  for (const dir of library.dirs) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new HingeError('HINGE_ERR_SOURCE', 422, `no recording named ${JSON.stringify(name)} in the replay folders`);
}

/** A source that gives its slot back when it stops (or fails to start). */
function holdingSlot(source: SensorSource, release: () => void): SensorSource {
  return {
    ...source,
    async start(sink) {
      try {
        return await source.start(sink);
      } catch (error) {
        release();
        throw error;
      }
    },
    async stop() {
      try {
        await source.stop();
      } finally {
        release();
      }
    },
  };
}

export function createSourceFactory(options: {
  replay: ReplayLibrary;
  bleTransport?: () => Promise<BleTransport>;
  replaySlots?: WorkSlots;
}): (spec: SourceSpec) => SensorSource {
  const replaySlots = options.replaySlots ?? new WorkSlots('replays', MAX_CONCURRENT_REPLAYS);
  return (spec) => {
    switch (spec.kind) {
      case 'replay': {
        const file = resolveReplayFile(spec.recording, options.replay);
        const release = replaySlots.take();
        return holdingSlot(createReplaySource({ file, speed: spec.speed ?? 1, loop: spec.loop ?? false }), release);
      }
      case 'simulator':
        return createSimulatorSource(spec.seed !== undefined ? { seed: spec.seed } : {});
      case 'ble':
        return createBleSource({ sacrum: spec.sacrum, thoracic: spec.thoracic, ...(options.bleTransport ? { transport: options.bleTransport } : {}) });
    }
  };
}
