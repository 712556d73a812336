// Exports of a long recording beside live sessions (issue #17, "Bounded memory and a free event loop").
// A 4-hour two-sensor 100 Hz simulated recording (one simulated hour written four times on one
// continuous clock; cached in the system's temp folder) is a stored session of a bridge that also runs
// live sessions (fixtures/demo.jsonl replayed in real time, real analysis, recordings written) with
// WebSocket clients. For each export, one at a time, the bench measures
//   - the bridge's peak RSS during the export (VmRSS of the child process, sampled every 20 ms);
//   - live sample-to-client latency (as bench/live-latency.ts: batch arrival at the bridge -> angle
//     frame at a client) over the frames received while the export ran;
//   - the export's wall time and size.
// Then: four MCAP exports at once (two run, two are refused with 503), a replay session of the 4-hour
// file, and kill -9 of the bridge during an MCAP export: how much of a live session's recording is lost
// (session time at the kill, from the last frame received plus the wall time since, minus the last
// line on disk). Targets: RSS <= 300 MB, p99 <= 10 ms, loss <= 1 s.
//
// Run: pnpm exec tsx bench/long-export.ts [--hours 4] [--sessions 4] [--only analysis,angles.csv] [--bridge bundle|tsx]
// The bridge child tunes its heap as `hinge serve` does (src/server/bridge-heap.ts; BENCH_DEFAULT_HEAP=1: V8's default).
// The bridge child runs bundled by default, as `hinge serve` does (--bridge tsx: under the TypeScript loader).
// Not part of `pnpm bench` (it takes several minutes); results: docs/benchmarks.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { ServerMessage } from '@hinge/protocol';
import { invokedDirectly, percentileSorted } from './stats';

const nowMs = () => performance.timeOrigin + performance.now();
const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository (the bridge child runs from a bundle elsewhere and is told where it is). */
const repoRoot = process.env.BENCH_REPO_ROOT ?? path.resolve(here, '..');
const MB = 1024 * 1024;

interface WsClient {
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
  once(event: 'open' | 'error', listener: (error?: Error) => void): void;
  send(text: string): void;
  close(): void;
}
const WebSocket = createRequire(path.join(repoRoot, 'packages/sensor-bridge/package.json'))('ws') as new (url: string) => WsClient;

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

// ---- the long recording ---------------------------------------------------------------------------

