// One session clock for every sensor. Each connection gets a `SampleClock` that turns what a packet
// offers (a device timestamp, a sequence number, or nothing but its arrival time) into a time `t` on the
// session clock (seconds, the bridge's monotonic clock) and a count of samples lost before it.
//
// - Device clock (DOT, open profile; MetaWear with an accounter): unwrap the counter, then
//   t = deviceElapsed + offset, where offset is the smallest (arrival - deviceElapsed) seen in the last
//   `offsetWindowS`: BLE only ever delays a packet, so the least-delayed packet is the best estimate of the
//   clock offset. The window lets the offset follow a slow relative drift of the two crystals.
// - Arrival only (Thingy:52, WitMotion, MetaWear raw): t_k = base + k * periodS, a line under the arrival
//   times (BLE only delays). Each block of `blockS` contributes its least-late arrival to an envelope, and
//   the line is the lower-hull line of that envelope (Moon et al. 1999), which estimates the device's real
//   rate. For the first `warmUpS` the line only learns the rate: seen from arrival times alone, a device
//   0.5 % slow is indistinguishable from one that drops a sample every 2 s, so lost samples are counted only
//   once the rate is known. After that, a step up in lateness by about a period that lasts longer than
//   `LOSS_CONFIRM_S` (longer than batching delays and the beat between connection interval and sample
//   period) is counted as lost samples, and the samples since the step are renumbered.
// Lost samples are counted from sequence numbers when the packets carry them, else from time gaps.

export interface ClockSettings {
  /** Nominal sample period, s. */
  periodS: number;
  /** Device counter range in seconds (2^32 us for DOT and the open profile); Infinity if it never wraps. */
  deviceWrapS?: number;
  /** Sequence-number modulus (65536 for the open profile). */
  seqModulo?: number;
  offsetWindowS?: number;
  blockS?: number;
  /** Arrival clock: seconds spent learning the real rate before lost samples are counted (default 10). */
  warmUpS?: number;
}

export interface Stamp {
  /** Session time of the sample, s. */
  t: number;
  /** Samples detected as lost just before this one. */
  lostBefore: number;
}

export interface ArrivalClockState {
  kind: 'arrival';
  /** Current estimate of the device's real sample period, s. */
  periodS: number;
  /** The line: sample k was taken at baseS + k * periodS. */
  baseS: number;
  index: number;
  blockStartIndex: number;
  /** The least-late sample of the current block and its lateness against the line. */
  blockMin: EnvelopePoint & { residualS: number };
  /** Least-late sample of each recent block: the lower envelope the line is fitted under. */
  envelope: EnvelopePoint[];
  /** Blocks that are late since a step up, waiting to be judged: a loss, or a passing beat. */
  lateStreak: { points: EnvelopePoint[]; minResidualS: number } | undefined;
  /** Lateness of the previous block's least-late sample. */
  lastBlockResidualS: number;
}

export interface EnvelopePoint {
  index: number;
  arrivalS: number;
}

export interface DeviceClockState {
  kind: 'device';
  periodS: number;
  firstDeviceS: number;
  wraps: number;
  lastRawDeviceS: number;
  lastElapsedS: number;
  lastSeq: number | undefined;
  offsetS: number;
  /** Minimum (arrival - elapsed) per window half, so the minimum can be forgotten after `offsetWindowS`. */
  windowMinS: [number, number];
  windowStartS: number;
}

/** Per-connection clock. Create a new one after every (re)connect: device counters may have restarted. */
export interface SampleClock {
  stamp(arrivalS: number, device?: { deviceTimeS?: number; seq?: number }): Stamp;
  /** Internal state, for tests and status displays. */
  readonly state: Readonly<ArrivalClockState | DeviceClockState>;
}

const LOSS_THRESHOLD_PERIODS = 0.6;
const MAX_PERIOD_ERROR = 0.1;
/** Envelope window: 50 blocks of 0.2 s = 10 s, several beats long. */
const ENVELOPE_BLOCKS = 50;
const MIN_FIT_SPAN_S = 1;
/** A step up in lateness must last this long to count as loss: longer than the beat between connection
 * interval and sample period (30 ms events and a 10.05 ms period beat every 2 s). */
