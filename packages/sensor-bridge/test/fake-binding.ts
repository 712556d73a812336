// A fake noble binding for tests without Bluetooth hardware. noble accepts injected bindings
// (`require('@abandonware/noble/with-bindings')(bindings)`), so the real noble object model (Peripheral,
// Service, Characteristic, their async methods and events) runs on top of this EventEmitter. It plays
// peripherals that advertise, accept connections, answer service discovery, reads and writes, notify
// byte streams, and drop their link. The event contract is the one of @abandonware/noble 1.9.2-26's
// hci-socket bindings: discover / connect / servicesDiscover / characteristicsDiscover / read / write /
// notify / rssiUpdate / disconnect, UUIDs in lowercase hex without dashes, and a `write` event even for
// write-without-response (noble's writeAsync waits for it).
import { EventEmitter } from 'node:events';
import { normalizeUuid } from '../src/ble/transport';

export interface FakeDeviceSpec {
  id: string;
  address: string;
  rssiDbm: number;
  advertisement: { localName?: string; serviceUuids?: string[]; manufacturerData?: Uint8Array };
  /** service uuid -> characteristic uuid -> properties and initial value. */
  services: Record<string, Record<string, { properties: string[]; value?: Uint8Array }>>;
  /** The device's reaction to a write (e.g. start streaming); runs after the write is acknowledged. */
  onWrite?(device: FakeDevice, service: string, characteristic: string, data: Uint8Array): void;
  /** false: connection attempts never complete, like a device that was switched off. */
  answersConnect?: boolean;
}

export class FakeDevice {
  connected = false;
  connectAttempts = 0;
  cancelledConnects = 0;
  readonly writes: { service: string; characteristic: string; data: number[] }[] = [];
  readonly subscribed = new Set<string>();
  private readonly values = new Map<string, Uint8Array>();

  constructor(
    readonly spec: FakeDeviceSpec,
    private readonly bindings: FakeBindings,
  ) {
    for (const [s, chars] of Object.entries(spec.services)) {
      for (const [c, def] of Object.entries(chars)) if (def.value) this.values.set(key(s, c), def.value);
    }
  }

  value(service: string, characteristic: string): Uint8Array | undefined {
    return this.values.get(key(service, characteristic));
  }

  setValue(service: string, characteristic: string, value: Uint8Array): void {
    this.values.set(key(service, characteristic), value);
  }

  isSubscribed(service: string, characteristic: string): boolean {
    return this.subscribed.has(key(service, characteristic));
  }

  /** Sends one notification, if the host subscribed to it. Returns whether it was sent. */
  notify(service: string, characteristic: string, bytes: Uint8Array): boolean {
    if (!this.connected || !this.isSubscribed(service, characteristic)) return false;
    this.bindings.emit('read', this.spec.id, normalizeUuid(service), normalizeUuid(characteristic), Buffer.from(bytes), true);
    return true;
  }

  /** The link drops (out of range, battery out): HCI reason 0x08, connection timeout. */
  dropLink(): void {
    if (!this.connected) return;
    this.connected = false;
    this.subscribed.clear();
    this.bindings.emit('disconnect', this.spec.id, 0x08);
  }
}

const key = (service: string, characteristic: string): string => `${normalizeUuid(service)}/${normalizeUuid(characteristic)}`;

export class FakeBindings extends EventEmitter {
  adapterState = 'poweredOn';
  scanning = false;
  /** Devices re-advertise this often while a scan runs, as real ones do. */
  advertiseIntervalMs = 50;
  private advertiseTimer: NodeJS.Timeout | undefined;
  /** Whether devices advertise; a test sets it false to hide a device from scans. */
  readonly advertising = new Map<string, boolean>();
  readonly devices = new Map<string, FakeDevice>();

  addDevice(spec: FakeDeviceSpec): FakeDevice {
    const device = new FakeDevice(spec, this);
    this.devices.set(spec.id, device);
    this.advertising.set(spec.id, true);
    if (this.scanning) this.advertise(device);
    return device;
  }

  /** Emits one advertisement for every device that is advertising and not connected. */
  advertiseAll(): void {
    for (const d of this.devices.values()) this.advertise(d);
  }

