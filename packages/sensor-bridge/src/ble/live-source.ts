// Live source over Bluetooth: connects to the sensors named by address, streams from all of them at
// once on one session clock, and survives drop-outs (re-scan, reconnect, re-subscribe).
//
// Usage (the server's sources/ wraps this; its shape matches SensorSource):
//   const source = createBleLiveSource({ sensors: [{ id: 'sacrum', placement: 'sacrum', address: 'c4:..' }, ...] });
//   const header = await source.start({ lines(batch) {...}, statusChanged() {...}, ended(reason) {...} });
//   ... source.status() -> { sensors: [{ presence, batteryPct, rssiDbm, samples, lostSamples, malformed, ... }], problems }
//   await source.stop();
// `start` resolves once every sensor streams (t = 0 is then), or rejects with a BleError that says what
// to do (Bluetooth unavailable, adapter off, sensor not found). After that, `lines` receives batches
// (every `batchIntervalMs`) of samples and `disconnect` / `reconnect` events, in time order per sensor.
// Bad packets are counted in the status, never thrown.
//
// Explicit state, changed only by the small named steps below:
//   source: idle -> starting -> streaming -> stopped   (stop() from any of them)
//   each sensor's link:
//     searching --device seen--> connecting --streams--> streaming --link lost--> searching
//                                connecting --failed / not a supported sensor--> waiting(until) --time passed--> searching
//     any --stop()--> stopped
// Time comes from one injected clock (`nowS`: monotonic, `wallTime`: the header's startedAt), never
// from Date.now() beside it, so tests can move time (timeouts, retry waits) without waiting for it.
import type { RecordingHeader, RecordingLine, SampleLine, SensorStatus, SensorInfo } from '@hinge/protocol';
import { createSampleClock, type SampleClock } from './clock';
import type { Reading } from './decoders/types';
import type { DriverOptions, RunningStream, SensorDriver, SensorModel } from './drivers/driver';
import { driverFor, refusalFor } from './drivers/index';
import { loadNobleTransport } from './noble-transport';
import { BleError, adapterStateError, type BleConnection, type BleTransport, type DiscoveredDevice } from './transport';

export interface BleSensorTarget {
  id: string;
  placement: string;
  address: string;
}

export interface BleLiveSourceOptions {
  sensors: BleSensorTarget[];
  /** Where Bluetooth comes from; default: noble, loaded lazily. Tests pass a transport over the fake binding. */
  transport?: () => Promise<BleTransport>;
  driverOptions?: DriverOptions;
  connectTimeoutMs?: number;
  /** How long `start` waits for every sensor to stream. */
  startTimeoutMs?: number;
  batchIntervalMs?: number;
  /** Wait after a failed connection attempt before trying again. */
  retryDelayMs?: number;
  /** RSSI is read this often; the battery every `batteryIntervalMs`. */
  rssiIntervalMs?: number;
  batteryIntervalMs?: number;
  /** Monotonic clock in seconds (default: performance.now). Every timeout and retry wait is measured on it. */
  nowS?: () => number;
  /** Wall-clock time, for the header's startedAt (default: the system clock). */
  wallTime?: () => Date;
}

export interface BleLiveSink {
  lines(batch: RecordingLine[]): void;
  statusChanged(): void;
  ended(reason: string): void;
}

export interface BleSensorStatus extends SensorStatus {
  address: string;
  model: SensorModel | null;
  /** Samples the clock found missing (sequence or timing gaps). */
  lostSamples: number;
  /** Notifications for streams hinge does not use. */
  unknownPackets: number;
  lastProblem: string | null;
}

export interface BleLiveSource {
  start(sink: BleLiveSink): Promise<RecordingHeader>;
  stop(): Promise<void>;
  status(): { sensors: BleSensorStatus[]; problems: string[] };
  /** Where the source is (observable for tests and diagnostics). */
  phase(): SourcePhase;
  /** Each sensor's link state, in the order of `sensors`. */
  links(): LinkState['kind'][];
}

/** Where the source as a whole is. */
export type SourcePhase = 'idle' | 'starting' | 'streaming' | 'stopped';

/** Where one sensor's link is (see the diagram at the top). */
export type LinkState =
  /** No link; the scan is looking for the device. */
  | { kind: 'searching' }
  /** A connection attempt for this device is queued or running; `connection` once the link is up (configuring the stream). */
  | { kind: 'connecting'; device: DiscoveredDevice; connection?: BleConnection }
  /** Linked and streaming: the driver's stream and the clock that stamps its samples. */
  | { kind: 'streaming'; device: DiscoveredDevice; connection: BleConnection; driver: SensorDriver; stream: RunningStream; clock: SampleClock }
  /** The last attempt failed or the device is not a supported sensor: sightings are ignored until `untilS` (nowS). */
  | { kind: 'waiting'; untilS: number }
  | { kind: 'stopped' };

