// The clients of one session: who is subscribed, and what they are sent. Angle samples are batched
// into frames at most every MIN_FRAME_INTERVAL_MS (one serialisation per frame for all clients);
// everything else goes out at once. Backpressure per client lives in client-channel.ts.
import type { AngleFrame, AngleSample } from '@hinge/protocol';
import type { ClientChannel } from './client-channel';

/** Shortest time between two angle frames of one session, ms (at most 60 frames per second; sources deliver every 20 ms, so frames normally go out at once). */
export const MIN_FRAME_INTERVAL_MS = 16;

type Message = Parameters<ClientChannel['send']>[0];

export class SessionFanout {
  private readonly subscribers = new Set<ClientChannel>();
  private pending: Omit<AngleFrame, 'type' | 'sessionId'> = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
  private lastFrameAtMs = 0;
  private frameTimer: NodeJS.Timeout | null = null;

  constructor(private readonly sessionId: string) {}

  get size(): number {
    return this.subscribers.size;
  }

  add(client: ClientChannel): void {
    this.subscribers.add(client);
  }

  remove(client: ClientChannel): void {
    this.subscribers.delete(client);
  }

  send(message: Message): void {
    for (const client of this.subscribers) client.send(message);
  }

  /** Queues angle samples; they go out as one frame now or after MIN_FRAME_INTERVAL_MS. */
  addAngles(angles: readonly AngleSample[]): void {
    for (const a of angles) {
      this.pending.t.push(a.t);
      this.pending.pelvisDeg.push(a.pelvisDeg);
      this.pending.trunkDeg.push(a.trunkDeg);
      this.pending.lumbarDeg.push(a.lumbarDeg);
    }
    if (this.pending.t.length === 0) return;
    const waitMs = this.lastFrameAtMs + MIN_FRAME_INTERVAL_MS - performance.now();
    if (waitMs <= 0) {
      this.flushAngles();
      return;
    }
    this.frameTimer ??= setTimeout(() => {
      this.frameTimer = null;
      this.flushAngles();
    }, waitMs);
  }

  /** Sends the queued angles now (before an event, so a client sees angles and events in time order). */
  flushAngles(): void {
    if (this.pending.t.length === 0) return;
    const frame: AngleFrame = { type: 'angles', sessionId: this.sessionId, ...this.pending };
    this.pending = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
    this.lastFrameAtMs = performance.now();
    if (this.subscribers.size === 0) return;
    const text = JSON.stringify(frame);
    for (const client of this.subscribers) client.sendAngles(frame, text);
  }

  close(): void {
    this.flushAngles();
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }
}
