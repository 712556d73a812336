// Limits on heavy work that runs beside live sessions: exports of stored sessions and replays. When
// every slot is taken the request is refused at once with 503, HINGE_ERR_BUSY and Retry-After,
// instead of queueing work that would take memory and CPU from the live sessions.
import { HingeError } from './errors';

/** Exports (analysis, CSV, MCAP, PDF of a stored session) running at once. */
export const MAX_CONCURRENT_EXPORTS = 2;
/** Replay sources playing at once. */
export const MAX_CONCURRENT_REPLAYS = 8;
/** Retry-After of a refused export or replay, s. */
export const BUSY_RETRY_AFTER_S = 5;

export class WorkSlots {
  private taken = 0;
  constructor(
    /** What the slots are for, plural, e.g. "exports". */
    readonly what: string,
    readonly max: number,
    readonly retryAfterS = BUSY_RETRY_AFTER_S,
  ) {}

  get active(): number {
    return this.taken;
  }

  /** Takes a slot, or throws HINGE_ERR_BUSY (503). Returns the release; calling it more than once is harmless. */
  take(): () => void {
    if (this.taken >= this.max) throw new HingeError('HINGE_ERR_BUSY', 503, `${this.taken} ${this.what} are running (at most ${this.max}); try again in ${this.retryAfterS} s`, { retryAfterS: this.retryAfterS });
    this.taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
    };
  }
}
