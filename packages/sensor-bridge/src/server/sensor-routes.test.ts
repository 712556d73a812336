// Sensor setup routes through `inject`, with Bluetooth played by the fake noble binding: a scan lists
// the fake sensors with their battery, tap-to-identify remembers the tapped sensor, and an unusable
// adapter gives a BLE error code with its fix-it message instead of a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { IdentifySensorReply, ScanSensorsReply, SensorPlacements } from '@hinge/protocol';
import { encodeGeneric } from '../ble/decoders/generic';
import { FakeBindings, type FakeDevice } from '../../test/fake-binding';
import { fakeGeneric, fakeMetaMotion, runFakeRadios, type FakeSensor } from '../../test/fake-devices';
import { createNobleTransport, type NobleLike } from '../ble/noble-transport';
import { unavailableError, type BleTransport } from '../ble/transport';
import { buildApp } from './app';
import { standinAnalysis } from '../../test/standin-analysis';
import { CLIENT_HEADER } from './request-guard';

/** Marks a body-less POST as sent by script (request-guard.ts). */
const SCRIPTED = { [CLIENT_HEADER]: 'test' };

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function makeApp(bleTransport: () => Promise<BleTransport>, options: { tokenRequired?: boolean } = {}): Promise<{ app: FastifyInstance; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-sensors-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await buildApp({ dataDir, analysis: standinAnalysis, bleTransport, ...options });
  cleanups.push(() => app.close());
  return { app, dataDir };
}

/** A generic-profile sensor whose accelerometer reads 3 g while `tapping` is set: a finger tap. */
function tappableGeneric(address: string): { fake: FakeSensor; tap: { tapping: boolean } } {
  const base = fakeGeneric({ id: 'gen-1', address });
  const tap = { tapping: false };
  const fake: FakeSensor = {
    ...base,
    packets: (k, d) =>
      tap.tapping
        ? [{ ...base.packets(k, d)[0]!, bytes: encodeGeneric({ seq: k, timeUs: 5_000_000 + k * 10_000, samples: [{ accG: [0, 0, 3], gyrDps: [0, 0, 0] }] }) }]
        : base.packets(k, d),
  };
  return { fake, tap };
}

