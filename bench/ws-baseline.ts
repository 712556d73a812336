// Baseline for the live-latency figure, measured in the same run: a bare `ws` server in a child process
// (no fastify, no analysis, no recording) sends every 20 ms, per session, one angle-sized JSON frame
// stamped with its send time to each subscribed client; the clients (this process) take receive time
// minus send time. Same process split, session and client counts and frame rate as bench/live-latency.ts,
// so the ratio shows what the bridge adds over plain loopback WebSocket delivery.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { invokedDirectly, percentileSorted } from './stats';
import { openClient, wallMs, WebSocketServer, type WsClient } from './ws';

const FRAME_PERIOD_MS = 20;

async function runServerChild(sessions: number): Promise<void> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const subscribers: WsClient[][] = Array.from({ length: sessions }, () => []);
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const index = Number(data.toString());
      subscribers[index]?.push(socket);
    });
  });
  let t = 0;
  const timer = setInterval(() => {
    t += FRAME_PERIOD_MS / 1000;
    for (const [index, clients] of subscribers.entries()) {
      const frame = JSON.stringify({ type: 'angles', sessionId: `s${index}`, t: [t - 0.01, t], pelvisDeg: [12.34, 12.4], trunkDeg: [30.12, 30.2], lumbarDeg: [17.78, 17.8], sentMs: wallMs() });
      for (const c of clients) c.send(frame);
    }
  }, FRAME_PERIOD_MS);
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stop') break;
  }
  clearInterval(timer);
  server.close(() => process.exit(0));
}

export interface WsBaselineResult {
  sessions: number;
  clients: number;
  frames: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export async function wsBaseline(options: { seconds?: number; sessions?: number; clientsPerSession?: number } = {}): Promise<WsBaselineResult> {
  const seconds = options.seconds ?? 5;
  const sessions = options.sessions ?? 8;
  const perSession = options.clientsPerSession ?? 2;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--server-child', String(sessions)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
  const latencies: number[] = [];
  let measuring = false;
  const clients: WsClient[] = [];
  for (let s = 0; s < sessions; s++) {
    for (let c = 0; c < perSession; c++) {
      const client = await openClient(`ws://127.0.0.1:${port}`);
      client.on('message', (data) => {
        const at = wallMs();
        if (measuring) latencies.push(at - (JSON.parse(data.toString()) as { sentMs: number }).sentMs);
      });
      client.send(String(s));
      clients.push(client);
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  for (const c of clients) c.close();
  child.stdin.write('stop\n');
  await new Promise((r) => child.once('exit', r));
  latencies.sort((a, b) => a - b);
  return {
    sessions,
    clients: sessions * perSession,
    frames: latencies.length,
    latencyMs: { p50: percentileSorted(latencies, 50), p99: percentileSorted(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
  };
}

if (invokedDirectly(import.meta.url)) {
  if (process.argv[2] === '--server-child') await runServerChild(Number(process.argv[3] ?? 8));
  else console.log(await wsBaseline());
}
