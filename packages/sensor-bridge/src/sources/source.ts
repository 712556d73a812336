// One source abstraction over live BLE, replay and the simulator (Lichtblick's "player" idea): the
// server and the dashboard never know which one feeds a session. They read `capabilities` (live
// sources cannot seek; recorded ones can) and per-sensor `presence`, and take data in batches.
import type { RecordingHeader, RecordingLine, SensorStatus, SourceCapability } from '@hinge/protocol';
import type { PersonControl } from './simulated-person';

/** Where a source delivers. Called on the event loop; must not throw. */
export interface SourceSink {
  /** A batch of samples and events in time order; `t` on the session's one clock, never going back. */
  lines(batch: RecordingLine[]): void;
  /** Presence or problems changed (a sensor dropped out, the adapter went away ...). */
  statusChanged(): void;
  /** No more data will come (a replay without loop reached its end, or the source failed for good). */
  ended(reason: string): void;
}

export interface SourceStatus {
  sensors: SensorStatus[];
  /** Problems of the source as a whole, for people ("Bluetooth adapter is off: ..."). */
  problems: string[];
}

export interface SensorSource {
  readonly capabilities: readonly SourceCapability[];
  /** Starts delivering to `sink`; resolves with the header that describes the sensors (t = 0 is now). */
  start(sink: SourceSink): Promise<RecordingHeader>;
  /** Stops delivering; no `lines` call after it resolves. */
  stop(): Promise<void>;
  status(): SourceStatus;
  /** Capability `seek`: continue from recorded time `t` (s, of the source's own data). */
  seek?(t: number): void;
  /** Capability `speed`: playback speed, 1 = real time. */
  setSpeed?(speed: number): void;
  /**
   * A generated source whose person follows the session: told each control line (calibrate, set
   * start and end, settings) with the settings in force after it; once at the start with the session's settings.
   */
  follow?(control: PersonControl): void;
}

export class SourceError extends Error {
  readonly code = 'HINGE_ERR_SOURCE';
}
