// The clinician's page for one running session: sensors, calibration, rep counter and phase, set
// controls, the live angle plot with the limit, alerts, the rep table, and limits/targets. What the
// source can do (seek, speed) comes from the session's capabilities.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DisplayLink, SessionState } from '@hinge/protocol';
import { useConnectionStatus, useRunningSessions, useServices, useSessionStore } from '../appContext';
import { AngleChart } from '../chart/AngleChart';
import { routeHash } from '../route';
import { AlertFeed } from './AlertFeed';
import { AnnotationPanel } from './Annotations';
import type { CalibrationStatus } from '../live/sessionState';
import { CalibrationWizard } from './CalibrationWizard';
import { RepTable } from './RepTable';
import { deg, seconds } from './format';
import { SensorPanel } from './SensorPanel';
import { SettingsEditor } from './SettingsEditor';

export function SessionLive({ sessionId }: { sessionId: string }) {
  const { connection, api } = useServices();
  const { t } = useTranslation();
  const status = useConnectionStatus();
  const { store, snapshot } = useSessionStore(sessionId);
  const [actionError, setActionError] = useState<string | null>(null);
  const [displayLink, setDisplayLink] = useState<{ href: string; reachable: boolean } | null>(null);
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

  if (!snapshot || !live || !store) return <p>{t('live.loading')}</p>;
  if (!session) {
    return (
      <section className="panel">
        <h2>{t('live.title', { id: sessionId })}</h2>
        <p role="status">{status.presence === 'present' ? t('live.waiting') : t('live.connecting')}</p>
        {snapshot.resyncProblem && <p className="error">{snapshot.resyncProblem}</p>}
      </section>
    );
  }

  const repCount = Math.max(session.repCount, live.reps.length);
  const calibration: CalibrationStatus = session.calibration && live.calibration.status !== 'calibrated' ? { status: 'calibrated', ...session.calibration } : live.calibration;
  const repBands = live.reps.map((r) => ({ index: r.index, start: r.start, end: r.end, faulty: r.faults.length > 0 }));
  const capabilities = session.capabilities;
  const running = session.status === 'live';

  return (
    <div className="session-live" data-session-status={session.status}>
      <header className="session-header">
        <h1>
          {session.label || t('live.session')} <span className="status-tag">{t(`status.${session.status}`)}</span>
        </h1>
        <p className="hint">
          {t('live.recordingTime', { time: seconds(session.t, 1) })}
          {snapshot.droppedSamples > 0 && t('live.skipped', { count: snapshot.droppedSamples })}
        </p>
        <nav className="session-links" aria-label={t('live.views')}>
          <a href={routeHash({ view: 'patient', sessionId })} target="_blank" rel="noreferrer">
            {t('live.openPatient')}
          </a>
          {status.hello?.role === 'clinician' && (
            <button
              type="button"
              onClick={() =>
                run(async () => {
                  const link = await api.send<DisplayLink>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/display-link`);
                  setDisplayLink(patientLinkFor(link, window.location));
                })
              }
            >
              {t('live.makeLink')}
            </button>
          )}
          <a href={routeHash({ view: 'review-session', sessionId })}>{t('live.report')}</a>
        </nav>
        {!running && (
          <p className="warn" role="status">
            {t('live.ended', { status: t(`status.${session.status}`) })}{' '}
            {otherRunning.length > 0 && (
              <>
                {t('live.runningNow')}{' '}
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
            {t('live.linkIs')} <code data-testid="display-link">{displayLink.href}</code>
            {!displayLink.reachable && (
              <>
                <br />
                <span className="warn">{t('live.linkLocal', { host: window.location.hostname })}</span>
              </>
            )}
          </p>
        )}
      </header>

      <section className="panel counter" aria-labelledby="counter-title">
        <h2 id="counter-title">{t('live.reps')}</h2>
        <p className="rep-count" aria-live="polite" aria-atomic="true">
          <span data-testid="rep-count">{repCount}</span> <span className="unit">{t('live.repUnit', { count: repCount })}</span>
        </p>
        <p className="phase" data-phase={live.phase}>
          {!running
            ? t('live.phase.ended')
            : live.currentRep !== null
              ? t('live.phaseOfRep', { rep: live.currentRep, phase: t(`live.phase.${live.phase}`) })
              : t(`live.phase.${live.phase}`)}
        </p>
        <p>
          {session.activeSet !== null
            ? t('live.setRunning', { set: session.activeSet, sets: session.settings.targetSets, rep: session.setRepCount, reps: session.settings.targetReps })
            : t('live.noSet', { done: session.sets.length, sets: session.settings.targetSets })}
        </p>
        <div className="buttons" role="group" aria-label={t('live.setControls')}>
          <button type="button" className="primary" disabled={!canControl || !running || session.activeSet !== null} onClick={() => run(() => command('start-set'))}>
            {t('live.startSet')}
          </button>
          <button type="button" disabled={!canControl || !running || session.activeSet === null} onClick={() => run(() => command('stop-set'))}>
            {t('live.stopSet')}
          </button>
          <button
            type="button"
            disabled={!canControl || !running}
            onClick={() => {
              if (window.confirm(t('live.confirmEnd'))) void run(() => command('stop-session'));
            }}
          >
            {t('live.endSession')}
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
        <h2 id="plot-title">{t('live.plot')}</h2>
        <AngleChart ring={store.angles} windowS={10} limitDeg={session.settings.lumbarLimitDeg} reps={repBands} title={t('live.last10')} />
      </section>

      <AlertFeed alerts={live.alerts} repPeaksDeg={new Map(live.reps.map((r) => [r.index, r.peakLumbarDeg]))} />

      <CalibrationWizard
        calibration={calibration}
        warnings={live.warnings}
        canControl={canControl && running}
        repsCounting={live.reps.length > 0}
        calibrationBends={calibration.status === 'calibrated' ? live.calibrationBends.filter((b) => b.start >= calibration.start).length : 0}
        currentT={() => store.latestAngles()?.t ?? session.t}
        onCalibrate={() => command('calibrate')}
      />

      <AnnotationPanel annotations={live.annotations} canControl={canControl && running} onAdd={(text) => connection.request({ type: 'annotate', sessionId, text })} />

      <SensorPanel status={snapshot.sensors} hasSensorStatus={capabilities.includes('sensor-status')} running={running} />

      <SettingsEditor
        settings={session.settings}
        canControl={canControl && running}
        onSave={(settings) => connection.request({ type: 'update-settings', sessionId, settings })}
      />

      <section className="panel wide" aria-labelledby="reps-title">
        <h2 id="reps-title">{t('live.details')}</h2>
        <RepTable reps={live.reps} caption={t('live.tableCaption', { count: live.reps.length, limit: deg(session.settings.lumbarLimitDeg, 0) })} />
      </section>
    </div>
  );
}

/** Speed and seek for sources that offer them (capabilities `speed`, `seek`). */
function Playback({ session, canControl, onError }: { session: SessionState; canControl: boolean; onError: (e: string) => void }) {
  const { connection } = useServices();
  const { t } = useTranslation();
  const [seekS, setSeekS] = useState('0');
  const canSpeed = session.capabilities.includes('speed');
  const canSeek = session.capabilities.includes('seek');
  if (!canSpeed && !canSeek) return null;
  const fail = (e: Error) => onError(e.message);
  return (
    <div className="playback" role="group" aria-label={t('live.playback')}>
      {canSpeed && (
        <label>
          {t('live.speed')}
          <select
            aria-label={t('live.speed')}
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
            {t('live.jumpTo')}
            <input type="number" min={0} step={1} value={seekS} onChange={(e) => setSeekS(e.target.value)} disabled={!canControl} />
          </label>
          <button type="submit" disabled={!canControl}>
            {t('live.jump')}
          </button>
        </form>
      )}
    </div>
  );
}

/**
 * The patient-screen link another device can open: as this page was reached, unless that is loopback, in
 * which case the bridge's first network address (same port) is used. `reachable` is false when the
 * bridge listens on loopback only, and the page then says how to change that.
 */
export function patientLinkFor(link: DisplayLink, page: Pick<Location, 'href' | 'hostname'>): { href: string; reachable: boolean } {
  const url = new URL(link.path, page.href);
  if (!isLoopback(page.hostname)) return { href: url.href, reachable: true };
  const host = link.networkHosts[0];
  if (host === undefined) return { href: url.href, reachable: false };
  url.hostname = host.includes(':') ? `[${host}]` : host;
  return { href: url.href, reachable: true };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}
