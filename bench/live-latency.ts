// Live latency benchmark: from a sample's arrival at the bridge to its delivery (as an angle frame)
// to a WebSocket client on loopback, with 8 sessions (2 sensors x 100 Hz each, real analysis) and
// 16 clients (2 per session). Target: p99 <= 10 ms, bridge CPU < 50 % of one core.
//
// The bridge runs in a child process so its CPU time is its own; the clients run here. "Arrival"
// is the moment the bridge's source hands a batch to the session (BLE notifications arrive in
// batches too; the replay source delivers every 20 ms). Both processes stamp times with
// performance.timeOrigin + performance.now() (the same system clock). For each received frame, the
// latency is receive time minus the arrival time of the batch that completed its newest sample.
//
// Run alone: pnpm exec tsx bench/live-latency.ts [--seconds N]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ServerMessage } from '@hinge/protocol';
import { invokedDirectly, percentileSorted } from './stats';

const nowMs = () => performance.timeOrigin + performance.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

/** The `ws` client, a dependency of the bridge package (the repo root does not list it). */
interface WsClient {
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
  once(event: 'open' | 'error', listener: (error?: Error) => void): void;
  send(text: string): void;
  close(): void;
}
const WebSocket = createRequire(path.join(repoRoot, 'packages/sensor-bridge/package.json'))('ws') as new (url: string) => WsClient;

export interface LiveLatencyResult {
  sessions: number;
  clients: number;
  seconds: number;
  frames: number;
  angleSamples: number;
  latencyMs: { p50: number; p99: number; max: number };
  bridgeCpuPctOfOneCore: number;
  targets: { p99Ms: number; cpuPct: number };
  pass: boolean;
}

// ---- child: the bridge -------------------------------------------------------------------------

async function runBridgeChild(): Promise<void> {
  const { buildApp } = await import('../packages/sensor-bridge/src/server/app');
  const { createReplaySource } = await import('../packages/sensor-bridge/src/sources/replay');
  const sessions = Number(process.env.BENCH_SESSIONS ?? 8);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-bench-'));
  const fixtures = path.join(repoRoot, 'fixtures');
  /** Per source (in session order): [time up to which both sensors' samples have arrived, arrival ms]. */
  const arrivals: [number, number][][] = [];
  // BENCH_CLINIC_URL: the bridge is also a station pushing everything to that clinic database (bench/clinic.ts).
  const clinicUrl = process.env.BENCH_CLINIC_URL;
  const app = await buildApp({
    dataDir,
    replayDirs: [fixtures],
    ...(clinicUrl ? { clinicDatabaseUrl: clinicUrl, station: 'bench-live' } : {}),
    createSource: () => {
      const log: [number, number][] = [];
      arrivals.push(log);
      const newestBySensor = new Map<string, number>();
      const source = createReplaySource({ file: path.join(fixtures, 'demo.jsonl'), speed: 1, loop: true });
      return {
        ...source,
        capabilities: source.capabilities,
        start: (sink) =>
          source.start({
            ...sink,
            lines(batch) {
              const atMs = nowMs();
              for (const line of batch) if ('sensor' in line && typeof line.sensor === 'string') newestBySensor.set(line.sensor, line.t);
              // An angle at time t needs both sensors' data up to t: the batch "completes" the
              // session up to the older of the two sensors' newest samples.
              if (newestBySensor.size === 2) log.push([Math.min(...newestBySensor.values()), atMs]);
              sink.lines(batch);
            },
          }),
      };
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const patient = app.bridge.hub.createPatient({ name: 'Bench' });
  const ids: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const s = await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'replay', recording: 'demo.jsonl', loop: true } });
    ids.push(s.id);
  }
  process.stdout.write(JSON.stringify({ port, ids }) + '\n');
  let cpuStart = process.cpuUsage();
  let wallStart = nowMs();
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'mark') {
      cpuStart = process.cpuUsage();
      wallStart = nowMs();
    } else if (line === 'stop') {
      const cpu = process.cpuUsage(cpuStart);
      const wallMs = nowMs() - wallStart;
      process.stdout.write(JSON.stringify({ cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, arrivals }) + '\n');
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  }
}

// ---- parent: the clients -------------------------------------------------------------------------


export async function liveLatency(options: { seconds?: number; sessions?: number; clientsPerSession?: number } = {}): Promise<LiveLatencyResult> {
  const seconds = options.seconds ?? 10;
  const sessions = options.sessions ?? 8;
  const perSession = options.clientsPerSession ?? 2;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--bridge-child'], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_SESSIONS: String(sessions) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  const { port, ids } = JSON.parse(first.value as string) as { port: number; ids: string[] };

  const received: { source: number; t: number; atMs: number }[] = [];
  let frames = 0;
  let angleSamples = 0;
  let measuring = false;
  const sockets: WsClient[] = [];
  for (const [index, id] of ids.entries()) {
    for (let c = 0; c < perSession; c++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.on('message', (data) => {
        const atMs = nowMs();
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type !== 'angles' || !measuring) return;
        frames++;
        angleSamples += m.t.length;
        const newest = m.t[m.t.length - 1];
        if (newest !== undefined) received.push({ source: index, t: newest, atMs });
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
      sockets.push(ws);
    }
  }
  await new Promise((r) => setTimeout(r, 2000)); // warm-up: calibration, JIT
  child.stdin.write('mark\n');
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  child.stdin.write('stop\n');
  const report = JSON.parse((await lines.next()).value as string) as { cpuPct: number; arrivals: [number, number][][] };
  for (const ws of sockets) ws.close();

  const latencies: number[] = [];
  for (const r of received) {
    const log = report.arrivals[r.source] ?? [];
    // First batch after which both sensors' samples reach the frame's newest angle time.
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((log[mid] as [number, number])[0] < r.t - 1e-9) lo = mid + 1;
      else hi = mid;
    }
    const arrival = log[lo];
    if (arrival) latencies.push(r.atMs - arrival[1]);
  }
  latencies.sort((a, b) => a - b);
  const result: LiveLatencyResult = {
    sessions,
    clients: sessions * perSession,
    seconds,
    frames,
    angleSamples,
    latencyMs: { p50: percentileSorted(latencies, 50), p99: percentileSorted(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
    bridgeCpuPctOfOneCore: report.cpuPct,
    targets: { p99Ms: 10, cpuPct: 50 },
    pass: false,
  };
  result.pass = result.latencyMs.p99 <= 10 && result.bridgeCpuPctOfOneCore < 50;
  return result;
}

if (invokedDirectly(import.meta.url)) {
  if (process.argv.includes('--bridge-child')) {
    await runBridgeChild();
  } else {
    const i = process.argv.indexOf('--seconds');
    const seconds = i > 0 ? Number(process.argv[i + 1]) : 10;
    const result = await liveLatency({ seconds });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
}
