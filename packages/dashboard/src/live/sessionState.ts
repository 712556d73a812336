// The live state of one session as the dashboard shows it, rebuilt from the analysis events the bridge
// streams (AnalysisEvent in @hinge/protocol). Pure: `applyAnalysisEvent(state, event)` returns a new state.
// Angles are not kept here: at 100 Hz they go to a ring buffer outside React (chart/seriesRing.ts).
import type { AnalysisEvent, Annotation, CalibrationBend, Fault, RepPhase, RepReport, SetSummary } from '@hinge/protocol';

export interface AlertItem {
  /** Recording time, s. */
  t: number;
  repIndex: number;
  fault: Fault;
  message: string;
  values: Record<string, number>;
}

export interface WarningItem {
  t: number;
  /** `calibration`: a calibration-warning after a good calibration; `analysis`: any other warning. */
  kind: 'calibration' | 'analysis';
  message: string;
  /** A new calibration would fix it (a stale neutral or a slipped sensor): the wizard offers one beside it. */
  recalibrate?: true;
}

export type CalibrationStatus =
  | { status: 'waiting' }
  /** `axisFoundT`: when bends since this neutral showed the flexion axis (the wizard's second step). */
  | { status: 'calibrated'; start: number; end: number; axisFoundT?: number }
  | { status: 'problem'; message: string };

export interface LiveSessionState {
  calibration: CalibrationStatus;
  /** The rep in progress (from 1), null while standing between reps. */
  currentRep: number | null;
  phase: RepPhase;
  reps: RepReport[];
  /** The calibration wizard's bends (`calibration-bend` events): not reps, counted in no total. */
  calibrationBends: CalibrationBend[];
  sets: SetSummary[];
  /** Newest first, at most MAX_ALERTS. */
  alerts: AlertItem[];
  warnings: WarningItem[];
  /** The clinician's notes (`annotation` events), in time order. */
  annotations: Annotation[];
  /** Latest recording time seen in an event, s. */
  lastEventT: number | null;
}

export const MAX_ALERTS = 50;

export const INITIAL_SESSION_STATE: LiveSessionState = {
  calibration: { status: 'waiting' },
  currentRep: null,
  phase: 'standing',
  reps: [],
  calibrationBends: [],
  sets: [],
  alerts: [],
  warnings: [],
  annotations: [],
  lastEventT: null,
};

export function applyAnalysisEvent(state: LiveSessionState, event: AnalysisEvent): LiveSessionState {
  const next = { ...state, lastEventT: event.t };
  switch (event.type) {
    case 'calibrated': {
      // The same neutral settled (final window) keeps what the bends have shown since it was taken.
      const same = state.calibration.status === 'calibrated' && state.calibration.start === event.start ? state.calibration : null;
      return { ...next, calibration: { status: 'calibrated', start: event.start, end: event.end, ...(same?.axisFoundT !== undefined ? { axisFoundT: same.axisFoundT } : {}) } };
    }
    case 'bend-axis':
      if (state.calibration.status !== 'calibrated') return next;
      return { ...next, calibration: { ...state.calibration, axisFoundT: event.t } };
    case 'calibration-warning':
      // A warning after a good calibration is kept as a warning; before one, it explains why none happened.
      if (state.calibration.status === 'calibrated') {
        return { ...next, warnings: [...state.warnings, { t: event.t, kind: 'calibration', message: event.message, ...(event.recalibrate ? { recalibrate: true as const } : {}) }] };
      }
      return { ...next, calibration: { status: 'problem', message: event.message } };
    case 'calibration-bend':
      return { ...next, calibrationBends: [...state.calibrationBends, event.bend] };
    case 'rep-started':
      return { ...next, currentRep: event.index, phase: 'descent' };
    case 'phase':
      return { ...next, currentRep: event.phase === 'standing' ? null : event.index, phase: event.phase };
    case 'alert': {
      const alert: AlertItem = {
        t: event.t,
        repIndex: event.index,
        fault: event.fault,
        message: event.message,
        values: event.values,
      };
      return { ...next, alerts: [alert, ...state.alerts].slice(0, MAX_ALERTS) };
    }
    case 'rep-completed': {
      // Replace a rep with the same index (a resend after reconnecting) instead of counting it twice.
      const reps = state.reps.filter((r) => r.index !== event.rep.index);
      reps.push(event.rep);
      reps.sort((a, b) => a.index - b.index);
      return { ...next, reps, currentRep: null, phase: 'standing' };
    }
    case 'set-completed': {
      const sets = state.sets.filter((s) => s.index !== event.set.index);
      sets.push(event.set);
      sets.sort((a, b) => a.index - b.index);
      return { ...next, sets };
    }
    case 'annotation':
      return { ...next, annotations: [...state.annotations, { t: event.t, text: event.text }] };
    case 'warning':
      return { ...next, warnings: [...state.warnings, { t: event.t, kind: 'analysis', message: event.message }] };
    default:
      // An event type this dashboard does not know yet (the analysis may add some): keep the state.
      return state;
  }
}

export function applyAnalysisEvents(state: LiveSessionState, events: readonly AnalysisEvent[]): LiveSessionState {
  return events.reduce(applyAnalysisEvent, state);
}

/** Reps without faults over all reps, or null before the first rep. */
export function cleanRepShare(reps: readonly RepReport[]): number | null {
  if (reps.length === 0) return null;
  return reps.filter((r) => r.faults.length === 0).length / reps.length;
}