interface SensorState {
  target: BleSensorTarget;
  status: BleSensorStatus;
  link: LinkState;
  /** The sensor has streamed at least once in this source (a later link is a reconnect). */
  everStreamed: boolean;
  arrivalsS: number[];
}

const SCAN_FAILED = 'scan failed: ';

const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function finiteVector(v: readonly number[] | undefined): boolean {
  return v === undefined || v.every(Number.isFinite);
}

export function createBleLiveSource(options: BleLiveSourceOptions): BleLiveSource {
  const nowS = options.nowS ?? (() => performance.now() / 1000);
  const wallTime = options.wallTime ?? (() => new Date());
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const batchIntervalMs = options.batchIntervalMs ?? 50;
  const retryDelayS = (options.retryDelayMs ?? 1000) / 1000;
  /** Problems of the source as a whole (adapter, scanning), newest last, without repeats. */
  let problems: string[] = [];
  const addProblem = (text: string): void => {
    problems = [...problems.filter((p) => p !== text), text].slice(-10);
    changed();
  };
  const sensors: SensorState[] = options.sensors.map((target) => ({
    target,
    link: { kind: 'searching' },
    everStreamed: false,
    arrivalsS: [],
    status: {
      id: target.id, placement: target.placement, presence: 'connecting', batteryPct: null, rssiDbm: null, samples: 0, rateHz: 0,
      dropouts: 0, malformed: 0, lastT: null, address: target.address.toLowerCase(), model: null, lostSamples: 0, unknownPackets: 0, lastProblem: null,
    },
  }));
  let transport: BleTransport | undefined;
  let sink: BleLiveSink | undefined;
  let phase: SourcePhase = 'idle';
  /** nowS() at t = 0 (set when the source starts streaming). */
  let t0S: number | undefined;
  let scanning = false;
  let connectQueue: Promise<void> = Promise.resolve();
  let pending: RecordingLine[] = [];
  const timers: NodeJS.Timeout[] = [];

  const sessionT = (s: number): number => s - (t0S ?? s);
  const changed = (): void => sink?.statusChanged();
  const stopped = (): boolean => phase === 'stopped';
  /** The live connection of a sensor, whether it streams yet or is still being configured. */
  const connectionOf = (state: SensorState): BleConnection | undefined =>
    state.link.kind === 'streaming' || state.link.kind === 'connecting' ? state.link.connection : undefined;

  // ---- link transitions ---------------------------------------------------------------------------

  /** searching -> connecting: the device was seen and an attempt is queued. */
  function linkConnecting(state: SensorState, device: DiscoveredDevice): void {
    state.link = { kind: 'connecting', device };
  }

  /** connecting -> streaming: the driver's stream runs; samples are stamped on a fresh clock. */
  function linkStreaming(state: SensorState, device: DiscoveredDevice, connection: BleConnection, driver: SensorDriver, stream: RunningStream): void {
    state.link = { kind: 'streaming', device, connection, driver, stream, clock: createSampleClock({ periodS: 1 / stream.timing.rateHz, ...stream.timing }) };
  }

  /** connecting -> waiting: the attempt failed (or the device is refused); the next sighting counts after `waitS`. */
  function linkWaiting(state: SensorState, waitS: number): void {
    state.link = { kind: 'waiting', untilS: nowS() + waitS };
  }

  /** streaming | connecting -> searching: the link dropped. */
  function linkLost(state: SensorState): void {
    state.link = { kind: 'searching' };
  }

  /** A waiting link whose wait has passed is searching again. */
  function linkMaySearch(state: SensorState): boolean {
    if (state.link.kind === 'waiting' && nowS() >= state.link.untilS) state.link = { kind: 'searching' };
    return state.link.kind === 'searching';
  }

  function setPresence(state: SensorState, presence: SensorStatus['presence'], problem?: string): void {
    state.status.presence = presence;
    if (problem) state.status.lastProblem = problem;
    changed();
  }

  function emitEvent(state: SensorState, event: 'disconnect' | 'reconnect', extra: Record<string, unknown> = {}): void {
    if (phase !== 'streaming' || t0S === undefined) return;
    const t = Math.max(sessionT(nowS()), state.status.lastT ?? 0);
    pending.push({ t, event, sensor: state.target.id, ...extra });
  }

  function onReadings(state: SensorState, readings: Reading[]): void {
    const arrivalS = nowS();
    for (const r of readings) {
      if (state.link.kind !== 'streaming') return;
      const clock = state.link.clock;
      const stamp = clock.stamp(arrivalS, r);
      if (stamp.lostBefore > 0) {
        state.status.lostSamples += stamp.lostBefore;
        state.status.dropouts++;
      }
      const hasImu = r.accMS2 !== undefined && r.gyrRadS !== undefined;
      if ((!hasImu && !r.quat) || ![r.accMS2, r.gyrRadS, r.magUT, r.quat].every(finiteVector)) {
        state.status.malformed++;
        continue;
      }
      if (phase !== 'streaming' || t0S === undefined) continue; // still starting: t = 0 is when every sensor streams
      const t = Math.max(sessionT(stamp.t), state.status.lastT ?? 0);
      const line: SampleLine = { t, sensor: state.target.id };
      if (hasImu) {
        line.acc = r.accMS2;
        line.gyr = r.gyrRadS;
      }
      if (r.magUT) line.mag = r.magUT;
      if (r.quat) line.quat = r.quat;
      pending.push(line);
      state.status.samples++;
      state.status.lastT = t;
      state.arrivalsS.push(arrivalS);
    }
    if (!state.everStreamed && readings.length > 0) {
      state.everStreamed = true;
      changed();
    }
  }

  function flush(): void {
    const now = nowS();
    for (const s of sensors) {
      while (s.arrivalsS.length > 0 && s.arrivalsS[0]! < now - 1) s.arrivalsS.shift();
      s.status.rateHz = s.arrivalsS.length;
    }
    if (pending.length === 0 || !sink) return;
    const batch = pending.sort((a, b) => a.t - b.t);
    pending = [];
    sink.lines(batch);
  }

  async function connectSensor(state: SensorState, device: DiscoveredDevice): Promise<void> {
    if (stopped() || !transport || state.link.kind !== 'connecting') return;
    const refusal = refusalFor(device.advertisement);
    const driver = driverFor(device.advertisement);
    if (refusal || !driver) {
      linkWaiting(state, 10 * retryDelayS);
      setPresence(state, 'error', refusal ?? `${device.address} is not a sensor hinge supports (name "${device.advertisement.localName ?? ''}")`);
      return;
    }
    state.status.model = driver.model;
    const reconnecting = state.everStreamed;
    let connection: BleConnection | undefined;
    try {
      connection = await transport.connect(device.id, { timeoutMs: connectTimeoutMs });
      if (stopped()) {
        await connection.disconnect();
        return;
      }
      const conn = connection;
      state.link = { kind: 'connecting', device, connection: conn };
      connection.onDisconnect((reason) => onDisconnected(state, conn, reason));
      const stream = await driver.start(connection, options.driverOptions ?? {}, {
        readings: (readings) => onReadings(state, readings),
        problem: (p) => {
          if (p.kind === 'unknown') state.status.unknownPackets++;
          else state.status.malformed++;
          state.status.lastProblem = p.reason;
        },
      });
      if (connectionOf(state) !== conn) throw new Error('the link dropped while the stream was being configured');
      linkStreaming(state, device, conn, driver, stream);
      state.status.batteryPct = (await driver.readBatteryPct(connection).catch(() => undefined)) ?? state.status.batteryPct;
      state.status.rssiDbm = device.rssiDbm;
      if (reconnecting) emitEvent(state, 'reconnect');
      setPresence(state, 'present');
    } catch (error) {
      const message = (error as Error).message;
      const ownLink = connection !== undefined && connectionOf(state) === connection;
      if (stopped()) return;
      linkWaiting(state, retryDelayS);
      if (ownLink) await connection!.disconnect().catch(() => {});
      setPresence(state, reconnecting ? 'reconnecting' : 'connecting', `connect to ${device.address} failed: ${message}`);
    }
  }

  function onDisconnected(state: SensorState, connection: BleConnection, reason: string): void {
    if (stopped() || connectionOf(state) !== connection) return;
    const wasStreaming = state.link.kind === 'streaming';
    linkLost(state);
    if (!wasStreaming) return; // still configuring: connectSensor sees the lost link and waits before retrying
    state.status.dropouts++;
    emitEvent(state, 'disconnect', { reason });
    setPresence(state, 'reconnecting', `${state.target.address}: ${reason}`);
    void ensureScanning();
  }

  /** Scans while any sensor has no link. Adapters often cannot connect while scanning, so scans stop first. */
  async function ensureScanning(): Promise<void> {
    if (stopped() || scanning || !transport || sensors.every((s) => s.link.kind === 'streaming') || sensors.some((s) => s.link.kind === 'connecting')) return;
    scanning = true;
    try {
      await transport.startScan(onDevice);
      if (problems.some((p) => p.startsWith(SCAN_FAILED))) {
        problems = problems.filter((p) => !p.startsWith(SCAN_FAILED));
        changed();
      }
    } catch (error) {
      scanning = false;
      addProblem(`${SCAN_FAILED}${(error as Error).message}`);
    }
  }

  function onDevice(device: DiscoveredDevice): void {
    const state = sensors.find((s) => sameAddress(s.target.address, device.address));
    if (!state || stopped() || !linkMaySearch(state)) return;
    linkConnecting(state, device);
    connectQueue = connectQueue.then(async () => {
      if (scanning && transport) {
        scanning = false;
        await transport.stopScan().catch(() => {});
      }
      await connectSensor(state, device);
      if (state.link.kind === 'connecting') linkLost(state); // dropped while configuring: search again
      await ensureScanning();
    });
  }

  async function pollLinks(what: 'rssi' | 'battery'): Promise<void> {
    for (const s of sensors) {
      if (s.link.kind !== 'streaming') continue;
      const { connection, driver } = s.link;
      if (what === 'rssi') s.status.rssiDbm = (await connection.readRssiDbm().catch(() => null)) ?? s.status.rssiDbm;
      else s.status.batteryPct = (await driver.readBatteryPct(connection).catch(() => undefined)) ?? s.status.batteryPct;
    }
    changed();
  }

  async function stop(): Promise<void> {
    phase = 'stopped';
    for (const t of timers.splice(0)) clearInterval(t);
    if (scanning && transport) await transport.stopScan().catch(() => {});
    scanning = false;
    await connectQueue.catch(() => {});
    for (const s of sensors) {
      const link = s.link;
      s.link = { kind: 'stopped' };
      if (link.kind === 'streaming') await link.stream.stop();
      if (link.kind === 'streaming' || link.kind === 'connecting') await link.connection?.disconnect().catch(() => {});
      s.status.presence = 'absent';
    }
    flush();
    sink = undefined;
  }

  return {
    async start(newSink) {
      if (phase !== 'idle') throw new Error('a BLE live source starts once');
      phase = 'starting';
      sink = newSink;
      transport = await (options.transport ?? loadNobleTransport)();
      await transport.ready();
      transport.onAdapterState((state) => {
        if (state === 'poweredOn') {
          problems = [];
          changed();
          void ensureScanning();
        } else {
          addProblem(adapterStateError(state).message);
        }
      });
      timers.push(setInterval(flush, batchIntervalMs));
      // A scan that failed (adapter switched off, busy) is retried here while a sensor is missing.
      timers.push(setInterval(() => void ensureScanning(), 2000));
      timers.push(setInterval(() => void pollLinks('rssi'), options.rssiIntervalMs ?? 5000));
      timers.push(setInterval(() => void pollLinks('battery'), options.batteryIntervalMs ?? 60_000));
      for (const t of timers) t.unref();
      await ensureScanning();

      const deadlineS = nowS() + (options.startTimeoutMs ?? 30_000) / 1000;
      const streaming = (s: SensorState) => s.everStreamed && s.link.kind === 'streaming';
      while (!sensors.every(streaming)) {
        if (stopped()) throw new BleError('HINGE_ERR_BLE_SENSOR_NOT_FOUND', 'stopped before every sensor streamed');
        if (nowS() > deadlineS) {
          const missing = sensors.filter((s) => !streaming(s));
          const detail = missing.map((s) => `${s.target.id} ${s.target.address}${s.status.lastProblem ? ` (${s.status.lastProblem})` : ' (not seen in the scan: is it on, charged and in range?)'}`);
          await stop();
          throw new BleError('HINGE_ERR_BLE_SENSOR_NOT_FOUND', `no data from ${detail.join('; ')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      t0S = nowS();
      phase = 'streaming';
      pending = [];
      const sensorsInfo: SensorInfo[] = sensors.map((s) => {
        const link = s.link as Extract<LinkState, { kind: 'streaming' }>;
        return {
          id: s.target.id,
          placement: s.target.placement,
          model: link.driver.model,
          sampleRateHz: link.stream.timing.rateHz,
          ...(link.stream.resolution ? { resolution: link.stream.resolution } : {}),
          address: s.status.address,
        };
      });
      return { format: 'hinge-recording', version: 1, startedAt: wallTime().toISOString(), sensors: sensorsInfo };
    },
    stop,
    status: () => ({ sensors: sensors.map((s) => ({ ...s.status })), problems: [...problems] }),
    phase: () => phase,
    links: () => sensors.map((s) => s.link.kind),
  };
}