const LOSS_CONFIRM_S = 2.5;

/**
 * The line under all points that is highest at their mean index (the linear program of Moon, Skelly and
 * Towsley, "Estimation and removal of clock skew from network delay measurements", INFOCOM 1999): it
 * touches the lower convex hull, so latency spikes and the beat's sawtooth do not tilt it.
 */
export function lowerEnvelopeLine(points: EnvelopePoint[]): { slopeS: number; interceptS: number } | undefined {
  const hull: EnvelopePoint[] = [];
  for (const p of points) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      // Drop b when it lies on or above the segment a-p.
      if ((b.arrivalS - a.arrivalS) * (p.index - a.index) >= (p.arrivalS - a.arrivalS) * (b.index - a.index)) hull.pop();
      else break;
    }
    hull.push(p);
  }
  if (hull.length < 2) return undefined;
  const meanIndex = points.reduce((sum, p) => sum + p.index, 0) / points.length;
  let j = 0;
  while (j < hull.length - 2 && hull[j + 1]!.index <= meanIndex) j++;
  const a = hull[j]!;
  const b = hull[j + 1]!;
  const slopeS = (b.arrivalS - a.arrivalS) / (b.index - a.index);
  return { slopeS, interceptS: a.arrivalS - slopeS * a.index };
}

export function createArrivalClock(settings: ClockSettings): SampleClock {
  const nominalS = settings.periodS;
  const blockSamples = Math.max(10, Math.round((settings.blockS ?? 0.2) / nominalS));
  const warmUpS = settings.warmUpS ?? 10;
  const noBlock = { index: 0, arrivalS: 0, residualS: Infinity };
  let state: ArrivalClockState | undefined;

  function addToEnvelope(s: ArrivalClockState, points: EnvelopePoint[]): void {
    s.envelope.push(...points);
    if (s.envelope.length > ENVELOPE_BLOCKS) s.envelope.splice(0, s.envelope.length - ENVELOPE_BLOCKS);
    const first = s.envelope[0]!;
    const last = s.envelope[s.envelope.length - 1]!;
    const line = (last.index - first.index) * nominalS >= MIN_FIT_SPAN_S ? lowerEnvelopeLine(s.envelope) : undefined;
    if (line && Math.abs(line.slopeS / nominalS - 1) <= MAX_PERIOD_ERROR) s.periodS = line.slopeS;
    s.baseS = Math.min(...s.envelope.map((p) => p.arrivalS - p.index * s.periodS));
  }

  /** Closes a block. Returns the samples found lost. */
  function endBlock(s: ArrivalClockState): number {
    const m = s.blockMin;
    const point = { index: m.index, arrivalS: m.arrivalS };
    const warmingUp = (s.index - blockSamples) * nominalS < warmUpS;
    const late = !warmingUp && m.residualS > LOSS_THRESHOLD_PERIODS * s.periodS;
    const stepUp = m.residualS - s.lastBlockResidualS > LOSS_THRESHOLD_PERIODS * s.periodS;
    s.lastBlockResidualS = m.residualS;
    s.blockStartIndex = s.index;
    s.blockMin = { ...noBlock };
    if (m.residualS === Infinity) return 0;

    if (late && (s.lateStreak || stepUp)) {
      // Held back from the envelope, so the line cannot follow a loss and call it drift.
      const streak = (s.lateStreak ??= { points: [], minResidualS: Infinity });
      streak.points.push(point);
      streak.minResidualS = Math.min(streak.minResidualS, m.residualS);
      if (streak.points.length * blockSamples * nominalS < LOSS_CONFIRM_S) return 0;
      // Late for longer than any beat: samples were lost where the step was. Renumber what came after.
      const lost = Math.round(streak.minResidualS / s.periodS);
      s.index += lost;
      s.blockStartIndex = s.index;
      s.lateStreak = undefined;
      s.lastBlockResidualS = m.residualS - lost * s.periodS;
      addToEnvelope(s, streak.points.map((p) => ({ index: p.index + lost, arrivalS: p.arrivalS })));
      return lost;
    }
    // On time, or late without a step (drift, or a beat creeping up): the line follows.
    const held = s.lateStreak?.points ?? [];
    s.lateStreak = undefined;
    addToEnvelope(s, [...held, point]);
    return 0;
  }

  return {
    get state() {
      return state ?? { kind: 'arrival', periodS: nominalS, baseS: NaN, index: -1, blockStartIndex: 0, blockMin: noBlock, envelope: [], lateStreak: undefined, lastBlockResidualS: 0 };
    },
    stamp(arrivalS) {
      if (!state) {
        state = {
          kind: 'arrival', periodS: nominalS, baseS: arrivalS, index: 0, blockStartIndex: 0,
          blockMin: { index: 0, arrivalS, residualS: 0 }, envelope: [], lateStreak: undefined, lastBlockResidualS: 0,
        };
        return { t: arrivalS, lostBefore: 0 };
      }
      const s = state;
      s.index++;
      const lostBefore = s.index - s.blockStartIndex >= blockSamples ? endBlock(s) : 0;
      const residualS = arrivalS - (s.baseS + s.index * s.periodS);
      // Earlier than the line allows: the line was late. Move it down to this arrival at once.
      if (residualS < 0) s.baseS += residualS;
      if (residualS < s.blockMin.residualS) s.blockMin = { index: s.index, arrivalS, residualS: Math.max(0, residualS) };
      return { t: s.baseS + s.index * s.periodS, lostBefore };
    },
  };
}

