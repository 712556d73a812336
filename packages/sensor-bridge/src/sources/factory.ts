// Turns a SourceSpec (REST, CLI) into a source. Replay files are named, not given as paths: a name
// is looked up in the configured replay folders, so a client cannot make the bridge read any file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SourceSpec } from '@hinge/protocol';
import type { BleTransport } from '../ble/transport';
import { HingeError } from '../server/errors';
import { createBleSource } from './ble';
import { createReplaySource } from './replay';
import { createSimulatorSource } from './simulator';
import type { SensorSource } from './source';

export function resolveReplayFile(name: string, replayDirs: readonly string[]): string {
  if (name !== path.basename(name) || !/\.jsonl(\.gz)?$/.test(name)) {
    throw new HingeError('HINGE_ERR_SOURCE', 422, `replay recording must be a .jsonl or .jsonl.gz file name, got ${JSON.stringify(name)}`);
  }
  for (const dir of replayDirs) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new HingeError('HINGE_ERR_SOURCE', 422, `no recording named ${JSON.stringify(name)} in the replay folders`);
}

export function createSourceFactory(options: { replayDirs: readonly string[]; bleTransport?: () => Promise<BleTransport> }): (spec: SourceSpec) => SensorSource {
  return (spec) => {
    switch (spec.kind) {
      case 'replay':
        return createReplaySource({ file: resolveReplayFile(spec.recording, options.replayDirs), speed: spec.speed ?? 1, loop: spec.loop ?? false });
      case 'simulator':
        return createSimulatorSource(spec.seed !== undefined ? { seed: spec.seed } : {});
      case 'ble':
        return createBleSource({ sacrum: spec.sacrum, thoracic: spec.thoracic, ...(options.bleTransport ? { transport: options.bleTransport } : {}) });
    }
  };
}
