// One connection to the bridge's WebSocket, shared by every view. It reconnects on its own (with a
// growing delay), subscribes again to the sessions it was following, and reports its presence, so a
// bridge restart shows as "reconnecting" and then resumes. Views never touch the socket: they subscribe
// to messages here. The WebSocket constructor is injected so tests can drive it without a browser.
import type { ClientMessage, Hello, Presence, ServerMessage } from '@hinge/protocol';

export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface ConnectionStatus {
  presence: Presence;
  /** The latest `hello` from the bridge, null before the first one. */
  hello: Hello | null;
  /** Human-readable problems (bad messages, protocol errors), newest last, at most 20. */
  problems: string[];
  /** Times the connection has been re-established after a loss. */
  reconnects: number;
}

export interface BridgeConnection {
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  /** Sends when connected; returns false (and sends nothing) otherwise. */
  send(message: ClientMessage): boolean;
  /**
   * Sends a request with a fresh id and settles on the bridge's reply: resolves on `ack` or `pong`,
   * rejects with the bridge's message on `error`, when not connected, or after `timeoutMs`.
   */
  request(message: ClientMessage, timeoutMs?: number): Promise<void>;
  /** Follows a session now and after every reconnect; the returned function stops following it. */
  follow(sessionId: string): () => void;
  close(): void;
}

const OPEN = 1;
const MAX_PROBLEMS = 20;

/** Delay before reconnect attempt `attempt` (0-based), ms: 250, 500, 1000 ... at most 4000. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(4000, 250 * 2 ** Math.max(0, attempt));
}

export interface ConnectOptions {
  url: string;
  createSocket?: SocketFactory;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export function connectToBridge(options: ConnectOptions): BridgeConnection {
  const createSocket: SocketFactory = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  let status: ConnectionStatus = { presence: 'connecting', hello: null, problems: [], reconnects: 0 };
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: unknown }>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const messageListeners = new Set<(m: ServerMessage) => void>();
  const followed = new Map<string, number>(); // sessionId -> number of followers
  let socket: SocketLike | null = null;
  let attempt = 0;
  let everOpened = false;
  let timer: unknown = null;
  let closed = false;
  let requestCounter = 0;

  const setStatus = (patch: Partial<ConnectionStatus>) => {
    status = { ...status, ...patch };
    for (const listener of statusListeners) listener(status);
  };
  const addProblem = (problem: string) => setStatus({ problems: [...status.problems, problem].slice(-MAX_PROBLEMS) });

  const rawSend = (message: ClientMessage): boolean => {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  };

  const open = () => {
    timer = null;
    if (closed) return;
    const s = createSocket(options.url);
    socket = s;
    s.onopen = () => {
      if (everOpened) setStatus({ reconnects: status.reconnects + 1 });
      everOpened = true;
      attempt = 0;
    };
    s.onmessage = (ev) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        addProblem('the bridge sent a message that is not JSON');
        return;
      }
      if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
        addProblem('the bridge sent a message without a type');
        return;
      }
      const waiting = 'id' in message && typeof message.id === 'string' ? pending.get(message.id) : undefined;
      if (waiting && (message.type === 'ack' || message.type === 'pong' || message.type === 'error')) {
        pending.delete((message as { id: string }).id);
        clearTimer(waiting.timer);
        if (message.type === 'error') waiting.reject(new Error(message.message));
        else waiting.resolve();
      }
      if (message.type === 'hello') {
        setStatus({ presence: 'present', hello: message });
        for (const sessionId of followed.keys()) rawSend({ type: 'subscribe', id: nextId(), sessionId });
      } else if (message.type === 'error') {
        addProblem(`${message.code}: ${message.message}`);
      }
      for (const listener of messageListeners) listener(message);
    };
    s.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      for (const [id, waiting] of pending) {
        clearTimer(waiting.timer);
        waiting.reject(new Error('the connection to the bridge was lost'));
        pending.delete(id);
      }
      if (closed) return;
      setStatus({ presence: everOpened ? 'reconnecting' : 'connecting' });
      timer = setTimer(open, reconnectDelayMs(attempt++));
    };
  };

  const nextId = () => `c${++requestCounter}`;

  open();

  return {
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    send: rawSend,
    request(message, timeoutMs = 5000) {
      const id = nextId();
      return new Promise<void>((resolve, reject) => {
        if (!rawSend({ ...message, id })) {
          reject(new Error('not connected to the bridge'));
          return;
        }
        const timer = setTimer(() => {
          pending.delete(id);
          reject(new Error('the bridge did not answer in time'));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
      });
    },
    follow(sessionId) {
      const count = followed.get(sessionId) ?? 0;
      followed.set(sessionId, count + 1);
      if (count === 0) rawSend({ type: 'subscribe', id: nextId(), sessionId });
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const left = (followed.get(sessionId) ?? 1) - 1;
        if (left > 0) followed.set(sessionId, left);
        else {
          followed.delete(sessionId);
          rawSend({ type: 'unsubscribe', id: nextId(), sessionId });
        }
      };
    },
    close() {
      closed = true;
      if (timer !== null) clearTimer(timer);
      socket?.close();
      socket = null;
      setStatus({ presence: 'absent' });
    },
  };
}
