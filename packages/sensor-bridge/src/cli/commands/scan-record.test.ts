// `hinge record` and `hinge scan` over the fake noble binding: the same command code as on real
// hardware, with the transport injected.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLineValidator, validateHeader } from '@hinge/protocol';
import { FakeBindings } from '../../../test/fake-binding';
import { fakeDot, fakeMetaMotion, fakeThingy52, runFakeRadios } from '../../../test/fake-devices';
import { createNobleTransport, type NobleLike } from '../../ble/noble-transport';
import { loadPlacements } from '../../ble/placements';
import type { Command } from '../command';
import { cliFailure } from '../main';
import { capturedIO } from '../../../test/captured-io';
import { createRecordCommand } from './record';
import { createScanCommand } from './scan';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function fakeWorld() {
  const bindings = new FakeBindings();
  const sensors = [fakeMetaMotion({ id: 'mm', address: 'c4:7f:0e:00:00:01' }), fakeDot({ id: 'dot', address: 'd4:22:cd:00:00:03' }), fakeThingy52({ id: 'th', address: 'e1:00:00:00:00:02' })];
  const devices = sensors.map((s) => bindings.addDevice(s.spec));
  bindings.addDevice({ id: 'kettle', address: '11:22:33:44:55:66', rssiDbm: -80, advertisement: { localName: 'Kettle' }, services: {} });
  cleanups.push(runFakeRadios(sensors.map((fake, i) => ({ device: devices[i]!, fake }))));
  const transport = createNobleTransport(withBindings(bindings));
  return { bindings, devices, sensors, load: async () => transport };
}

async function run(command: Command, args: string[], interrupted: Promise<void> = new Promise(() => {})) {
  const captured = capturedIO(interrupted);
  try {
    const code = await command.run(args, captured.io);
    return { code, out: captured.out(), err: captured.err() };
  } catch (error) {
    // As main.ts reports it: `CODE: message` and the exit code.
    const failure = cliFailure(error);
    return { code: failure.exitCode, out: captured.out(), err: captured.err() + failure.line };
  }
}

