// The clinician's page for one running session: sensors, calibration, rep counter and phase, set
// controls, the live angle plot with the limit, alerts, the rep table, and limits/targets. What the
// source can do (seek, speed) comes from the session's capabilities.
import { useState } from 'react';
import type { DisplayLink, SessionState } from '@hinge/protocol';
import { useConnectionStatus, useRunningSessions, useServices, useSessionStore } from '../appContext';
import { AngleChart } from '../chart/AngleChart';
import { routeHash } from '../route';
import { setOfRep } from '../live/setOfRep';
import { AlertFeed } from './AlertFeed';
import { CalibrationWizard } from './CalibrationWizard';
import { RepTable } from './RepTable';
import { SensorPanel } from './SensorPanel';
import { SettingsEditor } from './SettingsEditor';

const PHASE_TEXT = { standing: 'Standing', descent: 'Going down', bottom: 'At the bottom', ascent: 'Coming up' } as const;

export function SessionLive({ sessionId }: { sessionId: string }) {
  const { connection, api } = useServices();
  const status = useConnectionStatus();
  const { store, snapshot } = useSessionStore(sessionId);
  const [actionError, setActionError] = useState<string | null>(null);
  const [displayLink, setDisplayLink] = useState<string | null>(null);
  const otherRunning = useRunningSessions().filter((s) => s.id !== sessionId);

  const canControl = status.presence === 'present' && (status.hello?.capabilities.includes('control') ?? false);
  const session = snapshot?.session ?? null;
  const live = snapshot?.live;

  async function run(action: () => Promise<unknown>) {
    setActionError(null);
    try {
      await action();
    } catch (e) {
      setActionError((e as Error).message);
    }
  }
  const command = (type: 'calibrate' | 'start-set' | 'stop-set' | 'stop-session') => connection.request({ type, sessionId });

  if (!snapshot || !live || !store) return <p>Loading session…</p>;
  if (!session) {
    return (
      <section className="panel">
        <h2>Session {sessionId}</h2>
        <p role="status">{status.presence === 'present' ? 'Waiting for the session…' : 'Connecting to the bridge…'}</p>
        {snapshot.resyncProblem && <p className="error">{snapshot.resyncProblem}</p>}
      </section>
    );
  }

  const repCount = Math.max(session.repCount, live.reps.length);
  const repBands = live.reps.map((r) => ({ index: r.index, start: r.start, end: r.end, faulty: r.faults.length > 0 }));
  const capabilities = session.capabilities;
  const running = session.status === 'live';

  return (
    <div className="session-live" data-session-status={session.status}>
      <header className="session-header">
        <h1>
          {session.label || 'Session'} <span className="status-tag">{session.status}</span>
        </h1>
        <p className="hint">
          Recording time {session.t.toFixed(1)} s{snapshot.droppedSamples > 0 && ` · ${snapshot.droppedSamples} angle samples skipped to keep up`}
        </p>
        <nav className="session-links" aria-label="Session views">
          <a href={routeHash({ view: 'patient', sessionId })} target="_blank" rel="noreferrer">
            Open patient screen
          </a>
          {status.hello?.role === 'clinician' && (
            <button
              type="button"
              onClick={() =>
                run(async () => {
                  const link = await api.send<DisplayLink>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/display-link`);
                  setDisplayLink(new URL(link.path, window.location.href).href);
                })
              }
            >
              Make a patient-screen link for another device
            </button>
          )}
          <a href={routeHash({ view: 'review-session', sessionId })}>Report</a>
        </nav>
        {!running && (
          <p className="warn" role="status">
            This session is {session.status}: it no longer streams.{' '}
            {otherRunning.length > 0 && (
              <>
                Running now:{' '}
                {otherRunning.map((s) => (
                  <a key={s.id} href={routeHash({ view: 'session', sessionId: s.id })}>
                    {s.label || s.id}
                  </a>
                ))}
              </>
            )}
          </p>
        )}
        {displayLink && (
          <p className="hint">
            Patient screen link (read-only, this session only): <code>{displayLink}</code>
          </p>
        )}
      </header>

      <section className="panel counter" aria-labelledby="counter-title">
        <h2 id="counter-title">Reps</h2>
        <p className="rep-count" aria-live="polite" aria-atomic="true">
          <span data-testid="rep-count">{repCount}</span> <span className="unit">{repCount === 1 ? 'rep' : 'reps'}</span>
        </p>
        <p className="phase" data-phase={live.phase}>
          {live.currentRep !== null ? `Rep ${live.currentRep}: ` : ''}
          {PHASE_TEXT[live.phase]}
        </p>
        <p>
          {session.activeSet !== null
            ? `Set ${session.activeSet} of ${session.settings.targetSets}: ${session.setRepCount} of ${session.settings.targetReps} reps`
            : `No set running (${session.sets.length} of ${session.settings.targetSets} sets done)`}
        </p>
        <div className="buttons" role="group" aria-label="Set controls">
          <button type="button" className="primary" disabled={!canControl || !running || session.activeSet !== null} onClick={() => run(() => command('start-set'))}>
            Start set
          </button>
          <button type="button" disabled={!canControl || !running || session.activeSet === null} onClick={() => run(() => command('stop-set'))}>
            Stop set
          </button>
          <button
            type="button"
            disabled={!canControl || !running}
            onClick={() => {
              if (window.confirm('End this session? The recording is closed and the summary stored.')) void run(() => command('stop-session'));
            }}
          >
            End session
          </button>
        </div>
        <Playback session={session} canControl={canControl} onError={setActionError} />
        {actionError && (
          <p className="error" role="alert">
            {actionError}
          </p>
        )}
        {snapshot.resyncProblem && <p className="warn">{snapshot.resyncProblem}</p>}
      </section>

      <section className="panel plot" aria-labelledby="plot-title">
        <h2 id="plot-title">Live angles</h2>
        <AngleChart ring={store.angles} windowS={10} limitDeg={session.settings.lumbarLimitDeg} reps={repBands} title="Last 10 s" />
      </section>

      <AlertFeed alerts={live.alerts} />

      <CalibrationWizard
        calibration={session.calibration && live.calibration.status !== 'calibrated' ? { status: 'calibrated', ...session.calibration } : live.calibration}
        warnings={live.warnings}
        canControl={canControl && running}
        currentT={() => store.latestAngles()?.t ?? session.t}
        onCalibrate={() => command('calibrate')}
      />

      <SensorPanel status={snapshot.sensors} hasSensorStatus={capabilities.includes('sensor-status')} running={running} />

      <SettingsEditor
        settings={session.settings}
        canControl={canControl && running}
        onSave={(settings) => connection.request({ type: 'update-settings', sessionId, settings })}
      />

      <section className="panel wide" aria-labelledby="reps-title">
        <h2 id="reps-title">Rep details</h2>
        <RepTable reps={live.reps.map((r) => ({ ...r, setIndex: setOfRep(session.sets, r.start) }))} caption={`${live.reps.length} ${live.reps.length === 1 ? 'rep' : 'reps'}, limit ${session.settings.lumbarLimitDeg}° lumbar flexion`} />
      </section>
    </div>
  );
}

/** Speed and seek for sources that offer them (capabilities `speed`, `seek`). */
function Playback({ session, canControl, onError }: { session: SessionState; canControl: boolean; onError: (e: string) => void }) {
  const { connection } = useServices();
  const [seekS, setSeekS] = useState('0');
  const canSpeed = session.capabilities.includes('speed');
  const canSeek = session.capabilities.includes('seek');
  if (!canSpeed && !canSeek) return null;
  const fail = (e: Error) => onError(e.message);
  return (
    <div className="playback" role="group" aria-label="Playback">
      {canSpeed && (
        <label>
          Speed
          <select
            aria-label="Speed"
            disabled={!canControl}
            defaultValue={session.source && 'speed' in session.source ? String(session.source.speed ?? 1) : '1'}
            onChange={(e) => connection.request({ type: 'set-speed', sessionId: session.id, speed: Number(e.target.value) }).catch(fail)}
          >
            {['0.5', '1', '2', '5', '10', '20', '50'].map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
      )}
      {canSeek && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            connection.request({ type: 'seek', sessionId: session.id, t: Math.max(0, Number(seekS) || 0) }).catch(fail);
          }}
        >
          <label>
            Jump to (s)
            <input type="number" min={0} step={1} value={seekS} onChange={(e) => setSeekS(e.target.value)} disabled={!canControl} />
          </label>
          <button type="submit" disabled={!canControl}>
            Jump
          </button>
        </form>
      )}
    </div>
  );
}
