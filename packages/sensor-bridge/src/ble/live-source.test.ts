// Every driver, driven through the real noble object model on top of the fake binding: discovery,
// connect, configuration writes, subscribe, notifications, a bad packet, a dropped link, reconnect and
// re-subscribe, and a clean stop.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { createLineValidator, isEventLine, type RecordingHeader, type RecordingLine, type SampleLine } from '@hinge/protocol';
import { DEG_TO_RAD, STANDARD_GRAVITY_MS2 } from './decoders/types';
import { FakeBindings, type FakeDevice } from '../../test/fake-binding';
import { QUAT_30_DEG_ABOUT_X, fakeDot, fakeGeneric, fakeMetaMotion, fakeThingy52, fakeWitMotion, runFakeRadios, type FakeSensor } from '../../test/fake-devices';
import { createBleLiveSource, type BleLiveSource } from './live-source';
import { createNobleTransport, type NobleLike } from './noble-transport';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

async function until(what: string, predicate: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Rig {
  bindings: FakeBindings;
  devices: FakeDevice[];
  lines: RecordingLine[];
  source: BleLiveSource;
  header?: RecordingHeader;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface RigOverrides {
  connectTimeoutMs?: number;
  startTimeoutMs?: number;
  retryDelayMs?: number;
  orientation?: boolean;
  nowS?: () => number;
  wallTime?: () => Date;
}

function rig(fakes: { fake: FakeSensor; placement: string }[], overrides: RigOverrides = {}): Rig {
  const bindings = new FakeBindings();
  const devices = fakes.map(({ fake }) => bindings.addDevice(fake.spec));
  const transport = createNobleTransport(withBindings(bindings));
  const stopRadios = runFakeRadios(fakes.map(({ fake }, i) => ({ device: devices[i]!, fake })));
  const lines: RecordingLine[] = [];
  const source = createBleLiveSource({
    sensors: fakes.map(({ fake, placement }) => ({ id: placement, placement, address: fake.spec.address.toUpperCase() })),
    transport: async () => transport,
    batchIntervalMs: 20,
    retryDelayMs: overrides.retryDelayMs ?? 50,
    connectTimeoutMs: overrides.connectTimeoutMs ?? 2000,
    startTimeoutMs: overrides.startTimeoutMs ?? 5000,
    driverOptions: { orientation: overrides.orientation ?? false },
    ...(overrides.nowS ? { nowS: overrides.nowS } : {}),
    ...(overrides.wallTime ? { wallTime: overrides.wallTime } : {}),
  });
  cleanups.push(async () => {
    stopRadios();
    await source.stop();
  });
  return { bindings, devices, lines, source };
}

const sink = (r: Rig) => ({ lines: (batch: RecordingLine[]) => r.lines.push(...batch), statusChanged: () => {}, ended: () => {} });
const samples = (r: Rig, sensor: string): SampleLine[] => r.lines.filter((l): l is SampleLine => !isEventLine(l) && l.sensor === sensor);

const models: { model: string; make: () => FakeSensor; expectGyrXDps: number; badPacket: (f: FakeSensor, d: FakeDevice) => { service: string; characteristic: string; bytes: Uint8Array } }[] = [
  { model: 'metamotion', make: () => fakeMetaMotion({ id: 'mm1', address: 'c4:7f:0e:00:00:01' }), expectGyrXDps: 328 / 32.8, badPacket: (f, d) => ({ ...f.packets(0, d)[0]!, bytes: Uint8Array.from([0x03, 0x04, 0x01]) }) },
  { model: 'thingy52', make: () => fakeThingy52({ id: 'th1', address: 'e1:00:00:00:00:02' }), expectGyrXDps: 10, badPacket: (f, d) => ({ ...f.packets(0, d)[0]!, bytes: Uint8Array.from([1, 2, 3]) }) },
  { model: 'dot', make: () => fakeDot({ id: 'dot1', address: 'd4:22:cd:00:00:03' }), expectGyrXDps: 10, badPacket: (f, d) => ({ ...f.packets(0, d)[0]!, bytes: new Uint8Array(33) }) },
  { model: 'witmotion', make: () => fakeWitMotion({ id: 'wt1', address: 'f0:00:00:00:00:04' }), expectGyrXDps: (164 / 32768) * 2000, badPacket: (f, d) => ({ ...f.packets(0, d)[0]!, bytes: Uint8Array.from([0x01, 0x02, 0x03]) }) },
  { model: 'generic', make: () => fakeGeneric({ id: 'gen1', address: 'aa:bb:cc:00:00:05' }), expectGyrXDps: 10, badPacket: (f, d) => ({ ...f.packets(0, d)[0]!, bytes: Uint8Array.from([0x20, 0, 0]) }) },
];

describe('each driver through the fake noble binding', () => {
  for (const m of models) {
    it(`${m.model}: discover, connect, configure, stream in SI units, survive a bad packet and a dropped link, stop cleanly`, async () => {
      const fake = m.make();
      const r = rig([{ fake, placement: 'sacrum' }]);
      const device = r.devices[0]!;
      r.header = await r.source.start(sink(r));
      expect(r.header.sensors[0]).toMatchObject({ id: 'sacrum', model: m.model, sampleRateHz: fake.rateHz });

      await until('samples', () => samples(r, 'sacrum').length >= 20);
      const s = samples(r, 'sacrum')[10]!;
      expect(s.acc![2]).toBeCloseTo(STANDARD_GRAVITY_MS2, 3);
      expect(s.acc![0]).toBeCloseTo(0, 6);
      expect(s.gyr![0]).toBeCloseTo(m.expectGyrXDps * DEG_TO_RAD, 4);
      await until('battery and rssi', () => r.source.status().sensors[0]!.rssiDbm !== null);
      const status = r.source.status().sensors[0]!;
      expect(status).toMatchObject({ presence: 'present', model: m.model, address: fake.spec.address });
      if (m.model !== 'witmotion') expect(status.batteryPct).toBeGreaterThan(0);

      const bad = m.badPacket(fake, device);
      device.notify(bad.service, bad.characteristic, bad.bytes);
      await until('malformed count', () => r.source.status().sensors[0]!.malformed >= 1);

      const writesBeforeDrop = device.writes.length;
      const samplesBeforeDrop = samples(r, 'sacrum').length;
      device.dropLink();
      await until('disconnect event', () => r.lines.some((l) => isEventLine(l) && l.event === 'disconnect'));
      await until('reconnect event', () => r.lines.some((l) => isEventLine(l) && l.event === 'reconnect'));
      await until('samples after reconnect', () => samples(r, 'sacrum').length > samplesBeforeDrop + 20);
      expect(device.connectAttempts).toBe(2);
      // The configuration was written again on the new link (Thingy/DOT/generic/MetaMotion/WitMotion all write something).
      expect(device.writes.length).toBeGreaterThan(writesBeforeDrop);
      expect(fake.isStreaming(device)).toBe(true);
      expect(r.source.status().sensors[0]!.dropouts).toBeGreaterThanOrEqual(1);

      await r.source.stop();
      expect(device.connected).toBe(false);
      expect(r.source.status().sensors[0]!.presence).toBe('absent');
      const count = r.lines.length;
      await new Promise((res) => setTimeout(res, 60));
      expect(r.lines.length).toBe(count);

      const validator = createLineValidator(r.header);
      for (const line of r.lines) expect(validator.validate(JSON.parse(JSON.stringify(line)))).toMatchObject({ ok: true });
    });
  }
});

describe('orientation mode: the devices\' own quaternion', () => {
  for (const make of [
    () => fakeMetaMotion({ id: 'mm1', address: 'c4:7f:0e:00:00:01' }),
    () => fakeThingy52({ id: 'th1', address: 'e1:00:00:00:00:02' }),
    () => fakeDot({ id: 'dot1', address: 'd4:22:cd:00:00:03' }),
  ]) {
    const fake = make();
    it(`${fake.spec.advertisement.localName}: quaternion-only samples, through a drop-out`, async () => {
      const r = rig([{ fake, placement: 'thoracic' }], { orientation: true });
      const header = await r.source.start(sink(r));
      await until('samples', () => samples(r, 'thoracic').length >= 10);
      r.devices[0]!.dropLink();
      await until('reconnect', () => r.lines.some((l) => isEventLine(l) && l.event === 'reconnect'));
      const count = samples(r, 'thoracic').length;
      await until('samples after reconnect', () => samples(r, 'thoracic').length >= count + 10);
      for (const s of samples(r, 'thoracic')) {
        expect(s.acc).toBeUndefined();
        s.quat!.forEach((q, i) => expect(q).toBeCloseTo(QUAT_30_DEG_ABOUT_X[i]!, 6));
      }
      const validator = createLineValidator(header);
      for (const line of r.lines) expect(validator.validate(JSON.parse(JSON.stringify(line)))).toMatchObject({ ok: true });
    });
  }
});

describe('configuration written to the devices', () => {
  it('MetaMotion: the command sequence the MetaWear SDK tests assert, then the reverse on stop', async () => {
    const fake = fakeMetaMotion({ id: 'mm1', address: 'c4:7f:0e:00:00:01' });
    const r = rig([{ fake, placement: 'sacrum' }]);
    await r.source.start(sink(r));
    const hexes = () => r.devices[0]!.writes.map((w) => Buffer.from(w.data).toString('hex'));
    expect(hexes()).toEqual([
      '1109060006000000' + '5802', // connection parameters 7.5 ms
      '03032808', // acc 100 Hz, 8 g (BMI160)
      '13032801', // gyro 100 Hz, 1000 dps
      '030401', // subscribe acc
      '130501', // subscribe gyro (BMI160 data register 0x05)
      '03020100', // acc enable sampling
      '13020100', // gyro enable sampling
      '030101', // acc start
      '130101', // gyro start
    ]);
    await r.source.stop();
    expect(hexes().slice(9)).toEqual(['030100', '130100', '03020001', '13020001', '030400', '130500']);
  });

  it('Thingy:52: motion config read, rate patched to 100 Hz in bytes 6-7, written back', async () => {
    const r = rig([{ fake: fakeThingy52({ id: 'th', address: 'e1:00:00:00:00:02' }), placement: 'sacrum' }]);
    await r.source.start(sink(r));
    expect(Buffer.from(r.devices[0]!.writes[0]!.data).toString('hex')).toBe('e803f401f401640001');
  });

  it('DOT: subscribe first, then [1, 1, 20] to the control characteristic; [1, 0, 20] on stop', async () => {
    const r = rig([{ fake: fakeDot({ id: 'dot', address: 'd4:22:cd:00:00:03' }), placement: 'thoracic' }]);
    await r.source.start(sink(r));
    expect(r.devices[0]!.writes.map((w) => w.data)).toEqual([[1, 1, 20]]);
    await r.source.stop();
    expect(r.devices[0]!.writes.map((w) => w.data)).toEqual([[1, 1, 20], [1, 0, 20]]);
  });
});

describe('two sensors on one clock', () => {
  it('streams a MetaMotion on the sacrum and a DOT on the thoracic spine at once; a drop-out of one does not stop the other', async () => {
    const r = rig([
      { fake: fakeMetaMotion({ id: 'mm', address: 'c4:7f:0e:00:00:01' }), placement: 'sacrum' },
      { fake: fakeDot({ id: 'dot', address: 'd4:22:cd:00:00:03' }), placement: 'thoracic' },
    ]);
    const header = await r.source.start(sink(r));
    expect(header.sensors.map((s) => [s.id, s.model])).toEqual([['sacrum', 'metamotion'], ['thoracic', 'dot']]);
    await until('both stream', () => samples(r, 'sacrum').length > 30 && samples(r, 'thoracic').length > 20);
    r.devices[1]!.dropLink();
    const sacrumBefore = samples(r, 'sacrum').length;
    await until('thoracic reconnects', () => r.lines.some((l) => isEventLine(l) && l.event === 'reconnect' && l.sensor === 'thoracic'));
    expect(samples(r, 'sacrum').length).toBeGreaterThan(sacrumBefore);
    // One clock: the two sensors' latest times are within a few batches of each other.
    await until('thoracic streams again', () => samples(r, 'thoracic').at(-1)!.t > r.lines.find((l) => isEventLine(l) && l.event === 'reconnect')!.t);
    const lastSacrum = samples(r, 'sacrum').at(-1)!.t;
    const lastThoracic = samples(r, 'thoracic').at(-1)!.t;
    expect(Math.abs(lastSacrum - lastThoracic)).toBeLessThan(0.2);
  });
});

describe('adapter switched off mid-session', () => {
  it('reports the adapter problem, keeps retrying, and reconnects when it is back', async () => {
    const r = rig([{ fake: fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' }), placement: 'sacrum' }]);
    await r.source.start(sink(r));
    await until('samples', () => samples(r, 'sacrum').length > 10);
    r.bindings.adapterState = 'poweredOff';
    r.bindings.emit('stateChange', 'poweredOff');
    r.devices[0]!.dropLink();
    await until('adapter problem', () => r.source.status().problems.some((p) => p.includes('adapter is off')));
    expect(r.source.status().sensors[0]!.presence).toBe('reconnecting');
    r.bindings.adapterState = 'poweredOn';
    r.bindings.emit('stateChange', 'poweredOn');
    await until('reconnect', () => r.lines.some((l) => isEventLine(l) && l.event === 'reconnect'), 6000);
    expect(r.source.status().problems, JSON.stringify(r.source.status().problems)).toEqual([]);
    expect(r.source.status().sensors[0]!.presence).toBe('present');
  });
});

describe('failures become clear errors, not crashes', () => {
  it('an adapter that is off rejects start with HINGE_ERR_BLE_POWERED_OFF and says how to fix it', async () => {
    const r = rig([{ fake: fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' }), placement: 'sacrum' }]);
    r.bindings.adapterState = 'poweredOff';
    await expect(r.source.start(sink(r))).rejects.toMatchObject({ code: 'HINGE_ERR_BLE_POWERED_OFF', message: expect.stringContaining('switch Bluetooth on') });
  });

  it('an unauthorised process is told about setcap and NOBLE_HCI_DEVICE_ID', async () => {
    const r = rig([{ fake: fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' }), placement: 'sacrum' }]);
    r.bindings.adapterState = 'unauthorized';
    await expect(r.source.start(sink(r))).rejects.toMatchObject({ code: 'HINGE_ERR_BLE_UNAUTHORIZED', message: expect.stringMatching(/setcap.*NOBLE_HCI_DEVICE_ID/s) });
  });

  it('a sensor that never answers a connection is timed out, cancelled, retried, and named in the error', async () => {
    const fake = fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' });
    fake.spec.answersConnect = false;
    const r = rig([{ fake, placement: 'sacrum' }], { connectTimeoutMs: 100, startTimeoutMs: 700 });
    await expect(r.source.start(sink(r))).rejects.toMatchObject({ code: 'HINGE_ERR_BLE_SENSOR_NOT_FOUND', message: expect.stringContaining('no answer from') });
    expect(r.devices[0]!.connectAttempts).toBeGreaterThanOrEqual(2);
    expect(r.devices[0]!.cancelledConnects).toBe(r.devices[0]!.connectAttempts);
  });

  it('a device at the address that is not a supported sensor is reported as such', async () => {
    const fake = fakeGeneric({ id: 'x', address: 'aa:bb:cc:00:00:09' });
    fake.spec.advertisement = { localName: 'Kettle', serviceUuids: ['fff0'] };
    const r = rig([{ fake, placement: 'sacrum' }], { startTimeoutMs: 300 });
    await expect(r.source.start(sink(r))).rejects.toMatchObject({ message: expect.stringContaining('not a sensor hinge supports') });
  });
});

/** A monotonic clock the test can move forward: real time plus a jump. */
function fakeClock() {
  let jumpS = 0;
  return { nowS: () => performance.now() / 1000 + jumpS, advance: (s: number) => (jumpS += s) };
}

describe('explicit state on the injected clock', () => {
  it('source and link states through start, a drop-out, reconnect and stop; startedAt from the injected wall clock', async () => {
    const clock = fakeClock();
    const r = rig([{ fake: fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' }), placement: 'sacrum' }], {
      nowS: clock.nowS,
      wallTime: () => new Date('2031-05-06T07:08:09.000Z'),
    });
    expect(r.source.phase()).toBe('idle');
    expect(r.source.links()).toEqual(['searching']);
    const starting = r.source.start(sink(r));
    expect(r.source.phase()).toBe('starting');
    r.header = await starting;
    expect(r.header.startedAt).toBe('2031-05-06T07:08:09.000Z');
    expect(r.source.phase()).toBe('streaming');
    expect(r.source.links()).toEqual(['streaming']);
    await until('samples', () => samples(r, 'sacrum').length > 10);
    r.devices[0]!.dropLink();
    await until('link lost', () => r.source.links()[0] !== 'streaming');
    await until('reconnect', () => r.lines.some((l) => isEventLine(l) && l.event === 'reconnect'));
    expect(r.source.links()).toEqual(['streaming']);
    await expect(r.source.start(sink(r))).rejects.toThrow(/starts once/);
    await r.source.stop();
    expect(r.source.phase()).toBe('stopped');
    expect(r.source.links()).toEqual(['stopped']);
  });

  it('the retry wait and the start timeout run on the injected clock, not on the wall clock', async () => {
    const clock = fakeClock();
    const fake = fakeGeneric({ id: 'g', address: 'aa:bb:cc:00:00:05' });
    fake.spec.answersConnect = false;
    // One minute between attempts and ten minutes to start: only the injected clock can get there in this test.
    const r = rig([{ fake, placement: 'sacrum' }], { nowS: clock.nowS, connectTimeoutMs: 100, retryDelayMs: 60_000, startTimeoutMs: 600_000 });
    const started = r.source.start(sink(r)).then(
      () => null,
      (error: Error) => error,
    );
    await until('first attempt timed out', () => r.source.links()[0] === 'waiting');
    expect(r.devices[0]!.connectAttempts).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400)); // real time passes; the wait has not
    expect(r.devices[0]!.connectAttempts).toBe(1);
    expect(r.source.links()).toEqual(['waiting']);
    clock.advance(61);
    await until('second attempt', () => r.devices[0]!.connectAttempts === 2);
    clock.advance(600);
    const error = await started;
    expect(error).toMatchObject({ code: 'HINGE_ERR_BLE_SENSOR_NOT_FOUND', message: expect.stringContaining('no answer from') });
    expect(r.source.phase()).toBe('stopped');
    expect(r.source.links()).toEqual(['stopped']);
  });
});
