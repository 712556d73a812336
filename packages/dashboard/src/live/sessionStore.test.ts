import { describe, expect, it } from 'vitest';
import type { RepReport, ServerMessage, SessionDetail, SessionState } from '@hinge/protocol';
import { createSessionStore } from './sessionStore';

function fakeConnection() {
  const listeners = new Set<(m: ServerMessage) => void>();
  const followed: string[] = [];
  return {
    followed,
    emit: (m: ServerMessage) => listeners.forEach((l) => l(m)),
    onMessage(l: (m: ServerMessage) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    follow(id: string) {
      followed.push(id);
      return () => followed.splice(followed.indexOf(id), 1);
    },
  };
}

function rep(index: number): RepReport {
  return { index, start: index, bottom: index + 0.5, end: index + 1, peakTrunkDeg: 50, peakPelvisDeg: 40, peakLumbarDeg: 10, hipShare: 0.8, descentS: 1.2, ascentS: 1.3, faults: [] };
}

function session(repCount: number, status: SessionState['status'] = 'live'): SessionState {
  return {
    id: 's1', patientId: 'p1', label: 'Mon', exercise: 'hip-hinge', status,
    settings: { painLevel: 3, load: 'none', lumbarLimitDeg: 20, tempoMinS: 1, targetReps: 10, targetSets: 3 },
    source: null, capabilities: ['seek'], createdAt: '', startedAt: null, endedAt: null, t: 0,
    calibration: null, activeSet: null, sets: [], repCount, setRepCount: repCount, summary: null, warnings: [], station: null,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const detail = (repCount: number, reps: RepReport[], status: SessionState['status'] = 'live'): SessionDetail => ({ ...session(repCount, status), reps: reps.map((r) => ({ ...r, setIndex: null })) });
const nothingStored = async () => detail(0, []);

describe('createSessionStore', () => {
  it('keeps angles in the ring and only the messages of its own session', () => {
    const conn = fakeConnection();
    const store = createSessionStore(conn, 's1', nothingStored);
    expect(conn.followed).toEqual(['s1']);
    let notified = 0;
    store.subscribe(() => notified++);
    conn.emit({ type: 'angles', sessionId: 's1', t: [0, 0.01], pelvisDeg: [1, 2], trunkDeg: [3, null], lumbarDeg: [2, null] });
    conn.emit({ type: 'angles', sessionId: 'other', t: [5], pelvisDeg: [9], trunkDeg: [9], lumbarDeg: [9] });
    expect(store.angles.window(10)).toEqual([[0, 0.01], [1, 2], [3, null], [2, null]]);
    expect(store.latestAngles()).toEqual({ t: 0.01, pelvisDeg: 2, trunkDeg: null, lumbarDeg: null });
    expect(notified).toBe(0); // angle frames do not re-render React
    conn.emit({ type: 'event', sessionId: 's1', event: { type: 'rep-started', t: 1, index: 1 } });
    expect(notified).toBe(1);
    expect(store.getSnapshot().live.currentRep).toBe(1);
    store.dispose();
    expect(conn.followed).toEqual([]);
  });

  it('rebuilds alerts, reps, sets and calibration from the snapshot a (re)subscription brings', () => {
    const conn = fakeConnection();
    const store = createSessionStore(conn, 's1', nothingStored);
    conn.emit({ type: 'event', sessionId: 's1', event: { type: 'rep-started', t: 30, index: 3 } });
    conn.emit({
      type: 'snapshot',
      sessionId: 's1',
      events: [
        { type: 'calibrated', t: 2, start: 0.5, end: 2, final: false },
        { type: 'calibrated', t: 4, start: 0.5, end: 3.5, final: true },
        { type: 'alert', t: 6, index: 1, fault: 'lumbar-rounding', message: 'm', values: { peakLumbarDeg: 25 } },
        { type: 'rep-completed', t: 8, rep: { ...rep(1), faults: ['lumbar-rounding'] } },
        { type: 'rep-completed', t: 12, rep: rep(2) },
      ],
    });
    const live = store.getSnapshot().live;
    expect(live.alerts.map((a) => [a.repIndex, a.fault])).toEqual([[1, 'lumbar-rounding']]);
    expect(live.reps.map((r) => r.index)).toEqual([1, 2]);
    expect(live.calibration).toEqual({ status: 'calibrated', start: 0.5, end: 3.5 });
    expect(live.currentRep).toBe(3); // the rep in progress is kept
    store.dispose();
  });

  it('ignores an angle frame whose columns differ in length', () => {
    const conn = fakeConnection();
    const store = createSessionStore(conn, 's1', nothingStored);
    conn.emit({ type: 'angles', sessionId: 's1', t: [0, 1], pelvisDeg: [1], trunkDeg: [1, 2], lumbarDeg: [1, 2] });
    expect(store.angles.length).toBe(0);
  });

  it('sums dropped samples reported under backpressure', () => {
    const conn = fakeConnection();
    const store = createSessionStore(conn, 's1', nothingStored);
    conn.emit({ type: 'angles', sessionId: 's1', t: [0], pelvisDeg: [1], trunkDeg: [1], lumbarDeg: [0], droppedSamples: 40 });
    conn.emit({ type: 'angles', sessionId: 's1', t: [1], pelvisDeg: [1], trunkDeg: [1], lumbarDeg: [0], droppedSamples: 2 });
    expect(store.getSnapshot().droppedSamples).toBe(42);
  });

  it('fetches the reps it missed when a snapshot counts more than it holds', async () => {
    const conn = fakeConnection();
    const fetched: string[] = [];
    const stored = [rep(1)];
    const store = createSessionStore(conn, 's1', async (id) => {
      fetched.push(id);
      return detail(stored.length, [...stored]);
    });
    await flush();
    expect(fetched).toEqual(['s1']); // history on start
    stored.push(rep(2), rep(3));
    conn.emit({ type: 'event', sessionId: 's1', event: { type: 'rep-completed', t: 2, rep: rep(1) } });
    conn.emit({ type: 'session', session: session(3) });
    await flush();
    expect(fetched).toHaveLength(2);
    expect(store.getSnapshot().live.reps.map((r) => r.index)).toEqual([1, 2, 3]);
    conn.emit({ type: 'session', session: session(3) });
    await flush();
    expect(fetched).toHaveLength(2); // nothing missing any more
  });

  it('reloads after a reconnect and shows a session that ended meanwhile from REST', async () => {
    const conn = fakeConnection();
    let current = detail(1, [rep(1)]);
    const store = createSessionStore(conn, 's1', async () => current);
    conn.emit({ type: 'session', session: session(1) });
    await flush();
    expect(store.getSnapshot().session?.status).toBe('live');
    current = detail(2, [rep(1), rep(2)], 'interrupted'); // the bridge restarted; the session cannot resume
    conn.emit({ type: 'hello', protocol: 1, capabilities: ['control'], role: 'clinician', sessions: [], maxMessageBytes: 16384 });
    await flush();
    expect(store.getSnapshot().session?.status).toBe('interrupted');
    expect(store.getSnapshot().live.reps.map((r) => r.index)).toEqual([1, 2]);
  });

  it('says so when the session cannot be loaded', async () => {
    const conn = fakeConnection();
    const store = createSessionStore(conn, 's1', async () => {
      throw new Error('no such session');
    });
    await flush();
    expect(store.getSnapshot().resyncProblem).toBe('could not load the session from the bridge: no such session');
  });
});
