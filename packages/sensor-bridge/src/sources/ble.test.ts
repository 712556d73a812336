// The server's live BLE source over the fake noble binding: the same SensorSource contract as replay
// and the simulator, and a clear SourceError where there is no Bluetooth.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isEventLine, type RecordingLine } from '@hinge/protocol';
import { FakeBindings } from '../../test/fake-binding';
import { fakeMetaMotion, fakeThingy52, runFakeRadios } from '../../test/fake-devices';
import { createNobleTransport, type NobleLike } from '../ble/noble-transport';
import { createBleSource } from './ble';
import { SourceError } from './source';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

describe('BLE sensor source', () => {
  it('streams both placements through the SensorSource contract and stops cleanly', async () => {
    const bindings = new FakeBindings();
    const sacrum = fakeMetaMotion({ id: 'mm-1', address: 'c4:00:00:00:00:01' });
    const thoracic = fakeThingy52({ id: 'th-1', address: 'c4:00:00:00:00:02' });
    const devices = [bindings.addDevice(sacrum.spec), bindings.addDevice(thoracic.spec)];
    const stopRadios = runFakeRadios([{ device: devices[0]!, fake: sacrum }, { device: devices[1]!, fake: thoracic }]);
    const transport = createNobleTransport(withBindings(bindings));
    const source = createBleSource({ sacrum: sacrum.spec.address, thoracic: thoracic.spec.address, transport: async () => transport });
    const lines: RecordingLine[] = [];
    try {
      expect(source.capabilities).toEqual(['live', 'sensor-status']);
      const header = await source.start({ lines: (b) => lines.push(...b), statusChanged: () => {}, ended: () => {} });
      expect(header.sensors.map((s) => s.placement).sort()).toEqual(['sacrum', 'thoracic']);
      await new Promise((r) => setTimeout(r, 400));
      const bySensor = (id: string) => lines.filter((l) => !isEventLine(l) && l.sensor === id).length;
      expect(bySensor('sacrum')).toBeGreaterThan(10);
      expect(bySensor('thoracic')).toBeGreaterThan(10);
      expect(source.status().sensors.every((s) => s.presence === 'present')).toBe(true);
    } finally {
      stopRadios();
      await source.stop();
    }
  });

  it('without Bluetooth, start fails with a SourceError that says what to do', async () => {
    const source = createBleSource({ sacrum: 'c4:00:00:00:00:01', thoracic: 'c4:00:00:00:00:02' });
    const error = await source.start({ lines: () => {}, statusChanged: () => {}, ended: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/Bluetooth/);
  });
});