/** `hours` simulated hours (one simulated hour repeated on one clock), cached by length. */
async function longRecording(hours: number): Promise<string> {
  const dir = path.join(tmpdir(), 'hinge-bench-cache');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `long-${hours}h-seed11.jsonl`);
  if (existsSync(file)) return file;
  const { randomSession, simulateSession } = await import('@hinge/simulator');
  const { header, lines } = simulateSession({ seed: 11, script: randomSession(11, { durationS: Math.min(3600, hours * 3600) }) });
  const hourS = (lines[lines.length - 1]?.t ?? 0) + 0.01;
  const tmp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(JSON.stringify(header) + '\n');
  for (let copy = 0; copy < Math.ceil(hours); copy++) {
    const limitS = hours * 3600;
    let chunk: string[] = [];
    for (const line of lines) {
      const t = Math.round((line.t + copy * hourS) * 1e6) / 1e6;
      if (t > limitS) break;
      chunk.push(JSON.stringify({ ...line, t }));
      if (chunk.length === 5000) {
        await write(chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length > 0) await write(chunk.join('\n') + '\n');
  }
  out.end();
  await once(out, 'close');
  renameSync(tmp, file);
  return file;
}

// ---- child: the bridge --------------------------------------------------------------------------

async function runBridgeChild(): Promise<void> {
  const { buildApp } = await import('../packages/sensor-bridge/src/server/app');
  // As `hinge serve` does (BENCH_DEFAULT_HEAP=1: V8's default growth, to compare).
  if (!process.env.BENCH_DEFAULT_HEAP) (await import('../packages/sensor-bridge/src/server/bridge-heap')).tuneBridgeHeap();
  const { createReplaySource } = await import('../packages/sensor-bridge/src/sources/replay');
  const dataDir = process.env.BENCH_DATA_DIR as string;
  const longFile = process.env.BENCH_LONG_FILE as string;
  const sessions = Number(process.env.BENCH_SESSIONS ?? 4);
  const fixtures = path.join(repoRoot, 'fixtures');
  const arrivals: [number, number][][] = [];
  const replayDir = path.dirname(longFile);
  const app = await buildApp({
    dataDir,
    replayDirs: [fixtures, replayDir],
    createSource: (spec) => {
      if (spec.kind !== 'replay') throw new Error('replay only');
      const file = spec.recording === 'demo.jsonl' ? path.join(fixtures, 'demo.jsonl') : path.join(replayDir, spec.recording);
      const log: [number, number][] = [];
      if (spec.recording === 'demo.jsonl') arrivals.push(log);
      const newestBySensor = new Map<string, number>();
      const source = createReplaySource({ file, speed: 1, loop: true });
      return {
        ...source,
        start: (sink) =>
          source.start({
            ...sink,
            lines(batch) {
              const atMs = nowMs();
              for (const line of batch) if ('sensor' in line && typeof line.sensor === 'string') newestBySensor.set(line.sensor, line.t);
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
  const { hub, store, layout } = app.bridge;
  const patient = hub.createPatient({ name: 'Bench' });
  // The stored 4-hour session: its recording hard-linked into the data directory.
  const stored = await hub.createSession({ patientId: patient.id });
  const recordingPath = path.join('recordings', 'long.jsonl');
  linkSync(longFile, path.join(layout.root, recordingPath));
  await stored.stop();
  const row = store.getSession(stored.id)!;
  store.updateSession({ ...row, status: 'stopped', recordingPath, startedAt: row.createdAt, endedAt: new Date().toISOString() });
  const ids: string[] = [];
  for (let i = 0; i < sessions; i++) ids.push((await hub.createSession({ patientId: patient.id, source: { kind: 'replay', recording: 'demo.jsonl', loop: true } })).id);
  process.stdout.write(JSON.stringify({ port, ids, stored: stored.id }) + '\n');
  // How long the event loop was held up (the export's slices, GC), reset at each report.
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  // Where the memory is: peaks of process.memoryUsage() (sampled every 50 ms), reset at each report.
  const memoryPeakMB = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampleMemory = () => {
    const m = process.memoryUsage();
    for (const key of Object.keys(memoryPeakMB) as (keyof typeof memoryPeakMB)[]) memoryPeakMB[key] = Math.max(memoryPeakMB[key], m[key] / MB);
  };
  setInterval(sampleMemory, 50).unref();
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'arrivals') {
      const loopDelayMs = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
      delay.reset();
      sampleMemory();
      const memory = { ...memoryPeakMB };
      for (const key of Object.keys(memoryPeakMB) as (keyof typeof memoryPeakMB)[]) memoryPeakMB[key] = 0;
      process.stdout.write(JSON.stringify({ arrivals, loopDelayMs, memory }) + '\n');
    }
    else if (line === 'stop') {
      await app.close();
      process.exit(0);
    }
  }
  // stdin closed: the parent is gone (it crashed or was killed); do not stay behind.
  process.exit(1);
}

// ---- parent -------------------------------------------------------------------------------------


function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The time of the last whole line of a recording (.jsonl, or .jsonl.gz cut off by the kill: read up to its last flush). */
function lastRecordedT(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(file.endsWith('.gz') ? size : Math.min(size, 64 * 1024));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    const text = file.endsWith('.gz') ? gunzipSync(buf, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8') : buf.toString('utf8');
    const lines = text.split('\n').slice(1, -1).reverse();
    for (const l of lines) {
      try {
        const t = (JSON.parse(l) as { t?: number }).t;
        if (typeof t === 'number') return t;
      } catch {
        // a half-written line
      }
    }
    return NaN;
  } finally {
    closeSync(fd);
  }
}

interface Bridge {
  child: ChildProcess;
  port: number;
  ids: string[];
  stored: string;
  dataDir: string;
  next: () => Promise<string>;
  frames: { source: number; t: number; atMs: number }[];
  sockets: WsClient[];
}

/**
 * This file and the export worker bundled as bin/hinge.mjs bundles the CLI (npm dependencies external,
 * our own TypeScript bundled), into packages/sensor-bridge/dist so the dependencies resolve. Returns the entry.
 */
async function bundleBridgeChild(): Promise<string> {
  const packageDir = path.join(repoRoot, 'packages/sensor-bridge');
  const { build } = createRequire(path.join(packageDir, 'package.json'))('esbuild') as { build: (options: object) => Promise<unknown> };
  const { CLI_ENTRY_POINTS, bundleOptions } = (await import(path.join(packageDir, 'bin/bundle-options.mjs'))) as { CLI_ENTRY_POINTS: Record<string, string>; bundleOptions: (entries: object, outdir: string) => { external: string[] } };
  const outdir = path.join(packageDir, 'dist', `bench-long-export-${process.pid}`);
  const options = bundleOptions({ 'long-export': fileURLToPath(import.meta.url), 'export-worker': CLI_ENTRY_POINTS['export-worker'] }, outdir);
  await build({ ...options, external: [...options.external, 'esbuild'] });
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
  return path.join(outdir, 'long-export.mjs');
}

async function startBridge(longFile: string, sessions: number): Promise<Bridge> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-bench-long-'));
  // BENCH_NODE_FLAGS: V8 flags for the bridge, e.g. --max-old-space-size=160 to see what the working set needs.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  // The bridge as it ships (`hinge serve` runs an esbuild bundle, bin/hinge.mjs), or with --tsx under the TypeScript loader.
  const entry = arg('bridge', 'bundle') === 'tsx' ? ['--import', 'tsx', fileURLToPath(import.meta.url)] : [await bundleBridgeChild()];
  const child = spawn(process.execPath, [...nodeFlags, ...entry, '--bridge-child'], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_SESSIONS: String(sessions), BENCH_DATA_DIR: dataDir, BENCH_LONG_FILE: longFile, BENCH_REPO_ROOT: repoRoot },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  const { port, ids, stored } = JSON.parse(await next()) as { port: number; ids: string[]; stored: string };
  const frames: Bridge['frames'] = [];
  const sockets: WsClient[] = [];
  for (const [index, id] of ids.entries()) {
    for (let c = 0; c < 2; c++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.on('message', (data) => {
        const atMs = nowMs();
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type !== 'angles') return;
        const newest = m.t[m.t.length - 1];
        if (newest !== undefined) frames.push({ source: index, t: newest, atMs });
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
      sockets.push(ws);
    }
  }
  return { child, port, ids, stored, dataDir, next, frames, sockets };
}

/** Latencies of the frames received in [fromMs, toMs], matched to the batch arrivals the child logged. */
let lastLoopDelayMs = { p99: NaN, max: NaN };
let lastMemoryMB: Record<string, number> = {};
async function latenciesIn(bridge: Bridge, fromMs: number, toMs: number): Promise<number[]> {
  bridge.child.stdin!.write('arrivals\n');
  const { arrivals, loopDelayMs, memory } = JSON.parse(await bridge.next()) as { arrivals: [number, number][][]; loopDelayMs: { p99: number; max: number }; memory: Record<string, number> };
  lastLoopDelayMs = loopDelayMs;
  lastMemoryMB = memory;
  const out: number[] = [];
  for (const r of bridge.frames) {
    if (r.atMs < fromMs || r.atMs > toMs) continue;
    const log = arrivals[r.source] ?? [];
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((log[mid] as [number, number])[0] < r.t - 1e-9) lo = mid + 1;
      else hi = mid;
    }
    const arrival = log[lo];
    if (arrival) out.push(r.atMs - arrival[1]);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The download client, in a process of its own: it must not share the event loop of the WebSocket
 * clients that time the live frames (receiving a 270 MB file at loopback speed held that loop, and the
 * frames' arrival times with it, by ~25 ms). node:http: no header timeout (an MCAP export answers when
 * written). Prints {status, bytes, retryAfter, code}.
 */
const DOWNLOADER = `
import { get } from 'node:http';
get(process.argv[1], async (res) => {
  let bytes = 0;
  let body = '';
  for await (const chunk of res) {
    bytes += chunk.byteLength;
    if (res.statusCode !== 200) body += chunk.toString();
  }
  const code = res.statusCode !== 200 ? JSON.parse(body).code : undefined;
  const retryAfter = res.headers['retry-after'] ?? null;
  process.stdout.write(JSON.stringify({ status: res.statusCode, bytes, retryAfter, code }));
}).on('error', (error) => { console.error(error.message); process.exit(1); });
`;

/** Downloads a URL to nowhere (in a child process, DOWNLOADER), counting bytes, while sampling the bridge's RSS. */
async function download(url: string, pid: number): Promise<{ status: number; bytes: number; ms: number; peakRssMB: number; retryAfter: string | null; code?: string }> {
  let peakRssMB = rssMB(pid);
  const sampler = setInterval(() => (peakRssMB = Math.max(peakRssMB, rssMB(pid))), 20);
  const start = nowMs();
  try {
    const client = spawn(process.execPath, ['--input-type=module', '-e', DOWNLOADER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    client.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [exitCode] = (await once(client, 'exit')) as [number | null];
    if (exitCode !== 0) throw new Error(`download of ${url} failed`);
    const result = JSON.parse(out) as { status: number; bytes: number; retryAfter: string | null; code?: string };
    return { ...result, ms: nowMs() - start, peakRssMB: Math.max(peakRssMB, rssMB(pid)) };
  } finally {
    clearInterval(sampler);
  }
}

interface ExportRow {
  export: string;
  status: number;
  seconds: number;
  MB: number;
  peakRssMB: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  frames: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Peaks of the bridge's process.memoryUsage() during the export, MB. */
  memoryPeakMB: Record<string, number>;
}

async function main(): Promise<void> {
  const hours = Number(arg('hours', '4'));
  const sessions = Number(arg('sessions', '4'));
  const only = arg('only', '').split(',').filter(Boolean);
  const t0 = nowMs();
  const longFile = await longRecording(hours);
  process.stderr.write(`recording: ${longFile} (${(statSync(longFile).size / MB).toFixed(0)} MB, ${hours} h), ready in ${((nowMs() - t0) / 1000).toFixed(0)} s\n`);
  const bridge = await startBridge(longFile, sessions);
  const pid = bridge.child.pid!;
  const base = `http://127.0.0.1:${bridge.port}/api/sessions/${bridge.stored}`;
  await new Promise((r) => setTimeout(r, 3000)); // live sessions calibrate, JIT warms up
  await latenciesIn(bridge, 0, 0); // resets the loop-delay histogram
  await new Promise((r) => setTimeout(r, 3000));
  const idle = await latenciesIn(bridge, nowMs() - 3000, nowMs());
  const idleLoopDelay = lastLoopDelayMs;
  const idleRssMB = rssMB(pid);
  const rows: ExportRow[] = [];
  const exports = ['analysis', 'angles', 'export/angles.csv', 'export/angles.csv?decimal=comma', 'export/report.pdf', 'export/session.mcap', 'export/recording', 'export/reps.csv', 'export/fhir.json'];
  for (const e of exports) {
    if (only.length > 0 && !only.includes(e.replace(/^export\//, ''))) continue;
    const from = nowMs();
    const r = await download(`${base}/${e}`, pid);
    const to = nowMs();
    const lat = await latenciesIn(bridge, from, to);
    rows.push({ export: e, status: r.status, seconds: r.ms / 1000, MB: r.bytes / MB, peakRssMB: r.peakRssMB, p50Ms: percentileSorted(lat, 50), p99Ms: percentileSorted(lat, 99), maxMs: lat[lat.length - 1] ?? NaN, frames: lat.length, loopDelayP99Ms: lastLoopDelayMs.p99, loopDelayMaxMs: lastLoopDelayMs.max, memoryPeakMB: lastMemoryMB });
    process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
  }

  // Four MCAP exports at once: two run (the limit), two are refused at once.
  let together: unknown = null;
  if (only.length === 0 || only.includes('together')) {
    const from = nowMs();
    const results = await Promise.all([0, 1, 2, 3].map(() => download(`${base}/export/session.mcap`, pid)));
    const lat = await latenciesIn(bridge, from, nowMs());
    together = {
      statuses: results.map((r) => r.status),
      refused: results.filter((r) => r.status === 503).map((r) => ({ code: r.code, retryAfter: r.retryAfter })),
      seconds: Math.max(...results.map((r) => r.ms)) / 1000,
      peakRssMB: Math.max(...results.map((r) => r.peakRssMB)),
      p99Ms: percentileSorted(lat, 99),
    };
    process.stderr.write(`four MCAP exports at once: ${JSON.stringify(together)}\n`);
  }

  // A replay session of the 4-hour file: memory once it plays.
  let replay: unknown = null;
  if (only.length === 0 || only.includes('replay')) {
    const before = rssMB(pid);
    const patientId = ((await (await fetch(`http://127.0.0.1:${bridge.port}/api/patients`)).json()) as { id: string }[])[0]!.id;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(pid))), 20);
    const created = await fetch(`http://127.0.0.1:${bridge.port}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patientId, source: { kind: 'replay', recording: path.basename(longFile) } }),
    });
    await new Promise((r) => setTimeout(r, 5000));
    clearInterval(sampler);
    replay = { status: created.status, rssBeforeMB: before, peakRssMB: peak, after5sMB: rssMB(pid) };
    process.stderr.write(`replay of the long file: ${JSON.stringify(replay)}\n`);
  }

  // kill -9 during an MCAP export: how much of the live sessions' recordings is lost.
  let kill: unknown = null;
  if (only.length === 0 || only.includes('kill')) {
    const exporting = fetch(`${base}/export/session.mcap`).catch(() => null);
    await new Promise((r) => setTimeout(r, 3000));
    const lastFrame = new Map<number, { t: number; atMs: number }>();
    for (const f of bridge.frames) lastFrame.set(f.source, f);
    bridge.child.kill('SIGKILL');
    const killMs = nowMs();
    await once(bridge.child, 'exit');
    await exporting;
    const recordings = readdirSync(path.join(bridge.dataDir, 'recordings')).filter((n) => n !== 'long.jsonl');
    const ids = bridge.ids;
    const lostS = ids.map((id, index) => {
      const name = recordings.find((n) => n.includes(id));
      const frame = lastFrame.get(index);
      if (!name || !frame) return NaN;
      const sessionTAtKill = frame.t + (killMs - frame.atMs) / 1000;
      return sessionTAtKill - lastRecordedT(path.join(bridge.dataDir, 'recordings', name));
    });
    kill = { lostS, maxLostS: Math.max(...lostS) };
    process.stderr.write(`kill -9 during an MCAP export: ${JSON.stringify(kill)}\n`);
  } else {
    bridge.child.stdin!.write('stop\n');
    await once(bridge.child, 'exit');
  }
  for (const ws of bridge.sockets) ws.close();
  rmSync(bridge.dataDir, { recursive: true, force: true });

  const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const table = [
    `Long recording: ${hours} h, ${(statSync(longFile).size / MB).toFixed(0)} MB; ${sessions} live sessions x 2 clients; bridge idle RSS ${fmt(idleRssMB, 0)} MB, idle live p99 ${fmt(percentileSorted(idle, 99), 2)} ms`,
    '',
    `idle event-loop delay p99 / max ${fmt(idleLoopDelay.p99, 1)} / ${fmt(idleLoopDelay.max, 1)} ms`,
    '',
    '| Export | Status | Time s | Size MB | Peak RSS MB | Live p50 / p99 / max ms (frames) | Loop delay p99 / max ms |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.export} | ${r.status} | ${fmt(r.seconds)} | ${fmt(r.MB)} | ${fmt(r.peakRssMB, 0)} | ${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)} / ${fmt(r.maxMs, 1)} (${r.frames}) | ${fmt(r.loopDelayP99Ms, 1)} / ${fmt(r.loopDelayMaxMs, 1)} |`),
  ].join('\n');
  process.stdout.write(`${table}\n\n${JSON.stringify({ together, replay, kill }, null, 2)}\n`);
}

if (invokedDirectly(import.meta.url)) {
  if (process.argv.includes('--bridge-child')) await runBridgeChild();
  else await main();
}