function fakeRadio(fakes: FakeSensor[], adapterState = 'poweredOn'): { transport: () => Promise<BleTransport>; devices: FakeDevice[]; loads: () => number } {
  const bindings = new FakeBindings();
  bindings.adapterState = adapterState;
  const devices = fakes.map((f) => bindings.addDevice(f.spec));
  cleanups.push(runFakeRadios(fakes.map((fake, i) => ({ fake, device: devices[i]! }))));
  let loads = 0;
  const transport = createNobleTransport(withBindings(bindings));
  return {
    transport: async () => {
      loads++;
      return transport;
    },
    devices,
    loads: () => loads,
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('sensor setup over REST', () => {
  it('scan lists the sensors in range with model, signal and battery, strongest first', async () => {
    const radio = fakeRadio([fakeMetaMotion({ id: 'mm-1', address: 'c4:7f:0e:00:00:01', rssiDbm: -71 }), fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05', rssiDbm: -48 })]);
    const { app } = await makeApp(radio.transport);
    const reply = await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.3 } });
    expect(reply.statusCode).toBe(200);
    const body = reply.json<ScanSensorsReply>();
    expect(body.seconds).toBe(0.3);
    expect(body.sensors).toEqual([
      { name: 'hinge-esp32', model: 'generic', address: 'aa:bb:cc:00:00:05', rssiDbm: -48, batteryPct: 99, rememberedPlacement: null, refusal: null },
      { name: 'MetaWear', model: 'metamotion', address: 'c4:7f:0e:00:00:01', rssiDbm: -71, batteryPct: 87, rememberedPlacement: null, refusal: null },
    ]);
    // The battery read connected and let go again.
    expect(radio.devices.every((d) => d.connectAttempts === 1 && !d.connected)).toBe(true);
  });

  it('identify streams from every sensor found and remembers the tapped one; scan and placements then show it', async () => {
    const { fake, tap } = tappableGeneric('aa:bb:cc:00:00:05');
    const other = fakeMetaMotion({ id: 'mm-1', address: 'c4:7f:0e:00:00:01' });
    const radio = fakeRadio([other, fake]);
    const { app } = await makeApp(radio.transport);

    const pending = app.inject({ method: 'POST', url: '/api/sensors/identify', payload: { placement: 'thoracic', seconds: 10, scanSeconds: 0.3 } });
    // Tap once both sensors stream and the detector has a baseline.
    await until('both sensors streaming', () => radio.devices.every((d, i) => d.connected && [other, fake][i]!.isStreaming(d)));
    await new Promise((r) => setTimeout(r, 150));
    tap.tapping = true;
    const reply = await pending;
    tap.tapping = false;
    expect(reply.statusCode).toBe(200);
    expect(reply.json<IdentifySensorReply>()).toEqual({ placement: 'thoracic', address: 'aa:bb:cc:00:00:05', name: 'hinge-esp32', model: 'generic', previousAddress: null });
    // Identify stopped streaming and disconnected from both.
    await until('disconnected', () => radio.devices.every((d) => !d.connected));

    const placements = (await app.inject({ method: 'GET', url: '/api/sensors/placements' })).json<SensorPlacements>();
    expect(placements).toMatchObject({ sacrum: null, thoracic: { address: 'aa:bb:cc:00:00:05', model: 'generic', name: 'hinge-esp32' }, warnings: [] });
    const scan = (await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.3 } })).json<ScanSensorsReply>();
    expect(scan.sensors.map((s) => [s.address, s.rememberedPlacement])).toEqual([
      ['aa:bb:cc:00:00:05', 'thoracic'],
      ['c4:7f:0e:00:00:01', null],
    ]);
    // One transport, loaded once and kept.
    expect(radio.loads()).toBe(1);
  });

  it('identify without a tap answers HINGE_ERR_BLE_NO_TAP and remembers nothing', async () => {
    const radio = fakeRadio([fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05' })]);
    const { app } = await makeApp(radio.transport);
    const reply = await app.inject({ method: 'POST', url: '/api/sensors/identify', payload: { placement: 'sacrum', seconds: 1, scanSeconds: 0.3 } });
    expect(reply.statusCode).toBe(422);
    expect(reply.json()).toMatchObject({ code: 'HINGE_ERR_BLE_NO_TAP', message: expect.stringMatching(/no tap seen within 1 s/) });
    expect((await app.inject({ method: 'GET', url: '/api/sensors/placements' })).json()).toMatchObject({ sacrum: null, thoracic: null });
  });

  it('identify with no sensor in range says so', async () => {
    const radio = fakeRadio([]);
    const { app } = await makeApp(radio.transport);
    const reply = await app.inject({ method: 'POST', url: '/api/sensors/identify', payload: { placement: 'sacrum', scanSeconds: 0.2 } });
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toMatchObject({ code: 'HINGE_ERR_BLE_SENSOR_NOT_FOUND', message: expect.stringMatching(/no supported sensor found/) });
  });

  it('one Bluetooth job at a time: a second scan while one runs is refused with HINGE_ERR_BLE_BUSY', async () => {
    const radio = fakeRadio([fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05' })]);
    const { app } = await makeApp(radio.transport);
    const first = app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.5 } });
    await new Promise((r) => setTimeout(r, 100));
    const second = await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: {} });
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('HINGE_ERR_BLE_BUSY');
    expect((await first).statusCode).toBe(200);
  });

  it('refuses to scan while a live Bluetooth session streams (the session uses the same injected transport)', async () => {
    const sacrum = fakeMetaMotion({ id: 'mm-1', address: 'c4:7f:0e:00:00:01' });
    const thoracic = fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05' });
    const radio = fakeRadio([sacrum, thoracic]);
    const { app } = await makeApp(radio.transport);
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Ada' } })).json<{ id: string }>();
    const session = await app.inject({
      method: 'POST',
      url: '/api/sessions',
      payload: { patientId: patient.id, source: { kind: 'ble', sacrum: sacrum.spec.address, thoracic: thoracic.spec.address } },
    });
    expect(session.statusCode).toBe(201);
    expect(session.json().capabilities).toContain('live');
    const refused = await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.2 } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'HINGE_ERR_BLE_BUSY', message: expect.stringMatching(/live Bluetooth session/) });
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${session.json().id}/stop`, headers: SCRIPTED })).statusCode).toBe(200);
    await until('sensors released', () => radio.devices.every((d) => !d.connected));
    const scan = await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.3 } });
    expect(scan.statusCode).toBe(200);
    expect(scan.json<ScanSensorsReply>().sensors).toHaveLength(2);
  });

  it('without Bluetooth: 503 with the BLE code and the fix-it message, and the bridge keeps serving', async () => {
    // What loadNobleTransport throws on a machine without an HCI socket.
    const { app } = await makeApp(async () => {
      throw unavailableError(Object.assign(new Error('socket: Address family not supported'), { code: 'EAFNOSUPPORT' }));
    });
    for (const request of [
      { method: 'POST' as const, url: '/api/sensors/scan', headers: SCRIPTED }, // no body: the defaults
      { method: 'POST' as const, url: '/api/sensors/identify', payload: { placement: 'sacrum' } },
    ]) {
      const reply = await app.inject(request);
      expect(reply.statusCode).toBe(503);
      expect(reply.json()).toMatchObject({ code: 'HINGE_ERR_BLE_UNAVAILABLE', message: expect.stringMatching(/^Bluetooth is not available here: .*EAFNOSUPPORT.*setcap/) });
    }
    expect((await app.inject({ method: 'GET', url: '/api/sensors/placements' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('an adapter that is switched off gives HINGE_ERR_BLE_POWERED_OFF', async () => {
    const radio = fakeRadio([fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05' })], 'poweredOff');
    const { app } = await makeApp(radio.transport);
    const reply = await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.2 } });
    expect(reply.statusCode).toBe(503);
    expect(reply.json()).toMatchObject({ code: 'HINGE_ERR_BLE_POWERED_OFF', message: expect.stringMatching(/switch Bluetooth on/) });
  });

  it('validates bodies and needs the clinician token when one is required', async () => {
    const radio = fakeRadio([]);
    const { app } = await makeApp(radio.transport, { tokenRequired: true });
    expect((await app.inject({ method: 'POST', url: '/api/sensors/scan', payload: {} })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/sensors/placements' })).statusCode).toBe(401);
    const token = app.bridge.policy.accessToken;
    const auth = { authorization: `Bearer ${token}` };
    for (const payload of [{ seconds: 600 }, { seconds: 'five' }, { seconds: 1, extra: true }]) {
      const reply = await app.inject({ method: 'POST', url: '/api/sensors/scan', headers: auth, payload });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().code).toBe('HINGE_ERR_BAD_MESSAGE');
    }
    const badPlacement = await app.inject({ method: 'POST', url: '/api/sensors/identify', headers: auth, payload: { placement: 'knee' } });
    expect(badPlacement.statusCode).toBe(400);
    expect(radio.loads()).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/api/sensors/placements', headers: auth })).statusCode).toBe(200);
  });
});
