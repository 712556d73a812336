// The `ws` package for the benchmarks. It is a dependency of the bridge package, not of the repo root,
// so it is loaded from there; the interfaces below are the little of it the benchmarks use.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WsClient {
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  once(event: 'open', listener: () => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
  send(text: string): void;
  close(): void;
  terminate(): void;
  readonly bufferedAmount: number;
}

export interface WsServer {
  on(event: 'connection', listener: (socket: WsClient) => void): void;
  once(event: 'listening', listener: () => void): void;
  address(): { port: number } | string | null;
  close(callback?: () => void): void;
}

const ws = createRequire(path.join(repoRoot, 'packages/sensor-bridge/package.json'))('ws') as {
  WebSocket: new (url: string) => WsClient;
  WebSocketServer: new (options: { port: number; host: string }) => WsServer;
};

export const WebSocket = ws.WebSocket;
export const WebSocketServer = ws.WebSocketServer;

/** Opens a client and waits until it is connected. */
export function openClient(url: string): Promise<WsClient> {
  const client = new WebSocket(url);
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

/** Wall-clock milliseconds comparable across processes on this machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();
