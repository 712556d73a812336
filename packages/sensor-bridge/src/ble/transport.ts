// The small interface every driver talks to, so noble stays behind one boundary (noble-transport.ts)
// and tests can drive the same code through a fake noble binding (fake-binding.ts).
// UUIDs are written the way noble reports them: lowercase hex without dashes, and 16-bit Bluetooth SIG
// UUIDs in their short form ('180f'). `normalizeUuid` turns any spelling into that form.

export interface Advertisement {
  localName?: string;
  serviceUuids: string[];
  /** Raw manufacturer-specific data: company id (u16 LE) then payload. */
  manufacturerData?: Uint8Array;
}

export interface DiscoveredDevice {
  /** Transport handle used to connect (noble's peripheral id). */
  id: string;
  /** Bluetooth address as reported (lowercase, colon-separated; may be empty on macOS). */
  address: string;
  rssiDbm: number;
  connectable: boolean;
  advertisement: Advertisement;
}

export interface BleConnection {
  readonly address: string;
  /** Service and characteristic UUIDs found at connect. */
  has(service: string, characteristic: string): boolean;
  read(service: string, characteristic: string): Promise<Uint8Array>;
  write(service: string, characteristic: string, data: Uint8Array, withoutResponse: boolean): Promise<void>;
  /** Enables notifications; `onData` gets every notification until unsubscribe or disconnect. */
  subscribe(service: string, characteristic: string, onData: (bytes: Uint8Array) => void): Promise<void>;
  unsubscribe(service: string, characteristic: string): Promise<void>;
  readRssiDbm(): Promise<number>;
  /** Called once when the link drops or `disconnect` completes. Listeners are cleared then. */
  onDisconnect(listener: (reason: string) => void): void;
  disconnect(): Promise<void>;
}

export interface BleTransport {
  /** Resolves when the adapter is powered on; rejects with a `BleError` that says how to fix it. */
  ready(timeoutMs?: number): Promise<void>;
  /** Starts scanning (duplicates allowed, so RSSI stays fresh). Replaces any previous listener. */
  startScan(onDevice: (device: DiscoveredDevice) => void): Promise<void>;
  stopScan(): Promise<void>;
  /** Connects (cancelled after `timeoutMs`) and discovers all services and characteristics. */
  connect(deviceId: string, options: { timeoutMs: number }): Promise<BleConnection>;
  /** Adapter state changes after `ready` (noble's states: poweredOn, poweredOff, unauthorized, ...). */
  onAdapterState(listener: (state: string) => void): void;
}

export type BleErrorCode =
  | 'HINGE_ERR_BLE_UNAVAILABLE'
  | 'HINGE_ERR_BLE_POWERED_OFF'
  | 'HINGE_ERR_BLE_UNAUTHORIZED'
  | 'HINGE_ERR_BLE_UNSUPPORTED'
  | 'HINGE_ERR_BLE_CONNECT_TIMEOUT'
  | 'HINGE_ERR_BLE_GATT'
  | 'HINGE_ERR_BLE_SENSOR_NOT_FOUND';

export class BleError extends Error {
  constructor(
    readonly code: BleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const LINUX_FIX =
  'On Linux, run as root or give node the raw-socket capability: ' +
  'sudo setcap cap_net_raw+eip $(eval readlink -f $(which node)) (redo this after upgrading node). ' +
  'Pick another adapter with NOBLE_HCI_DEVICE_ID=1 (for hci1). On macOS, allow Bluetooth for your terminal ' +
  'in System Settings > Privacy & Security > Bluetooth.';

/** The message for an adapter that is present but not usable, by noble's adapter state. */
export function adapterStateError(state: string): BleError {
  switch (state) {
    case 'poweredOff':
      return new BleError('HINGE_ERR_BLE_POWERED_OFF', 'the Bluetooth adapter is off: switch Bluetooth on (Linux: `rfkill unblock bluetooth` and `bluetoothctl power on`; macOS: Control Center > Bluetooth).');
    case 'unauthorized':
      return new BleError('HINGE_ERR_BLE_UNAUTHORIZED', `this process may not use Bluetooth. ${LINUX_FIX}`);
    case 'unsupported':
      return new BleError('HINGE_ERR_BLE_UNSUPPORTED', `this adapter does not support Bluetooth Low Energy (or none was found). ${LINUX_FIX}`);
    default:
      return new BleError('HINGE_ERR_BLE_UNAVAILABLE', `the Bluetooth adapter did not become ready (state "${state}"). ${LINUX_FIX}`);
  }
}

/** The message when noble itself cannot be loaded (no adapter, no HCI socket, no native module). */
export function unavailableError(cause: unknown): BleError {
  const e = cause as NodeJS.ErrnoException;
  const reason =
    e?.code === 'EAFNOSUPPORT'
      ? 'this system has no Bluetooth socket support (EAFNOSUPPORT)'
      : e?.code === 'MODULE_NOT_FOUND'
        ? `noble's native Bluetooth module is not built (${(e.message ?? '').split('\n')[0]}); on a machine with Bluetooth, install build tools (python3, make, g++, libudev-dev) and run \`pnpm rebuild @abandonware/bluetooth-hci-socket\``
        : (e?.message ?? String(cause)).split('\n')[0];
  return new BleError(
    'HINGE_ERR_BLE_UNAVAILABLE',
    `Bluetooth is not available here: ${reason}. ${LINUX_FIX} Replay, the simulator, analysis and the dashboard work without it.`,
  );
}

const SIG_BASE = /^0000([0-9a-f]{4})00001000800000805f9b34fb$/;

/** '0000180F-0000-1000-8000-00805F9B34FB' -> '180f'; '326A9000-85CB-...' -> '326a900085cb...'. */
export function normalizeUuid(uuid: string): string {
  const compact = uuid.toLowerCase().replace(/-/g, '');
  return SIG_BASE.exec(compact)?.[1] ?? compact;
}

/** The Bluetooth SIG Battery Service, used by Thingy:52, MetaMotion and the open profile. */
export const BATTERY_SERVICE = '180f';
export const BATTERY_LEVEL_CHAR = '2a19';
/** Device Information Service and its model number string. */
export const DEVICE_INFO_SERVICE = '180a';
export const MODEL_NUMBER_CHAR = '2a24';
