// Rate limit of control messages (calibrate, sets, settings, annotations, seek ...): each writes a line
// into the recording and may start analysis work, so a client sending thousands must neither stall
// the bridge nor fill the recording. A token bucket per key (a WebSocket connection; a session for
// REST): CONTROL_BURST at once, then CONTROL_PER_S a second. Over the limit the message is refused
// with HINGE_ERR_RATE_LIMITED and nothing is done.
import { HingeError } from './errors';

/** Control messages a client may send at once. */
export const CONTROL_BURST = 20;
/** Control messages per second after the burst. */
export const CONTROL_PER_S = 10;

export class ControlRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(
    private readonly burst = CONTROL_BURST,
    private readonly perS = CONTROL_PER_S,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Takes one message's token for `key`, or throws HINGE_ERR_RATE_LIMITED (429, Retry-After 1). */
  take(key: string): void {
    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, atMs: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.perS);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) throw new HingeError('HINGE_ERR_RATE_LIMITED', 429, `at most ${this.perS} control messages a second (${this.burst} at once)`, { retryAfterS: 1 });
    bucket.tokens -= 1;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }
}