export function createDeviceClock(settings: ClockSettings): SampleClock {
  const wrapS = settings.deviceWrapS ?? Infinity;
  const windowS = settings.offsetWindowS ?? 10;
  let state: DeviceClockState | undefined;
  return {
    get state() {
      return (
        state ?? {
          kind: 'device', periodS: settings.periodS, firstDeviceS: NaN, wraps: 0, lastRawDeviceS: NaN, lastElapsedS: NaN,
          lastSeq: undefined, offsetS: NaN, windowMinS: [Infinity, Infinity], windowStartS: NaN,
        }
      );
    },
    stamp(arrivalS, device) {
      const rawS = device?.deviceTimeS;
      // Decoders for device-timed streams always set deviceTimeS; without one, fall back to arrival time.
      if (rawS === undefined) return { t: arrivalS, lostBefore: 0 };
      if (!state) {
        state = {
          kind: 'device', periodS: settings.periodS, firstDeviceS: rawS, wraps: 0, lastRawDeviceS: rawS, lastElapsedS: 0,
          lastSeq: device?.seq, offsetS: arrivalS, windowMinS: [arrivalS, Infinity], windowStartS: arrivalS,
        };
        return { t: arrivalS, lostBefore: 0 };
      }
      const s = state;
      // A counter that jumps back by more than half its range has wrapped.
      if (rawS < s.lastRawDeviceS - wrapS / 2) s.wraps++;
      s.lastRawDeviceS = rawS;
      const elapsedS = rawS + s.wraps * wrapS - s.firstDeviceS;

      let lostBefore: number;
      if (device?.seq !== undefined && s.lastSeq !== undefined && settings.seqModulo) {
        const step = (device.seq - s.lastSeq + settings.seqModulo) % settings.seqModulo;
        lostBefore = Math.max(0, step - 1);
      } else {
        lostBefore = Math.max(0, Math.round((elapsedS - s.lastElapsedS) / s.periodS) - 1);
      }
      s.lastSeq = device?.seq;
      s.lastElapsedS = elapsedS;

      // Windowed minimum of (arrival - elapsed) in two halves: the older half is forgotten every windowS / 2.
      if (arrivalS - s.windowStartS > windowS / 2) {
        s.windowMinS = [s.windowMinS[1], Infinity];
        s.windowStartS = arrivalS;
      }
      const candidateS = arrivalS - elapsedS;
      s.windowMinS[1] = Math.min(s.windowMinS[1], candidateS);
      s.offsetS = Math.min(s.windowMinS[0], s.windowMinS[1]);
      return { t: elapsedS + s.offsetS, lostBefore };
    },
  };
}

/** The clock a stream needs: device time when its packets carry one, else arrival time. */
export function createSampleClock(settings: ClockSettings & { hasDeviceTime: boolean }): SampleClock {
  return settings.hasDeviceTime ? createDeviceClock(settings) : createArrivalClock(settings);
}
