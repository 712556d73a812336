// Everything the dashboard knows about one followed session, outside React: the server's SessionState
// snapshot, the state rebuilt from analysis events, sensor status, and the angle stream in a ring buffer.
// React components read it with useSyncExternalStore (snapshot changes on session/event/sensor
// messages only); charts and the patient figure read the ring and `latestAngles` once per animation frame.
//
// Resuming: after a reconnect the bridge sends a fresh `session` snapshot, but events sent while we
// were away are gone. When the snapshot counts more reps than we hold, the reps are fetched over REST.
import type { AngleSample, RepReport, SensorStatusMessage, ServerMessage, SessionState } from '@hinge/protocol';
import { createSeriesRing, type SeriesRing } from '../chart/seriesRing';
import { INITIAL_SESSION_STATE, applyAnalysisEvent, type LiveSessionState } from './sessionState';
import type { BridgeConnection } from '../connection/bridgeConnection';

/** 60 s of 100 Hz angles. */
export const ANGLE_RING_CAPACITY = 6000;

export interface SessionSnapshot {
  session: SessionState | null;
  live: LiveSessionState;
  sensors: SensorStatusMessage | null;
  /** Angle samples the bridge left out for us (backpressure), summed. */
  droppedSamples: number;
  /** A problem fetching missed reps, shown to the clinician. */
  resyncProblem: string | null;
}

export interface SessionStore {
  readonly sessionId: string;
  /** Columns: pelvisDeg, trunkDeg, lumbarDeg. */
  readonly angles: SeriesRing;
  latestAngles(): AngleSample | null;
  getSnapshot(): SessionSnapshot;
  subscribe(listener: () => void): () => void;
  /** Stops following the session. */
  dispose(): void;
}

export function createSessionStore(
  connection: Pick<BridgeConnection, 'onMessage' | 'follow'>,
  sessionId: string,
  fetchReps: (sessionId: string) => Promise<RepReport[]>,
): SessionStore {
  const angles = createSeriesRing(ANGLE_RING_CAPACITY, 3);
  let latest: AngleSample | null = null;
  let snapshot: SessionSnapshot = { session: null, live: INITIAL_SESSION_STATE, sensors: null, droppedSamples: 0, resyncProblem: null };
  const listeners = new Set<() => void>();
  let resyncing = false;
  let disposed = false;

  const update = (patch: Partial<SessionSnapshot>) => {
    snapshot = { ...snapshot, ...patch };
    for (const listener of listeners) listener();
  };

  const resyncReps = async () => {
    if (resyncing) return;
    resyncing = true;
    try {
      const reps = await fetchReps(sessionId);
      if (disposed) return;
      let live = snapshot.live;
      const known = new Set(live.reps.map((r) => r.index));
      for (const rep of reps) {
        if (!known.has(rep.index)) live = applyAnalysisEvent(live, { type: 'rep-completed', t: rep.end, rep });
      }
      // Keep the phase of a rep in progress: the fetched reps are history.
      update({ live: { ...live, currentRep: snapshot.live.currentRep, phase: snapshot.live.phase }, resyncProblem: null });
    } catch (error) {
      update({ resyncProblem: `could not fetch the reps missed while disconnected: ${(error as Error).message}` });
    } finally {
      resyncing = false;
    }
  };

  const onMessage = (message: ServerMessage) => {
    switch (message.type) {
      case 'session':
        if (message.session.id !== sessionId) return;
        update({ session: message.session });
        if (message.session.repCount > snapshot.live.reps.length) void resyncReps();
        return;
      case 'event':
        if (message.sessionId !== sessionId) return;
        update({ live: applyAnalysisEvent(snapshot.live, message.event) });
        return;
      case 'sensor-status':
        if (message.sessionId !== sessionId) return;
        update({ sensors: message });
        return;
      case 'angles': {
        if (message.sessionId !== sessionId) return;
        const n = message.t.length;
        if (n === 0 || message.pelvisDeg.length !== n || message.trunkDeg.length !== n || message.lumbarDeg.length !== n) return;
        angles.append(message.t, [message.pelvisDeg, message.trunkDeg, message.lumbarDeg]);
        latest = {
          t: message.t[n - 1]!,
          pelvisDeg: message.pelvisDeg[n - 1]!,
          trunkDeg: message.trunkDeg[n - 1]!,
          lumbarDeg: message.lumbarDeg[n - 1]!,
        };
        if (message.droppedSamples) update({ droppedSamples: snapshot.droppedSamples + message.droppedSamples });
        return;
      }
      default:
        return;
    }
  };

  const stopListening = connection.onMessage(onMessage);
  const stopFollowing = connection.follow(sessionId);

  return {
    sessionId,
    angles,
    latestAngles: () => latest,
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      stopListening();
      stopFollowing();
      listeners.clear();
    },
  };
}