  private advertise(d: FakeDevice): void {
    if (!this.scanning || d.connected || !this.advertising.get(d.spec.id)) return;
    const ad = d.spec.advertisement;
    const advertisement = {
      localName: ad.localName,
      serviceUuids: (ad.serviceUuids ?? []).map(normalizeUuid),
      manufacturerData: ad.manufacturerData ? Buffer.from(ad.manufacturerData) : undefined,
      serviceData: [],
    };
    this.emit('discover', d.spec.id, d.spec.address, 'random', true, advertisement, d.spec.rssiDbm, true);
  }

  private device(id: string): FakeDevice | undefined {
    return this.devices.get(id);
  }

  private later(fn: () => void): void {
    setImmediate(fn);
  }

  // --- the bindings API noble calls ---
  init(): void {
    this.later(() => this.emit('stateChange', this.adapterState));
  }

  setScanParameters(): void {
    this.later(() => this.emit('scanParametersSet'));
  }

  startScanning(): void {
    this.scanning = true;
    clearInterval(this.advertiseTimer);
    this.advertiseTimer = setInterval(() => this.advertiseAll(), this.advertiseIntervalMs);
    this.advertiseTimer.unref();
    this.later(() => {
      this.emit('scanStart', false);
      this.advertiseAll();
    });
  }

  stopScanning(): void {
    this.scanning = false;
    clearInterval(this.advertiseTimer);
    this.later(() => this.emit('scanStop'));
  }

  connect(id: string): void {
    const d = this.device(id);
    if (!d) return;
    d.connectAttempts++;
    if (d.spec.answersConnect === false) return; // hangs until cancelConnect
    this.later(() => {
      d.connected = true;
      this.emit('connect', id, null);
    });
  }

  cancelConnect(id: string): void {
    const d = this.device(id);
    if (d) d.cancelledConnects++;
  }

  disconnect(id: string): void {
    const d = this.device(id);
    this.later(() => {
      if (d) {
        d.connected = false;
        d.subscribed.clear();
      }
      this.emit('disconnect', id, 0x16);
    });
  }

  updateRssi(id: string): void {
    const d = this.device(id);
    this.later(() => this.emit('rssiUpdate', id, d?.spec.rssiDbm ?? -127));
  }

  discoverServices(id: string, filter: string[]): void {
    const d = this.device(id);
    const all = Object.keys(d?.spec.services ?? {}).map(normalizeUuid);
    const uuids = filter?.length ? all.filter((u) => filter.includes(u)) : all;
    this.later(() => this.emit('servicesDiscover', id, uuids));
  }

  discoverIncludedServices(id: string, service: string): void {
    this.later(() => this.emit('includedServicesDiscover', id, service, []));
  }

  discoverCharacteristics(id: string, service: string, filter: string[]): void {
    const d = this.device(id);
    const entry = Object.entries(d?.spec.services ?? {}).find(([s]) => normalizeUuid(s) === service);
    const chars = Object.entries(entry?.[1] ?? {})
      .map(([uuid, def]) => ({ uuid: normalizeUuid(uuid), properties: def.properties }))
      .filter((c) => !filter?.length || filter.includes(c.uuid));
    this.later(() => this.emit('characteristicsDiscover', id, service, chars));
  }

  read(id: string, service: string, characteristic: string): void {
    const d = this.device(id);
    this.later(() => this.emit('read', id, service, characteristic, Buffer.from(d?.value(service, characteristic) ?? new Uint8Array(0)), false));
  }

  write(id: string, service: string, characteristic: string, data: Buffer): void {
    const d = this.device(id);
    this.later(() => {
      if (d?.connected) {
        d.writes.push({ service, characteristic, data: [...data] });
        d.setValue(service, characteristic, new Uint8Array(data));
      }
      this.emit('write', id, service, characteristic);
      if (d?.connected) d.spec.onWrite?.(d, service, characteristic, new Uint8Array(data));
    });
  }

  notify(id: string, service: string, characteristic: string, enable: boolean): void {
    const d = this.device(id);
    this.later(() => {
      if (d?.connected) {
        if (enable) d.subscribed.add(key(service, characteristic));
        else d.subscribed.delete(key(service, characteristic));
      }
      this.emit('notify', id, service, characteristic, enable);
    });
  }

  discoverDescriptors(id: string, service: string, characteristic: string): void {
    this.later(() => this.emit('descriptorsDiscover', id, service, characteristic, []));
  }

  reset(): void {}
}
