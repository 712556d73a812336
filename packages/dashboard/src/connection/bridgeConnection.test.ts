import { describe, expect, it } from 'vitest';
import type { Hello } from '@hinge/protocol';
import { connectToBridge, reconnectDelayMs, type SocketLike } from './bridgeConnection';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  // test helpers: the "server" side
  accept(hello: Hello) {
    this.readyState = 1;
    this.onopen?.({});
    this.deliver(hello);
  }
  deliver(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

const HELLO: Hello = {
  type: 'hello',
  protocol: 1,
  capabilities: ['control', 'read-all'],
  role: 'clinician',
  sessions: [],
  maxMessageBytes: 16384,
};

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const connection = connectToBridge({
    url: 'ws://bridge/ws',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  });
  const last = () => sockets[sockets.length - 1]!;
  return { connection, sockets, timers, last };
}

describe('connectToBridge', () => {
  it('becomes present on hello and passes messages on', () => {
    const { connection, last } = harness();
    const seen: string[] = [];
    connection.onMessage((m) => seen.push(m.type));
    expect(connection.status().presence).toBe('connecting');
    last().accept(HELLO);
    expect(connection.status().presence).toBe('present');
    last().deliver({ type: 'pong' });
    expect(seen).toEqual(['hello', 'pong']);
  });

  it('reconnects after the bridge goes away and subscribes again to followed sessions', () => {
    const { connection, sockets, timers, last } = harness();
    last().accept(HELLO);
    connection.follow('s1');
    expect(last().sent).toMatchObject([{ type: 'subscribe', sessionId: 's1' }]);

    last().drop();
    expect(connection.status().presence).toBe('reconnecting');
    expect(timers.map((t) => t.ms)).toEqual([250]);
    timers.shift()!.fn();
    expect(sockets).toHaveLength(2);
    last().drop(); // the bridge is still down
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers.shift()!.fn();
    last().accept(HELLO);
    expect(connection.status()).toMatchObject({ presence: 'present', reconnects: 1 });
    expect(last().sent).toMatchObject([{ type: 'subscribe', sessionId: 's1' }]);
  });

  it('unsubscribes only when the last follower lets go', () => {
    const { connection, last } = harness();
    last().accept(HELLO);
    const stopA = connection.follow('s1');
    const stopB = connection.follow('s1');
    stopA();
    stopA();
    expect(last().sent.map((m) => (m as { type: string }).type)).toEqual(['subscribe']);
    stopB();
    expect(last().sent.map((m) => (m as { type: string }).type)).toEqual(['subscribe', 'unsubscribe']);
  });

  it('records bad messages and error replies as problems without stopping', () => {
    const { connection, last } = harness();
    last().accept(HELLO);
    last().deliver('not json{');
    last().deliver({ nope: 1 });
    last().deliver({ type: 'error', code: 'HINGE_ERR_NO_SET', message: 'no set is running' });
    expect(connection.status().problems).toEqual([
      'the bridge sent a message that is not JSON',
      'the bridge sent a message without a type',
      'HINGE_ERR_NO_SET: no set is running',
    ]);
    expect(connection.status().presence).toBe('present');
  });

  it('does not send while disconnected and stops reconnecting once closed', () => {
    const { connection, timers, last } = harness();
    expect(connection.send({ type: 'ping' })).toBe(false);
    last().accept(HELLO);
    expect(connection.send({ type: 'ping', id: 'p' })).toBe(true);
    connection.close();
    expect(connection.status().presence).toBe('absent');
    expect(timers).toHaveLength(0);
  });

  it('settles requests on the matching ack or error', async () => {
    const { connection, last } = harness();
    await expect(connection.request({ type: 'start-set', sessionId: 's1' })).rejects.toThrow('not connected to the bridge');
    last().accept(HELLO);
    const started = connection.request({ type: 'start-set', sessionId: 's1' });
    const stopped = connection.request({ type: 'stop-set', sessionId: 's1' });
    const [first, second] = last().sent as { id: string }[];
    last().deliver({ type: 'error', id: second!.id, code: 'HINGE_ERR_NO_SET', message: 'no set is running' });
    last().deliver({ type: 'ack', id: first!.id, of: 'start-set' });
    await expect(started).resolves.toBeUndefined();
    await expect(stopped).rejects.toThrow('no set is running');
  });

  it('fails pending requests when the connection drops or the bridge stays silent', async () => {
    const { connection, timers, last } = harness();
    last().accept(HELLO);
    const silent = connection.request({ type: 'calibrate', sessionId: 's1' }, 1000);
    timers.find((t) => t.ms === 1000)!.fn();
    await expect(silent).rejects.toThrow('did not answer in time');
    const lost = connection.request({ type: 'calibrate', sessionId: 's1' });
    last().drop();
    await expect(lost).rejects.toThrow('connection to the bridge was lost');
  });

  it('backs off up to 4 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(reconnectDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 4000]);
  });
});
