// The patient's screen: large and calm, readable from 3 m. A figure that moves with the patient,
// coloured green / amber / red with a symbol and words as well (never colour alone), the rep count,
// the exercise's cues, optional tones and spoken cues, and faded feedback for motor learning.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConnectionStatus, useSessionStore } from '../appContext';
import { ConnectionBadge, LanguagePicker } from '../App';
import { createCuePlayer, type CuePlayer } from './audio';
import { patientDisplay, type FeedbackMode, type PatientDisplay, type Zone } from './feedback';
import { restState } from './rest';
import { HingeFigure } from './HingeFigure';
import { loadPatientPrefs, savePatientPrefs } from './prefs';

const storage = (): Storage | null => {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled
  }
};

const SYMBOL: Record<Zone, string> = { flat: '✓', near: '!', past: '✕' };

export function PatientView({ sessionId }: { sessionId: string }) {
  const { store, snapshot } = useSessionStore(sessionId);
  const status = useConnectionStatus();
  const { t, i18n } = useTranslation();
  const [initialPrefs] = useState(() => loadPatientPrefs(storage()));
  const [mode, setMode] = useState<FeedbackMode>(initialPrefs.mode);
  const [display, setDisplay] = useState<PatientDisplay>({ zone: null, words: 'patient.ready' });
  const [soundOn, setSoundOn] = useState(false);
  const [muted, setMuted] = useState(false);
  const [speech, setSpeech] = useState(initialPrefs.speech);
  const [volume, setVolume] = useState(initialPrefs.volume);
  useEffect(() => savePatientPrefs(storage(), { mode, volume, speech }), [mode, volume, speech]);
  const playerRef = useRef<CuePlayer | null>(null);

  const session = snapshot?.session ?? null;
  const live = snapshot?.live ?? null;

  // Everything the per-frame display computation needs, kept in a ref so the loop never restarts.
  const limitDeg = session?.settings.lumbarLimitDeg ?? null;
  const speakRef = useRef((key: 'patient.cue.repStart' | 'patient.cue.past') => playerRef.current?.speak(t(key), i18n.resolvedLanguage ?? 'en'));
  const inputsRef = useRef({ live, limitDeg, mode });
  useEffect(() => {
    inputsRef.current = { live, limitDeg, mode };
    speakRef.current = (key) => playerRef.current?.speak(t(key), i18n.resolvedLanguage ?? 'en');
  }, [live, limitDeg, mode, t, i18n.resolvedLanguage]);

  useEffect(() => {
    if (!store) return;
    let frame = 0;
    let shown: PatientDisplay = { zone: null, words: 'patient.ready' };
    const tick = () => {
      const { live: state, limitDeg, mode: feedbackMode } = inputsRef.current;
      if (state && limitDeg !== null) {
        const lastRep = state.reps[state.reps.length - 1] ?? null;
        const next = patientDisplay({
          lumbarDeg: store.latestAngles()?.lumbarDeg ?? null,
          limitDeg,
          currentRep: state.currentRep,
          roundedReps: new Set(state.alerts.filter((a) => a.fault === 'lumbar-rounding').map((a) => a.repIndex)),
          lastRep,
          mode: feedbackMode,
        });
        if (next.zone !== shown.zone || next.words !== shown.words) {
          if (next.zone !== null && next.zone !== shown.zone && state.currentRep !== null) {
            playerRef.current?.toneFor(next.zone);
            if (next.zone === 'past') speakRef.current('patient.cue.past');
          }
          shown = next;
          setDisplay(next);
        }
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [store]);

  // A spoken reminder at the start of each rep, when speech is on.
  const currentRep = live?.currentRep ?? null;
  useEffect(() => {
    if (currentRep !== null) speakRef.current('patient.cue.repStart');
  }, [currentRep]);

  useEffect(() => () => playerRef.current?.close(), []);

  function turnSoundOn() {
    if (!playerRef.current) playerRef.current = createCuePlayer();
    playerRef.current?.setVolume(volume / 100);
    playerRef.current?.setMuted(false);
    playerRef.current?.setSpeech(speech);
    setMuted(false);
    setSoundOn(playerRef.current !== null);
  }

  const repCount = session ? Math.max(session.repCount, live?.reps.length ?? 0) : (live?.reps.length ?? 0);
  const inSet = session !== null && session.activeSet !== null;
  const rest = session ? restState(session) : null;
  const zoneClass = display.zone ?? 'calm';

  return (
    <div className={`patient zone-${zoneClass}`} data-zone={zoneClass}>
      <header className="patient-top">
        <ConnectionBadge />
        {session && session.activeSet !== null && (
          <p className="patient-set">{t('patient.setOf', { set: session.activeSet, sets: session.settings.targetSets })}</p>
        )}
        {rest && (
          <p className="patient-set" data-testid="patient-rest">
            {rest.kind === 'done' ? t('patient.done') : t('patient.rest', { seconds: Math.floor(rest.elapsedS), set: rest.nextSet })}
          </p>
        )}
        <LanguagePicker />
      </header>
      <main className="patient-main">
        <div className="patient-figure">
          {store && <HingeFigure latestAngles={store.latestAngles} label={t('patient.posture', { words: t(display.words) })} />}
        </div>
        <div className="patient-status">
          <p className="zone-badge" role="status" aria-live="assertive" data-testid="patient-zone">
            <span className="zone-symbol" aria-hidden="true">
              {display.zone ? SYMBOL[display.zone] : '○'}
            </span>
            <span className="zone-words">{t(display.words)}</span>
          </p>
          <p className="patient-reps" aria-live="polite" aria-atomic="true">
            <span className="patient-rep-number" data-testid="patient-rep-count">
              {inSet ? session.setRepCount : repCount}
            </span>
            <span className="patient-rep-label">{inSet ? ` ${t('patient.repOf', { reps: session.settings.targetReps })}` : ` ${t('patient.reps')}`}</span>
          </p>
          <ul className="cues" aria-label={t('patient.cuesLabel')}>
            {(t('patient.cues', { returnObjects: true }) as string[]).map((cue) => (
              <li key={cue}>{cue}</li>
            ))}
          </ul>
        </div>
      </main>
      {!session && <p className="patient-wait">{status.presence === 'present' ? t('patient.waiting') : t('patient.connecting')}</p>}
      <footer className="patient-controls" aria-label={t('patient.controls')}>
        {!soundOn ? (
          <button type="button" onClick={turnSoundOn}>
            {t('patient.soundOn')}
          </button>
        ) : (
          <button
            type="button"
            aria-pressed={muted}
            onClick={() => {
              setMuted(!muted);
              playerRef.current?.setMuted(!muted);
            }}
          >
            {muted ? t('patient.muted') : t('patient.mute')}
          </button>
        )}
        <label>
          {t('patient.volume')}
          <input
            type="range"
            min={0}
            max={100}
            value={volume}
            onChange={(e) => {
              setVolume(Number(e.target.value));
              playerRef.current?.setVolume(Number(e.target.value) / 100);
            }}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={speech}
            onChange={(e) => {
              setSpeech(e.target.checked);
              playerRef.current?.setSpeech(e.target.checked);
            }}
          />
          {t('patient.speech')}
        </label>
        <label>
          {t('patient.feedback')}
          <select
            aria-label={t('patient.feedback')}
            value={mode.kind === 'every-nth' ? `every-${mode.n}` : mode.kind}
            onChange={(e) => {
              const value = e.target.value;
              setMode(value.startsWith('every-') ? { kind: 'every-nth', n: Number(value.slice(6)) } : { kind: value as 'always' | 'outside-band' });
            }}
          >
            {([{ kind: 'always' }, { kind: 'outside-band' }, { kind: 'every-nth', n: 2 }, { kind: 'every-nth', n: 3 }] as FeedbackMode[]).map((m) => (
              <option key={m.kind === 'every-nth' ? `every-${m.n}` : m.kind} value={m.kind === 'every-nth' ? `every-${m.n}` : m.kind}>
                {m.kind === 'always' ? t('patient.mode.always') : m.kind === 'outside-band' ? t('patient.mode.outsideBand') : t('patient.mode.everyNth', { count: m.n, ordinal: true })}
              </option>
            ))}
          </select>
        </label>
      </footer>
    </div>
  );
}
