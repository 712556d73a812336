// Everything the dashboard knows about one followed session, outside React: the server's SessionState
// snapshot, the state rebuilt from analysis events, sensor status, and the angle stream in a ring buffer.
// React components read it with useSyncExternalStore (snapshot changes on session/event/sensor
// messages only); charts and the patient figure read the ring and `latestAngles` once per animation frame.
//
// History comes over REST (`GET /api/sessions/:id`: state and stored reps), live updates over the
// WebSocket. Subscribing to a running session brings a `snapshot`: every analysis event so far (reps,
// alerts, sets, calibration, warnings), from which the live view is rebuilt exactly as a client present
// all along built it. The REST detail is loaded when the store is made, again after every (re)connect
// (a `hello`), and whenever a session message counts more reps than the store holds. A session that is
// no longer running cannot be subscribed to; its REST state is what we show.
import type { AngleSample, SensorStatusMessage, ServerMessage, SessionDetail, SessionState } from '@hinge/protocol';
import { createSeriesRing, type SeriesRing } from '../chart/seriesRing';
import { INITIAL_SESSION_STATE, applyAnalysisEvent, applyAnalysisEvents, type LiveSessionState } from './sessionState';
import type { BridgeConnection } from '../connection/bridgeConnection';

/** 60 s of 100 Hz angles. */
export const ANGLE_RING_CAPACITY = 6000;

export interface SessionSnapshot {
  session: SessionState | null;
  live: LiveSessionState;
  sensors: SensorStatusMessage | null;
  /** Angle samples the bridge left out for us (backpressure), summed. */
  droppedSamples: number;
  /** A problem loading the session's history, shown to the clinician. */
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
  fetchDetail: (sessionId: string) => Promise<SessionDetail>,
): SessionStore {
  const angles = createSeriesRing(ANGLE_RING_CAPACITY, 3);
  let latest: AngleSample | null = null;
  let snapshot: SessionSnapshot = { session: null, live: INITIAL_SESSION_STATE, sensors: null, droppedSamples: 0, resyncProblem: null };
  const listeners = new Set<() => void>();
  let resyncing = false;
  let resyncAgain = false;
  let disposed = false;

  const update = (patch: Partial<SessionSnapshot>) => {
    snapshot = { ...snapshot, ...patch };
    for (const listener of listeners) listener();
  };

  const resync = async () => {
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = true;
    const snapshotBefore = snapshot.session;
    try {
      const { reps, ...state } = await fetchDetail(sessionId);
      if (disposed) return;
      let live = snapshot.live;
      const known = new Set(live.reps.map((r) => r.index));
      for (const rep of reps) {
        if (!known.has(rep.index)) live = applyAnalysisEvent(live, { type: 'rep-completed', t: rep.end, rep });
      }
      // Keep the phase of a rep in progress: the fetched reps are history.
      live = { ...live, currentRep: snapshot.live.currentRep, phase: snapshot.live.phase };
      if (state.calibration && live.calibration.status !== 'calibrated') live = { ...live, calibration: { status: 'calibrated', ...state.calibration } };
      // A WebSocket snapshot that arrived meanwhile is newer, unless the session has ended since.
      const session = snapshot.session === snapshotBefore || state.status !== 'live' ? state : snapshot.session;
      update({ session, live, resyncProblem: null });
    } catch (error) {
      if (!disposed) update({ resyncProblem: `could not load the session from the bridge: ${(error as Error).message}` });
    } finally {
      resyncing = false;
      if (resyncAgain && !disposed) {
        resyncAgain = false;
        void resync();
      }
    }
  };

  const onMessage = (message: ServerMessage) => {
    switch (message.type) {
      case 'session':
        if (message.session.id !== sessionId) return;
        update({ session: message.session });
        if (message.session.repCount > snapshot.live.reps.length) void resync();
        return;
      case 'hello':
        void resync();
        return;
      case 'event':
        if (message.sessionId !== sessionId) return;
        update({ live: applyAnalysisEvent(snapshot.live, message.event) });
        return;
      case 'snapshot': {
        if (message.sessionId !== sessionId) return;
        // The whole history so far replaces what we held; the rep in progress (its phase) is not history.
        const rebuilt = applyAnalysisEvents(INITIAL_SESSION_STATE, message.events);
        update({ live: { ...rebuilt, currentRep: snapshot.live.currentRep, phase: snapshot.live.phase } });
        return;
      }
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
  void resync();

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
