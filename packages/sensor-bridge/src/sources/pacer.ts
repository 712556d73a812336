// Paces recorded or generated data in real time (times a speed): every tick it asks the producer
// for everything up to the current playback time. 20 ms ticks give 50 batches a second, inside the
// 30-60 frames per second the dashboard wants, and at most one tick of added latency.
// Speed Infinity means "as fast as possible": the producer is drained in chunks, yielding to the
// event loop between chunks so sockets and timers keep running.

export const TICK_MS = 20;

export interface Pacer {
  /** Current playback time, s of the producer's clock. */
  readonly playbackT: number;
  setSpeed(speed: number): void;
  /** Continue from playback time `t` (after a seek). */
  jumpTo(t: number): void;
  stop(): void;
}

/**
 * `produce(untilT, maxLines)` delivers everything up to `untilT`, at most maxLines (speed Infinity
 * only), and returns false when there is nothing more to come.
 */
export function startPacer(
  produce: (untilT: number, maxLines: number) => boolean,
  options: { speed: number; startT?: number; now?: () => number },
): Pacer {
  const now = options.now ?? (() => performance.now());
  let speed = options.speed;
  let anchorWallMs = now();
  let anchorT = options.startT ?? 0;
  let stopped = false;
  let timeout: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;

  const playbackT = () => (speed === Infinity ? Infinity : anchorT + ((now() - anchorWallMs) / 1000) * speed);

  function tick(): void {
    timeout = null;
    immediate = null;
    if (stopped) return;
    const more = speed === Infinity ? produce(Infinity, 2000) : produce(playbackT(), Number.POSITIVE_INFINITY);
    if (!more || stopped) return;
    if (speed === Infinity) immediate = setImmediate(tick);
    else timeout = setTimeout(tick, TICK_MS);
  }
  timeout = setTimeout(tick, 0);

  function clear(): void {
    if (timeout !== null) clearTimeout(timeout);
    if (immediate !== null) clearImmediate(immediate);
    timeout = null;
    immediate = null;
  }

  return {
    get playbackT() {
      return playbackT();
    },
    setSpeed(next) {
      if (speed !== Infinity) anchorT = playbackT();
      anchorWallMs = now();
      clear();
      speed = next;
      if (!stopped) timeout = setTimeout(tick, 0);
    },
    jumpTo(t) {
      anchorT = t;
      anchorWallMs = now();
    },
    stop() {
      stopped = true;
      clear();
    },
  };
}
