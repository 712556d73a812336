// The outbound side of one WebSocket client, with backpressure. A slow or stalled browser never
// makes the bridge's memory grow without bound:
// - angle frames are sent only while the socket's send buffer is below SOFT_LIMIT_BYTES; otherwise
//   the client's angles are held (newest HELD_ANGLE_SAMPLES kept, older ones dropped and counted)
//   and go out, merged, once the buffer has drained;
// - every other message (events, session state, acks, errors) is always sent: nothing is dropped;
// - a client whose buffer still passes HARD_LIMIT_BYTES has stopped reading: it is closed (4008),
//   which frees its buffer. It reconnects and gets a fresh snapshot.
import type { AngleFrame, ServerMessage } from '@hinge/protocol';

export const SOFT_LIMIT_BYTES = 256 * 1024;
export const HARD_LIMIT_BYTES = 4 * 1024 * 1024;
/** Angle samples kept per session for a backed-up client: one second at 100 Hz. */
export const HELD_ANGLE_SAMPLES = 100;
export const CLOSE_TOO_SLOW = 4008;

/** The part of a `ws` WebSocket the channel needs (so tests and benchmarks can pass their own). */
export interface OutboundSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

const OPEN = 1;

interface HeldAngles {
  t: number[];
  pelvisDeg: (number | null)[];
  trunkDeg: (number | null)[];
  lumbarDeg: (number | null)[];
  dropped: number;
}

export interface ChannelStats {
  framesSent: number;
  framesHeld: number;
  droppedAngleSamples: number;
  heldAngleSamples: number;
  /** Largest send buffer seen, bytes: stays under HARD_LIMIT_BYTES plus one message. */
  peakBufferedBytes: number;
  closedTooSlow: boolean;
}

export class ClientChannel {
  private readonly held = new Map<string, HeldAngles>();
  private drainTimer: NodeJS.Timeout | null = null;
  readonly stats: ChannelStats = { framesSent: 0, framesHeld: 0, droppedAngleSamples: 0, heldAngleSamples: 0, peakBufferedBytes: 0, closedTooSlow: false };

  constructor(private readonly socket: OutboundSocket) {}

  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** Messages that must arrive: sent whatever the buffer holds (the hard limit still applies). */
  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  /**
   * An angle frame; `text` is the frame already serialised (shared by all clients that are keeping
   * up, so a frame is encoded once per session, not once per client).
   */
  sendAngles(frame: AngleFrame, text: string): void {
    if (!this.open) return;
    const held = this.held.get(frame.sessionId);
    if (this.socket.bufferedAmount < SOFT_LIMIT_BYTES && !held) {
      this.stats.framesSent++;
      this.sendText(text);
      return;
    }
    this.stats.framesHeld++;
    this.hold(frame);
    this.scheduleDrain();
  }

  private hold(frame: AngleFrame): void {
    let h = this.held.get(frame.sessionId);
    if (!h) {
      h = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [], dropped: 0 };
      this.held.set(frame.sessionId, h);
    }
    h.t.push(...frame.t);
    h.pelvisDeg.push(...frame.pelvisDeg);
    h.trunkDeg.push(...frame.trunkDeg);
    h.lumbarDeg.push(...frame.lumbarDeg);
    const excess = h.t.length - HELD_ANGLE_SAMPLES;
    if (excess > 0) {
      h.t.splice(0, excess);
      h.pelvisDeg.splice(0, excess);
      h.trunkDeg.splice(0, excess);
      h.lumbarDeg.splice(0, excess);
      h.dropped += excess;
      this.stats.droppedAngleSamples += excess;
    }
    this.stats.heldAngleSamples = [...this.held.values()].reduce((n, x) => n + x.t.length, 0);
  }

  /** `ws` has no per-socket drain event; poll the buffer while angles are held. */
  private scheduleDrain(): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      if (!this.open) return;
      if (this.socket.bufferedAmount >= SOFT_LIMIT_BYTES) {
        this.scheduleDrain();
        return;
      }
      for (const [sessionId, h] of this.held) {
        const frame: AngleFrame = {
          type: 'angles',
          sessionId,
          t: h.t,
          pelvisDeg: h.pelvisDeg,
          trunkDeg: h.trunkDeg,
          lumbarDeg: h.lumbarDeg,
          droppedSamples: h.dropped,
        };
        this.stats.framesSent++;
        this.sendText(JSON.stringify(frame));
      }
      this.held.clear();
      this.stats.heldAngleSamples = 0;
    }, 50);
    this.drainTimer.unref();
  }

  private sendText(text: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount + text.length > HARD_LIMIT_BYTES) {
      this.stats.closedTooSlow = true;
      this.dispose();
      this.socket.close(CLOSE_TOO_SLOW, 'client too slow');
      return;
    }
    this.socket.send(text);
    this.stats.peakBufferedBytes = Math.max(this.stats.peakBufferedBytes, this.socket.bufferedAmount);
  }

  /** Forget a session's held angles (unsubscribe). */
  forget(sessionId: string): void {
    this.held.delete(sessionId);
  }

  dispose(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.held.clear();
  }
}
