// BleTransport over @abandonware/noble. noble is an optional dependency whose import throws on a
// machine without Bluetooth (no HCI socket, EAFNOSUPPORT, or a missing native module), so it is only
// loaded by `loadNobleTransport`, inside try/catch. `createNobleTransport` takes a noble instance, so
// tests pass `require('@abandonware/noble/with-bindings')(fakeBindings)` and exercise this same code.
import { BleError, adapterStateError, normalizeUuid, unavailableError, type BleConnection, type BleTransport, type DiscoveredDevice } from './transport';

/** The parts of noble's object model this file uses (noble ships no usable ESM types). */
export interface NobleLike {
  readonly state: string;
  on(event: 'stateChange', listener: (state: string) => void): unknown;
  on(event: 'discover', listener: (peripheral: PeripheralLike) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

interface CharacteristicLike {
  uuid: string;
  readAsync(): Promise<Buffer>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  unsubscribeAsync(): Promise<void>;
  on(event: 'data', listener: (data: Buffer, isNotification?: boolean) => void): unknown;
  removeAllListeners(event: 'data'): unknown;
}

interface PeripheralLike {
  id: string;
  address: string;
  rssi: number;
  connectable: boolean;
  state: string;
  advertisement: { localName?: string; serviceUuids?: string[]; manufacturerData?: Buffer };
  connectAsync(): Promise<void>;
  cancelConnect(): void;
  disconnectAsync(): Promise<void>;
  updateRssiAsync(): Promise<number>;
  discoverAllServicesAndCharacteristicsAsync(): Promise<{ services: { uuid: string; characteristics?: CharacteristicLike[] }[] }>;
  once(event: 'disconnect', listener: (reason?: unknown) => void): unknown;
  removeListener(event: 'disconnect', listener: (reason?: unknown) => void): unknown;
}

const GATT_TIMEOUT_MS = 5000;

/** Rejects with `onTimeout()` after `ms`, then runs `cancel` (whose own rejection of `promise` then loses the race). */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => BleError, cancel?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(onTimeout());
      cancel?.();
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function loadNobleTransport(): Promise<BleTransport> {
  let noble: NobleLike;
  try {
    const module = (await import('@abandonware/noble')) as unknown as { default?: NobleLike } & NobleLike;
    noble = module.default ?? module;
    // Touching `state` initialises the HCI bindings, which is where a missing adapter shows up.
    void noble.state;
  } catch (error) {
    throw unavailableError(error);
  }
  return createNobleTransport(noble);
}

export function createNobleTransport(noble: NobleLike): BleTransport {
  const peripherals = new Map<string, PeripheralLike>();
  let scanListener: ((p: PeripheralLike) => void) | undefined;

  return {
    ready(timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const settle = (state: string): boolean => {
          if (state === 'poweredOn') resolve();
          else if (state === 'poweredOff' || state === 'unauthorized' || state === 'unsupported') reject(adapterStateError(state));
          else return false;
          return true;
        };
        let current: string;
        try {
          current = noble.state;
        } catch (error) {
          reject(unavailableError(error));
          return;
        }
        if (settle(current)) return;
        const onState = (state: string): void => {
          current = state;
          if (settle(state)) done();
        };
        const timer = setTimeout(() => {
          done();
          reject(adapterStateError(current));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          noble.removeListener('stateChange', onState);
        };
        noble.on('stateChange', onState);
      });
    },

    async startScan(onDevice) {
      if (scanListener) noble.removeListener('discover', scanListener);
      scanListener = (p: PeripheralLike) => {
        peripherals.set(p.id, p);
        const device: DiscoveredDevice = {
          id: p.id,
          address: (p.address ?? '').toLowerCase(),
          rssiDbm: p.rssi,
          connectable: p.connectable !== false,
          advertisement: {
            localName: p.advertisement?.localName,
            serviceUuids: (p.advertisement?.serviceUuids ?? []).map(normalizeUuid),
            ...(p.advertisement?.manufacturerData ? { manufacturerData: new Uint8Array(p.advertisement.manufacturerData) } : {}),
          },
        };
        onDevice(device);
      };
      noble.on('discover', scanListener);
      await noble.startScanningAsync([], true);
    },

    async stopScan() {
      if (scanListener) noble.removeListener('discover', scanListener);
      scanListener = undefined;
      await noble.stopScanningAsync();
    },

    onAdapterState(listener) {
      noble.on('stateChange', listener);
    },

    async connect(deviceId, { timeoutMs }) {
      const p = peripherals.get(deviceId);
      if (!p) throw new BleError('HINGE_ERR_BLE_SENSOR_NOT_FOUND', `device ${deviceId} has not been seen in a scan`);
      // A connect to a device that is off hangs forever (noble/noble#522): always time out and cancel.
      await withTimeout(
        p.connectAsync(),
        timeoutMs,
        () => new BleError('HINGE_ERR_BLE_CONNECT_TIMEOUT', `no answer from ${p.address || p.id} within ${timeoutMs} ms (is it switched on and in range?)`),
        () => p.cancelConnect(),
      );
      let discovered;
      try {
        discovered = await withTimeout(p.discoverAllServicesAndCharacteristicsAsync(), GATT_TIMEOUT_MS, () => new BleError('HINGE_ERR_BLE_GATT', `service discovery on ${p.address} timed out`));
      } catch (error) {
        await p.disconnectAsync().catch(() => {});
        throw error;
      }
      return nobleConnection(p, discovered.services);
    },
  };
}

function nobleConnection(p: PeripheralLike, services: { uuid: string; characteristics?: CharacteristicLike[] }[]): BleConnection {
  const chars = new Map<string, CharacteristicLike>();
  for (const s of services) for (const c of s.characteristics ?? []) chars.set(`${normalizeUuid(s.uuid)}/${normalizeUuid(c.uuid)}`, c);
  const listeners: ((reason: string) => void)[] = [];
  let connected = true;

  const get = (service: string, characteristic: string): CharacteristicLike => {
    const c = chars.get(`${normalizeUuid(service)}/${normalizeUuid(characteristic)}`);
    if (!c) throw new BleError('HINGE_ERR_BLE_GATT', `${p.address} has no characteristic ${characteristic} in service ${service}`);
    return c;
  };
  const gatt = <T>(what: string, op: () => Promise<T>): Promise<T> =>
    withTimeout(op(), GATT_TIMEOUT_MS, () => new BleError('HINGE_ERR_BLE_GATT', `${what} on ${p.address} timed out`));

  const onDisconnect = (reason?: unknown): void => {
    connected = false;
    // Remove our data listeners so a reconnect never delivers every notification twice (noble/noble#692).
    for (const c of chars.values()) c.removeAllListeners('data');
    const text = reason === undefined ? 'link lost' : `link lost (HCI reason 0x${Number(reason).toString(16)})`;
    for (const l of listeners.splice(0)) l(text);
  };
  p.once('disconnect', onDisconnect);

  return {
    address: (p.address ?? '').toLowerCase(),
    has: (service, characteristic) => chars.has(`${normalizeUuid(service)}/${normalizeUuid(characteristic)}`),
    read: async (service, characteristic) => new Uint8Array(await gatt(`read ${characteristic}`, () => get(service, characteristic).readAsync())),
    write: (service, characteristic, data, withoutResponse) =>
      gatt(`write ${characteristic}`, () => get(service, characteristic).writeAsync(Buffer.from(data), withoutResponse)),
    subscribe: async (service, characteristic, onData) => {
      const c = get(service, characteristic);
      c.removeAllListeners('data');
      c.on('data', (data, isNotification) => {
        // isNotification is false for the reply to our own read; undefined on some platforms.
        if (isNotification !== false) onData(new Uint8Array(data));
      });
      await gatt(`subscribe ${characteristic}`, () => c.subscribeAsync());
    },
    unsubscribe: async (service, characteristic) => {
      const c = get(service, characteristic);
      c.removeAllListeners('data');
      if (connected) await gatt(`unsubscribe ${characteristic}`, () => c.unsubscribeAsync());
    },
    readRssiDbm: () => gatt('RSSI', () => p.updateRssiAsync()),
    onDisconnect: (listener) => {
      if (connected) listeners.push(listener);
      else listener('already disconnected');
    },
    disconnect: async () => {
      if (!connected) return;
      await withTimeout(p.disconnectAsync(), GATT_TIMEOUT_MS, () => new BleError('HINGE_ERR_BLE_GATT', `disconnect from ${p.address} timed out`)).catch(() => onDisconnect());
    },
  };
}
