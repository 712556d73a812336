// The demo's autopilot (`hinge serve` without a source): plays the clinician's part on a simulated
// session so a first-time user sees the whole flow without knowing it yet: calibrate a few seconds
// in, the target number of sets with a rest between them, then end the session (its report is then
// in the review) so the demo can start the next one. Its session label says it is on. The clinician may
// act too: the autopilot only fills the gaps (it never ends a set; a set started by hand counts).
// State-driven from the session's own state (recording time, sets), so it follows any speed.
import type { SessionState } from '@hinge/protocol';

/** What the autopilot needs of a live session (LiveSession has it). */
export interface AutopilotSession {
  state(): SessionState;
  calibrate(): void;
  startSet(): void;
  stop(): Promise<void>;
}

/** Recording times of the autopilot's steps, s. */
export const AUTOPILOT = {
  /** Calibrate this long after the start (the person has settled). */
  calibrateAtS: 3,
  /** First set this long after the calibration request (standing still, two slow bends). */
  firstSetAfterS: 30,
  /** Rest between sets. */
  restS: 30,
  /** End the session this long after its last set. */
  endAfterS: 15,
};

export interface AutopilotState {
  calibrateRequestedT: number | null;
}

/** The autopilot's next action for the session state, or null to wait. Pure. */
export function autopilotAction(pilot: AutopilotState, s: SessionState): 'calibrate' | 'start-set' | 'end-session' | null {
  if (s.status !== 'live' || s.activeSet !== null) return null;
  if (pilot.calibrateRequestedT === null) return s.t >= AUTOPILOT.calibrateAtS ? 'calibrate' : null;
  if (s.t < pilot.calibrateRequestedT + AUTOPILOT.firstSetAfterS) return null;
  const lastEndT = s.sets.reduce((latest, set) => Math.max(latest, set.end ?? set.start), -Infinity);
  if (s.sets.length >= s.settings.targetSets) return s.t >= lastEndT + AUTOPILOT.endAfterS ? 'end-session' : null;
  return s.sets.length === 0 || s.t >= lastEndT + AUTOPILOT.restS ? 'start-set' : null;
}

/**
 * Runs the autopilot on `session` (checked every `tickMs`) until the session stops. `onEnded` is called
 * when the autopilot itself ended the session (not when something else stopped it).
 */
export function startDemoAutopilot(session: AutopilotSession, onEnded: () => void, log: (message: string) => void, tickMs = 250): () => void {
  const pilot: AutopilotState = { calibrateRequestedT: null };
  const timer = setInterval(() => {
    const state = session.state();
    if (state.status === 'stopped' || state.status === 'interrupted') {
      clearInterval(timer);
      return;
    }
    const action = autopilotAction(pilot, state);
    try {
      if (action === 'calibrate') {
        session.calibrate();
        pilot.calibrateRequestedT = state.t;
      } else if (action === 'start-set') {
        session.startSet();
      } else if (action === 'end-session') {
        clearInterval(timer);
        session.stop().then(onEnded, (error: Error) => log(`demo autopilot: ending the session failed: ${error.message}`));
      }
    } catch (error) {
      // A clinician acted at the same moment (a set already running ...): try again at the next tick.
      log(`demo autopilot: ${action}: ${(error as Error).message}`);
    }
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
