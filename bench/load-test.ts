// Load test: N simulated sessions (2 sensors x 100 Hz each, the built-in simulator source paced in real
// time, real analysis, recordings written) in a bridge child process, and M WebSocket clients in this
// process spread over the sessions, for a bounded time on loopback; then everything stops by itself.
// Reports the load held (angle samples delivered per client per second against the 100 Hz produced),
// sample-to-client latency, the bridge's memory and CPU, and the samples dropped for slow clients.
//
// Latency here is receive time minus the sample's own time (session start + t): it includes the source's
// real-time pacing batches (<= 20 ms), unlike bench/live-latency.ts, which starts at the batch's arrival.
//
// Run alone: pnpm exec tsx bench/load-test.ts [--sessions 50] [--clients 100] [--seconds 30]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerMessage } from '@hinge/protocol';
import { invokedDirectly, median, percentileSorted } from './stats';
import { openClient, wallMs, type WsClient } from './ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

export interface LoadTestOptions {
  sessions?: number;
  clients?: number;
  seconds?: number;
}

export interface LoadTestResult {
  sessions: number;
  clients: number;
  seconds: number;
  offeredSamplesPerS: number;
  /** Angle samples each client received per second, median over clients (the analysis produces 100/s). */
  anglesPerClientPerS: number;
  /** Median over clients of received / expected angle samples (1 = the full 100 Hz). */
  heldShare: number;
  frames: number;
  events: number;
  droppedSamples: number;
  latencyMs: { p50: number; p99: number; max: number };
  bridge: { rssPeakMB: number; rssStartMB: number; rssEndMB: number; heapStartMB: number; heapEndMB: number; cpuPctOfOneCore: number; recordingsMB: number };
  errors: string[];
}

// ---- child: the bridge ---------------------------------------------------------------------------

async function runBridgeChild(sessions: number): Promise<void> {
  const { buildApp } = await import('../packages/sensor-bridge/src/server/app');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-load-'));
  const app = await buildApp({ dataDir, maxLiveSessions: sessions });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const patient = app.bridge.hub.createPatient({ name: 'Load' });
  const started: { id: string; startedMs: number }[] = [];
  for (let i = 0; i < sessions; i++) {
    const s = await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'simulator', seed: 100 + i } });
    s.startSet(); // the simulated person does reps only in a set
    const startedAt = s.state().startedAt;
    started.push({ id: s.id, startedMs: startedAt ? Date.parse(startedAt) : Date.now() });
  }
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 200);
  process.stdout.write(JSON.stringify({ port, sessions: started }) + '\n');
  let cpuStart = process.cpuUsage();
  let wallStart = wallMs();
  let rssStart = process.memoryUsage().rss;
  let heapStart = process.memoryUsage().heapUsed;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'mark') {
      cpuStart = process.cpuUsage();
      wallStart = wallMs();
      rssStart = process.memoryUsage().rss;
      heapStart = process.memoryUsage().heapUsed;
      rssPeak = rssStart;
    } else if (line === 'stop') {
      const cpu = process.cpuUsage(cpuStart);
      const wall = wallMs() - wallStart;
      const memory = process.memoryUsage();
      const recordingsDir = path.join(dataDir, 'recordings');
      const recordingsBytes = readdirSync(recordingsDir).reduce((sum, f) => sum + statSync(path.join(recordingsDir, f)).size, 0);
      clearInterval(sampler);
      process.stdout.write(
        JSON.stringify({
          cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
          rssStartMB: rssStart / 2 ** 20,
          rssPeakMB: Math.max(rssPeak, memory.rss) / 2 ** 20,
          rssEndMB: memory.rss / 2 ** 20,
          heapStartMB: heapStart / 2 ** 20,
          heapEndMB: memory.heapUsed / 2 ** 20,
          recordingsMB: recordingsBytes / 2 ** 20,
        }) + '\n',
      );
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  }
}

// ---- parent: the clients --------------------------------------------------------------------------

export async function loadTest(options: LoadTestOptions = {}): Promise<LoadTestResult> {
  const sessions = options.sessions ?? 50;
  const clientCount = options.clients ?? 100;
  const seconds = options.seconds ?? 30;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--bridge-child', String(sessions)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // The whole test stops by itself even if something hangs.
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 120) * 1000);
  try {
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('the bridge child exited before listening');
    const { port, sessions: started } = JSON.parse(first.value) as { port: number; sessions: { id: string; startedMs: number }[] };

    const errors: string[] = [];
    const perClient = Array.from({ length: clientCount }, () => ({ samples: 0 }));
    const latencies: number[] = [];
    let frames = 0;
    let events = 0;
    let droppedSamples = 0;
    let measuring = false;
    const clients: WsClient[] = [];
    for (let c = 0; c < clientCount; c++) {
      const session = started[c % started.length]!;
      const client = await openClient(`ws://127.0.0.1:${port}/ws`);
      client.on('message', (data) => {
        const at = wallMs();
        if (!measuring) return;
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type === 'angles') {
          frames++;
          perClient[c]!.samples += m.t.length;
          droppedSamples += m.droppedSamples ?? 0;
          const newest = m.t[m.t.length - 1];
          // Every 10th frame is enough for the latency distribution and keeps this process light.
          if (newest !== undefined && frames % 10 === 0) latencies.push(at - (session.startedMs + newest * 1000));
        } else if (m.type === 'event') {
          events++;
        } else if (m.type === 'error') {
          errors.push(`${m.code}: ${m.message}`);
        }
      });
      client.on('error', (e) => errors.push(e.message));
      client.send(JSON.stringify({ type: 'subscribe', sessionId: session.id }));
      clients.push(client);
    }
    await new Promise((r) => setTimeout(r, 3000)); // warm-up: calibration, JIT
    child.stdin.write('mark\n');
    measuring = true;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    child.stdin.write('stop\n');
    const report = await lines.next();
    if (report.done) throw new Error('the bridge child exited without its report');
    const bridge = JSON.parse(report.value) as LoadTestResult['bridge'] & { cpuPct: number };
    for (const c of clients) c.terminate();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    latencies.sort((a, b) => a - b);
    const perS = perClient.map((p) => p.samples / seconds);
    return {
      sessions,
      clients: clientCount,
      seconds,
      offeredSamplesPerS: sessions * 2 * 100,
      anglesPerClientPerS: median(perS),
      heldShare: median(perS) / 100,
      frames,
      events,
      droppedSamples,
      latencyMs: { p50: percentileSorted(latencies, 50), p99: percentileSorted(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
      bridge: {
        rssPeakMB: bridge.rssPeakMB,
        rssStartMB: bridge.rssStartMB,
        rssEndMB: bridge.rssEndMB,
        heapStartMB: bridge.heapStartMB,
        heapEndMB: bridge.heapEndMB,
        cpuPctOfOneCore: bridge.cpuPct,
        recordingsMB: bridge.recordingsMB,
      },
      errors: errors.slice(0, 10),
    };
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}

if (invokedDirectly(import.meta.url)) {
  if (process.argv[2] === '--bridge-child') {
    await runBridgeChild(Number(process.argv[3] ?? 50));
  } else {
    const result = await loadTest({ sessions: option('sessions', 50), clients: option('clients', 100), seconds: option('seconds', 30) });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
}