describe('hinge scan (fake binding)', () => {
  it('lists supported sensors with model, address, signal and battery; hides other devices unless --all', async () => {
    const world = fakeWorld();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-scan-'));
    const r = await run(createScanCommand(world.load), ['--seconds', '0.3', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n');
    expect(rows).toHaveLength(4);
    // Strongest signal first.
    expect(rows[0]).toMatch(/^NAME\s+MODEL\s+ADDRESS\s+RSSI\s+BATTERY\s+PLACEMENT$/);
    expect(rows[1]).toMatch(/^Xsens DOT\s+dot\s+d4:22:cd:00:00:03\s+-55\s+42%\s+-$/);
    expect(rows[2]).toMatch(/^MetaWear\s+metamotion\s+c4:7f:0e:00:00:01\s+-60\s+87%\s+-$/);
    expect(rows[3]).toMatch(/^Thingy\s+thingy52\s+e1:00:00:00:00:02\s+-70\s+64%\s+-$/);
    const all = await run(createScanCommand(world.load), ['--seconds', '0.3', '--no-battery', '--all', '--data-dir', dataDir]);
    expect(all.out).toMatch(/Kettle\s+- \(not a supported sensor\)\s+11:22:33:44:55:66/);
  });

  it('--identify sacrum streams from every sensor and remembers the one that is tapped', async () => {
    const world = fakeWorld();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-scan-'));
    const command = createScanCommand(world.load);
    const running = run(command, ['--seconds', '0.3', '--no-battery', '--identify', 'sacrum', '--data-dir', dataDir]);
    // Once everything streams, tap the Thingy: a 3 g spike for two samples.
    const thingy = world.devices[2]!;
    const spike = Uint8Array.from([0, 0, 0, 0, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const tapper = setInterval(() => {
      if (thingy.connected && thingy.subscribed.size > 0) {
        thingy.notify('ef680400-9b35-4933-9b10-52ffa9740042', 'ef680406-9b35-4933-9b10-52ffa9740042', spike);
      }
    }, 300);
    const r = await running;
    clearInterval(tapper);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/tapped: Thingy e1:00:00:00:00:02 is now the sacrum sensor/);
    expect(loadPlacements(dataDir).sensors['e1:00:00:00:00:02']).toMatchObject({ placement: 'sacrum', model: 'thingy52' });
  });

  it('without Bluetooth: one clear line with the fix, exit 1, no stack trace', async () => {
    const r = await run(
      createScanCommand(async () => {
        const { unavailableError } = await import('../../ble/transport');
        throw unavailableError(Object.assign(new Error('socket: address family not supported'), { code: 'EAFNOSUPPORT' }));
      }),
      ['--seconds', '1'],
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^HINGE_ERR_BLE_UNAVAILABLE: Bluetooth is not available here: this system has no Bluetooth socket support \(EAFNOSUPPORT\).*setcap.*NOBLE_HCI_DEVICE_ID/s);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('hinge record (fake binding)', () => {
  it('records two sensors until interrupted into a valid recording, with a drop-out as disconnect/reconnect events', async () => {
    const world = fakeWorld();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-rec-'));
    const out = path.join(dataDir, 'session.jsonl');
    let interrupt: () => void = () => {};
    const interrupted = new Promise<void>((r) => (interrupt = r));
    const running = run(createRecordCommand(world.load), ['--sacrum', 'C4:7F:0E:00:00:01', '--thoracic', 'd4:22:cd:00:00:03', out, '--data-dir', dataDir], interrupted);
    await new Promise((r) => setTimeout(r, 700));
    world.devices[1]!.dropLink();
    await new Promise((r) => setTimeout(r, 700));
    interrupt();
    const r = await running;
    expect(r.code).toBe(0);

    const [headerText, ...lineTexts] = readFileSync(out, 'utf8').trim().split('\n');
    const header = validateHeader(JSON.parse(headerText!));
    expect(header.ok).toBe(true);
    if (!header.ok) return;
    expect(header.value.sensors.map((s) => [s.id, s.model, s.address])).toEqual([['sacrum', 'metamotion', 'c4:7f:0e:00:00:01'], ['thoracic', 'dot', 'd4:22:cd:00:00:03']]);
    const validator = createLineValidator(header.value);
    const lines = lineTexts.map((t) => validator.validate(JSON.parse(t)));
    expect(lines.every((l) => l.ok)).toBe(true);
    const values = lines.flatMap((l) => (l.ok ? [l.value] : []));
    expect(values.filter((l) => l.sensor === 'sacrum' && !('event' in l)).length).toBeGreaterThan(50);
    expect(values.filter((l) => l.sensor === 'thoracic' && !('event' in l)).length).toBeGreaterThan(30);
    expect(values.filter((l) => 'event' in l).map((l) => `${l.event} ${l.sensor}`)).toEqual(['disconnect thoracic', 'reconnect thoracic']);
    // Stopped cleanly: both devices told to stop and disconnected; placements remembered.
    expect(world.devices[0]!.connected).toBe(false);
    expect(world.devices[1]!.writes.at(-1)!.data).toEqual([1, 0, 20]);
    expect(loadPlacements(dataDir).sensors).toMatchObject({ 'c4:7f:0e:00:00:01': { placement: 'sacrum' }, 'd4:22:cd:00:00:03': { placement: 'thoracic' } });
    expect(r.err).toMatch(/stopped: \d+ lines/);
  });

  it('uses remembered placements when no addresses are given, and says what to do when there are none', async () => {
    const world = fakeWorld();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-rec-'));
    const none = await run(createRecordCommand(world.load), [path.join(dataDir, 'a.jsonl'), '--data-dir', dataDir]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/HINGE_ERR_USAGE: no sensor known for the sacrum: pass --sacrum ADDR, or run 'hinge scan --identify sacrum'/);

    const first = await run(createRecordCommand(world.load), ['--sacrum', 'e1:00:00:00:00:02', '--thoracic', 'c4:7f:0e:00:00:01', path.join(dataDir, 'b.jsonl'), '--seconds', '0.3', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    const again = await run(createRecordCommand(world.load), [path.join(dataDir, 'c.jsonl'), '--seconds', '0.3', '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    const header = JSON.parse(readFileSync(path.join(dataDir, 'c.jsonl'), 'utf8').split('\n')[0]!) as { sensors: { id: string; model: string }[] };
    expect(header.sensors.map((s) => [s.id, s.model])).toEqual([['sacrum', 'thingy52'], ['thoracic', 'metamotion']]);
  });

  it('refuses to overwrite an existing file', async () => {
    const world = fakeWorld();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-rec-'));
    const exists = await run(createRecordCommand(world.load), ['--sacrum', 'a', '--thoracic', 'b', path.join(dataDir, '..'), '--data-dir', dataDir]);
    expect(exists).toMatchObject({ code: 1, err: expect.stringMatching(/^HINGE_ERR_OUTPUT_EXISTS: .* already exists/) });
  });
});
