// Backpressure of one client, with a socket whose send buffer the test controls.
import { describe, expect, it, vi } from 'vitest';
import type { AngleFrame } from '@hinge/protocol';
import { ClientChannel, HARD_LIMIT_BYTES, HELD_ANGLE_SAMPLES, SOFT_LIMIT_BYTES, type OutboundSocket } from './client-channel';

function fakeSocket() {
  const sent: string[] = [];
  const socket = {
    bufferedAmount: 0,
    readyState: 1,
    closed: null as number | null,
    send(data: string) {
      sent.push(data);
    },
    close(code: number) {
      this.closed = code;
      this.readyState = 3;
    },
  };
  return { socket: socket as OutboundSocket & typeof socket, sent };
}

let nextT = 0;
function frame(samples: number): AngleFrame {
  const t = Array.from({ length: samples }, () => (nextT += 0.01));
  return { type: 'angles', sessionId: 's', t, pelvisDeg: t.map(() => 1), trunkDeg: t.map(() => 2), lumbarDeg: t.map(() => 1) };
}
const send = (c: ClientChannel, f: AngleFrame) => c.sendAngles(f, JSON.stringify(f));

describe('ClientChannel backpressure', () => {
  it('sends frames while the buffer is low', () => {
    const { socket, sent } = fakeSocket();
    const channel = new ClientChannel(socket);
    send(channel, frame(3));
    expect(sent).toHaveLength(1);
    expect(channel.stats.framesSent).toBe(1);
  });

  it('holds only the newest second of angles for a backed-up client, counts the rest, and never drops events', async () => {
    vi.useFakeTimers();
    try {
      const { socket, sent } = fakeSocket();
      const channel = new ClientChannel(socket);
      socket.bufferedAmount = SOFT_LIMIT_BYTES + 1;
      for (let i = 0; i < 50; i++) send(channel, frame(5)); // 250 samples while backed up
      for (let i = 1; i <= 20; i++) channel.send({ type: 'event', sessionId: 's', event: { type: 'rep-started', t: i, index: i } });
      expect(sent.filter((m) => m.includes('"angles"'))).toHaveLength(0);
      expect(sent.filter((m) => m.includes('"event"'))).toHaveLength(20);
      expect(channel.stats.heldAngleSamples).toBe(HELD_ANGLE_SAMPLES);
      expect(channel.stats.droppedAngleSamples).toBe(250 - HELD_ANGLE_SAMPLES);
      // Still backed up: nothing more goes out.
      await vi.advanceTimersByTimeAsync(200);
      expect(sent.filter((m) => m.includes('"angles"'))).toHaveLength(0);
      // Drained: one merged frame with the newest samples and the count of those left out.
      socket.bufferedAmount = 0;
      await vi.advanceTimersByTimeAsync(100);
      const frames = sent.filter((m) => m.includes('"angles"')).map((m) => JSON.parse(m) as AngleFrame);
      expect(frames).toHaveLength(1);
      expect(frames[0]?.t).toHaveLength(HELD_ANGLE_SAMPLES);
      expect(frames[0]?.droppedSamples).toBe(150);
      expect(frames[0]?.t.at(-1)).toBeCloseTo(nextT, 9);
      // And back to normal sending.
      send(channel, frame(2));
      expect(sent.filter((m) => m.includes('"angles"'))).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes a client that stopped reading once its buffer would pass the hard limit', () => {
    const { socket, sent } = fakeSocket();
    const channel = new ClientChannel(socket);
    socket.bufferedAmount = HARD_LIMIT_BYTES - 10;
    channel.send({ type: 'pong', id: 'x'.repeat(20) });
    expect(sent).toHaveLength(0);
    expect(socket.closed).toBe(4008);
    expect(channel.stats.closedTooSlow).toBe(true);
    channel.send({ type: 'pong' });
    expect(sent).toHaveLength(0);
  });
});
