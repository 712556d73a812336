// Re-spacing samples stamped on arrival (issue 12). Devices send samples in BLE packets without
// timestamps (three to a MetaWear packed notification: ../shared/spec/ble-devices.md); a recorder that
// stamps what arrives writes a packet's samples a millisecond apart, then nothing until the next packet,
// and each packet arrives 0-20 ms late. Integrated at those times, every sample gets the wrong dt and the
// whole stream a jittered, late time base. The bridge's own clock (sensor-bridge/src/ble/clock.ts)
// spreads its samples out live; a file from elsewhere may not have been.
//
// When a sensor's stamps show batching (a quarter or more of the last 32 intervals under 0.3 periods; an
// evenly stamped stream has none), each sample gets the time of an even clock: the previous time plus one
// period, but never later than its own stamp. Arrival is never early, so the stamps are upper bounds of
// the true times, and the earliest-arriving packets tell the true clock: the clock follows the LOWER
// envelope of the stamps (the minimum-delay idea of one-way clock estimation: Paxson 1998, "On calibrating
// measurements of packet transit times"; the NTP clock filter keeps the minimum-delay sample likewise,
// RFC 5905). Each 2 s block, the clock is raised to touch the block's earliest-arriving sample, so the
// envelope forgets and follows clock drift, an error in the period and a dropped packet. The period is the samples
// counted over the whole run (its error shrinks as the run grows: 20 ms of jitter over the run's span).
// A gap (the tracker's maxGapS) restarts the run at the stamp.
//
// Explicit state, small pure update steps; the caller (segment-tracker.ts) owns one per sensor.

/** Intervals looked at to decide whether stamps are batched. */
const WINDOW = 32;
/** An interval under this many periods is inside a packet. */
const SHORT_PERIODS = 0.3;
/** Batched when at least this many of the window's intervals are short (packets of 3: two in three). */
const BATCHED_SHORT = WINDOW / 4;
/** Samples a run must hold before its own count gives the period (before: the tracker's rate). */
const RUN_RATE_SAMPLES = 64;
/**
 * The envelope forgets: at the end of each block of this length the clock is raised by the least amount its
 * samples' stamps were above it (if all were), so it touches the block's earliest-arriving sample again. This
 * follows clock drift, the period's own error and a dropped packet (the count then runs behind the stamps).
 */
const BLOCK_S = 2;

export interface RespaceState {
  /** Short-interval flags of the last WINDOW intervals (ring), the next slot, and how many are set. */
  readonly short: Uint8Array;
  next: number;
  shortCount: number;
  /** The current run (since batching was seen or the last gap): its first stamp and samples since, s / count. */
  runStartS: number;
  runSamples: number;
  /** The even clock: the time given to the last sample, s (NaN: no run). */
  clockS: number;
  /** The current block: its first stamp, and the least (stamp - clock) of its samples, s. */
  blockStartS: number;
  blockMinS: number;
}

export function createRespace(): RespaceState {
  return { short: new Uint8Array(WINDOW), next: 0, shortCount: 0, runStartS: NaN, runSamples: 0, clockS: NaN, blockStartS: NaN, blockMinS: Infinity };
}

/** Counts one stamp interval into the window (gaps left out). */
function noteInterval(s: RespaceState, dtS: number, periodS: number): void {
  const isShort = dtS < SHORT_PERIODS * periodS ? 1 : 0;
  s.shortCount += isShort - s.short[s.next]!;
  s.short[s.next] = isShort;
  s.next = (s.next + 1) % WINDOW;
}

/** The stamps are batched: packets' samples arrive together. */
export function isBatched(s: RespaceState): boolean {
  return s.shortCount >= BATCHED_SHORT;
}

/** One clock step: one period on (the run's counted period once it has enough samples), held at or below the stamp. */
function clockStep(s: RespaceState, stampS: number, periodS: number): number {
  if (Number.isNaN(s.clockS)) {
    s.runStartS = stampS;
    s.runSamples = 0;
    s.clockS = stampS;
    s.blockStartS = stampS;
    s.blockMinS = Infinity;
    return stampS;
  }
  s.runSamples++;
  const runPeriodS = s.runSamples >= RUN_RATE_SAMPLES ? (stampS - s.runStartS) / s.runSamples : periodS;
  s.clockS = Math.min(stampS, s.clockS + runPeriodS);
  forgetEnvelope(s, stampS);
  return s.clockS;
}

/** Block bookkeeping: the block's least (stamp - clock); at its end, the clock is raised by it. */
function forgetEnvelope(s: RespaceState, stampS: number): void {
  s.blockMinS = Math.min(s.blockMinS, stampS - s.clockS);
  if (stampS - s.blockStartS < BLOCK_S) return;
  if (s.blockMinS > 0) s.clockS += s.blockMinS;
  s.blockStartS = stampS;
  s.blockMinS = Infinity;
}

/**
 * The time to use for a sample stamped `stampS`, `dtS` after the previous stamp (`gap`: after a gap),
 * with `periodS` the tracker's current sample period. Evenly stamped streams get their stamps unchanged.
 */
export function respaceTime(s: RespaceState, stampS: number, dtS: number, gap: boolean, periodS: number): number {
  if (gap) s.clockS = NaN;
  else noteInterval(s, dtS, periodS);
  if (!isBatched(s)) {
    s.clockS = NaN;
    return stampS;
  }
  return clockStep(s, stampS, periodS);
}
