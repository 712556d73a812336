// Per-sensor time order of a recording's lines, with a small look-ahead that tells a one-line time spike
// from a real gap (docs/recording-format.md, "Bad lines"). Pure: lines in, lines out in file order.
//
// A sample more than SPIKE_JUMP_S ahead of its sensor's previous one is a suspect: it and the lines after it
// are held until that sensor's next sample decides. If the next sample continues from the suspect's time
// (t >= the suspect's), the jump was a real gap and the suspect is kept. If it returns to the old timeline
// (previous <= t < the suspect's), the suspect was a spike: it alone is dropped. A next sample earlier than
// the previous one is itself going backwards (dropped; the suspect still waits). For a sensor's first
// sample, "the old timeline" is within SPIKE_JUMP_S of the time it was judged against; a next sample
// between that and the suspect keeps the suspect and is itself going backwards. At most
// MAX_SPIKE_LOOKAHEAD_LINES lines are held: past that (a sensor gone quiet) the suspect is kept as a gap.
// A sensor's first sample has no previous one of its own; all lines share one clock, so it is judged against
// the latest sample time of the recording so far (a sensor that joins late starts near that time), and the
// file's very first sample against t = 0, the header's startedAt (a file whose samples start later loses
// nothing: its second sample continues from the first, which is then kept).
import { backwardsReason, isEventLine, type RecordingHeader, type RecordingLine } from './recording';

/** A sample this far (seconds) ahead of its sensor's previous one waits for the next to say spike or gap. */
export const SPIKE_JUMP_S = 0.25;
/** Most lines held while a suspect waits (1.3 s of a two-sensor 100 Hz session); bounds the reader's memory. */
export const MAX_SPIKE_LOOKAHEAD_LINES = 256;

/** A line refused: `at` is the caller's position for it (the reader's line number). */
export interface DroppedLine {
  at: number;
  reason: string;
}

export interface TimeOrder {
  /** Takes the next valid line (its shape checked); appends the lines now decided to `released` and refusals to `dropped`. */
  push(line: RecordingLine, at: number, released: RecordingLine[], dropped: DroppedLine[]): void;
  /** The file ended: waiting suspects are kept (nothing came to contradict them); releases the rest. */
  end(released: RecordingLine[]): void;
}

interface Held {
  line: RecordingLine;
  at: number;
  /** Waiting for its sensor's next sample. */
  suspect: boolean;
  dropped: boolean;
  /** The time its jump is measured from: its sensor's previous sample, or for a first sample the recording's latest. */
  referenceT: number;
}

/**
 * Whether a suspect's next sample (at `t`, earlier than the suspect) says the suspect was a spike: it is not
 * earlier than the sensor's previous sample; for a sensor's first sample (no previous), it is back within
 * SPIKE_JUMP_S of the time the suspect was judged against.
 */
function returnsToOldTimeline(t: number, previousT: number, referenceT: number): boolean {
  return previousT === -Infinity ? t - referenceT <= SPIKE_JUMP_S : t >= previousT;
}

export function createTimeOrder(header: RecordingHeader): TimeOrder {
  const lastT = new Map<string, number>(header.sensors.map((s) => [s.id, -Infinity]));
  /** The latest sample time accepted so far, of any sensor (the reference for a sensor's first sample); 0 (startedAt) before any. */
  let latestT = 0;
  const suspects = new Map<string, Held>();
  /** Lines after the first waiting suspect, in file order (that suspect first). */
  let held: Held[] = [];

  /** Hands out the held lines up to the first suspect still waiting. */
  const release = (released: RecordingLine[]) => {
    let i = 0;
    for (; i < held.length && !held[i]!.suspect; i++) if (!held[i]!.dropped) released.push(held[i]!.line);
    held = i === held.length ? [] : held.slice(i);
  };
  /** The suspect was a real gap: its time is the sensor's new timeline. */
  const keepSuspect = (sensor: string, suspect: Held) => {
    suspect.suspect = false;
    suspects.delete(sensor);
    lastT.set(sensor, suspect.line.t);
    latestT = Math.max(latestT, suspect.line.t);
  };

  /** Holds a line behind a waiting suspect, keeping at most MAX_SPIKE_LOOKAHEAD_LINES held. */
  const hold = (entry: Held, released: RecordingLine[]) => {
    held.push(entry);
    release(released);
    while (held.length > MAX_SPIKE_LOOKAHEAD_LINES) {
      const first = held[0]!; // a waiting suspect: release() stops only at one
      keepSuspect((first.line as { sensor: string }).sensor, first);
      release(released);
    }
  };

  return {
    push(line, at, released, dropped) {
      if (isEventLine(line)) {
        if (held.length === 0) released.push(line);
        else hold({ line, at, suspect: false, dropped: false, referenceT: line.t }, released);
        return;
      }
      const { sensor, t } = line;
      const suspect = suspects.get(sensor);
      if (suspect) {
        const previousT = lastT.get(sensor)!;
        if (t >= suspect.line.t) keepSuspect(sensor, suspect);
        else if (returnsToOldTimeline(t, previousT, suspect.referenceT)) {
          suspect.suspect = false;
          suspect.dropped = true;
          suspects.delete(sensor);
          const referenceT = previousT === -Infinity ? suspect.referenceT : previousT;
          const jumpS = Number((suspect.line.t - referenceT).toPrecision(6));
          const ahead = previousT === -Infinity ? `its first sample, ${jumpS} s ahead of the recording's latest time (${referenceT})` : `${jumpS} s ahead of its previous sample (${previousT})`;
          dropped.push({ at: suspect.at, reason: `t=${suspect.line.t} is a spike for sensor "${sensor}": ${ahead}, and its next sample returns to ${t}` });
        } else if (previousT === -Infinity) {
          keepSuspect(sensor, suspect); // its first sample stands; this one, earlier, goes backwards (below)
        } else {
          dropped.push({ at, reason: backwardsReason(sensor, t, previousT) });
          return;
        }
      }
      const previousT = lastT.get(sensor)!;
      if (t < previousT) {
        dropped.push({ at, reason: backwardsReason(sensor, t, previousT) });
        return;
      }
      const referenceT = previousT === -Infinity ? latestT : previousT;
      const isSuspect = referenceT !== -Infinity && t - referenceT > SPIKE_JUMP_S;
      if (!isSuspect) {
        lastT.set(sensor, t);
        latestT = Math.max(latestT, t);
        // The common case: nothing waiting, the line goes straight out (no entry made for it).
        if (held.length === 0) {
          released.push(line);
          return;
        }
      }
      const entry: Held = { line, at, suspect: isSuspect, dropped: false, referenceT };
      if (isSuspect) suspects.set(sensor, entry);
      hold(entry, released);
    },
    end(released) {
      for (const [sensor, suspect] of suspects) keepSuspect(sensor, suspect);
      release(released);
    },
  };
}
