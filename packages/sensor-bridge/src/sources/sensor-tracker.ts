// Per-sensor status derived from the lines a source delivers: sample count, measured rate, gaps
// (drop-outs) and presence. Replay and simulator sources use it as their whole status; a live
// source adds what only the radio knows (battery, signal).
import { isEventLine, type RecordingHeader, type RecordingLine, type SensorStatus, type Presence } from '@hinge/protocol';

/** A gap longer than this many nominal sample periods counts as a drop-out. */
export const DROPOUT_PERIODS = 5;
/** Rate is measured over this window of recording time, s. */
const RATE_WINDOW_S = 1;

interface SensorState {
  status: SensorStatus;
  periodS: number;
  /** Recording times of recent samples, for the rate estimate. */
  recentT: number[];
}

export interface SensorTracker {
  /** Updates from a batch; returns true when some sensor's presence changed. */
  update(batch: RecordingLine[]): boolean;
  /** Sets a presence from outside (e.g. the source finished: absent). Returns true if it changed. */
  setPresence(sensorId: string, presence: Presence): boolean;
  /** Copies, safe to hand out. */
  statuses(): SensorStatus[];
}

export function createSensorTracker(header: RecordingHeader, initialPresence: Presence = 'connecting'): SensorTracker {
  const sensors = new Map<string, SensorState>(
    header.sensors.map((s) => [
      s.id,
      {
        status: {
          id: s.id,
          placement: s.placement,
          presence: initialPresence,
          batteryPct: null,
          rssiDbm: null,
          samples: 0,
          rateHz: 0,
          dropouts: 0,
          malformed: 0,
          lastT: null,
        },
        periodS: 1 / (s.sampleRateHz ?? 100),
        recentT: [],
      },
    ]),
  );

  function setPresence(sensorId: string, presence: Presence): boolean {
    const s = sensors.get(sensorId);
    if (!s || s.status.presence === presence) return false;
    s.status.presence = presence;
    return true;
  }

  return {
    update(batch) {
      let changed = false;
      for (const line of batch) {
        if (isEventLine(line)) {
          if (line.sensor === undefined) continue;
          if (line.event === 'disconnect') {
            const s = sensors.get(line.sensor);
            if (s) s.status.dropouts++;
            changed = setPresence(line.sensor, 'reconnecting') || changed;
          } else if (line.event === 'reconnect') {
            changed = setPresence(line.sensor, 'present') || changed;
          }
          continue;
        }
        const s = sensors.get(line.sensor);
        if (!s) continue;
        const last = s.status.lastT;
        // A gap without a disconnect event (radio loss the device did not report) is a drop-out too.
        if (last !== null && line.t - last > DROPOUT_PERIODS * s.periodS && s.status.presence === 'present') s.status.dropouts++;
        s.status.samples++;
        s.status.lastT = line.t;
        s.recentT.push(line.t);
        changed = setPresence(line.sensor, 'present') || changed;
      }
      for (const s of sensors.values()) {
        const newest = s.status.lastT;
        if (newest === null) continue;
        let drop = 0;
        while (drop < s.recentT.length && (s.recentT[drop] as number) <= newest - RATE_WINDOW_S) drop++;
        if (drop > 0) s.recentT.splice(0, drop);
        s.status.rateHz = s.recentT.length / RATE_WINDOW_S;
      }
      return changed;
    },
    setPresence,
    statuses: () => [...sensors.values()].map((s) => ({ ...s.status })),
  };
}
