import { describe, expect, it } from 'vitest';
import type { AnalysisEvent, RepReport } from '@hinge/protocol';
import { INITIAL_SESSION_STATE, MAX_ALERTS, applyAnalysisEvent, applyAnalysisEvents, cleanRepShare } from './sessionState';

function rep(index: number, faults: RepReport['faults'] = []): RepReport {
  return {
    index,
    start: index * 5,
    bottom: index * 5 + 1.5,
    end: index * 5 + 3,
    peakTrunkDeg: 60,
    peakPelvisDeg: 50,
    peakLumbarDeg: 10,
    hipShare: 0.83,
    descentS: 1.5,
    ascentS: 1.5,
    faults,
  };
}

describe('applyAnalysisEvent', () => {
  it('follows a rep from start through phases to completion', () => {
    const events: AnalysisEvent[] = [
      { type: 'calibrated', t: 2.4, start: 0.2, end: 2.4, final: false },
      { type: 'rep-started', t: 5, index: 1 },
      { type: 'phase', t: 6.5, index: 1, phase: 'bottom' },
      { type: 'phase', t: 6.8, index: 1, phase: 'ascent' },
    ];
    const during = applyAnalysisEvents(INITIAL_SESSION_STATE, events);
    expect(during.calibration).toEqual({ status: 'calibrated', start: 0.2, end: 2.4 });
    expect(during.currentRep).toBe(1);
    expect(during.phase).toBe('ascent');
    expect(during.reps).toHaveLength(0);

    const after = applyAnalysisEvent(during, { type: 'rep-completed', t: 8, rep: rep(1) });
    expect(after.reps.map((r) => r.index)).toEqual([1]);
    expect(after.currentRep).toBeNull();
    expect(after.phase).toBe('standing');
    expect(after.lastEventT).toBe(8);
  });

  it('counts a rep sent twice (after a reconnect) once', () => {
    const state = applyAnalysisEvents(INITIAL_SESSION_STATE, [
      { type: 'rep-completed', t: 8, rep: rep(2) },
      { type: 'rep-completed', t: 3, rep: rep(1) },
      { type: 'rep-completed', t: 8, rep: rep(2) },
    ]);
    expect(state.reps.map((r) => r.index)).toEqual([1, 2]);
  });

  it('keeps alerts newest first and caps them', () => {
    let state = INITIAL_SESSION_STATE;
    for (let i = 1; i <= MAX_ALERTS + 5; i++) {
      state = applyAnalysisEvent(state, {
        type: 'alert',
        t: i,
        index: i,
        fault: 'lumbar-rounding',
        message: `rounded ${i}`,
        values: { peakLumbarDeg: 30 + i },
      });
    }
    expect(state.alerts).toHaveLength(MAX_ALERTS);
    expect(state.alerts[0]).toMatchObject({ repIndex: MAX_ALERTS + 5, values: { peakLumbarDeg: 35 + MAX_ALERTS } });
  });

  it('explains a failed calibration and keeps later warnings apart', () => {
    const failed = applyAnalysisEvent(INITIAL_SESSION_STATE, { type: 'calibration-warning', t: 3, message: 'moved while standing still' });
    expect(failed.calibration).toEqual({ status: 'problem', message: 'moved while standing still' });
    const ok = applyAnalysisEvents(failed, [
      { type: 'calibrated', t: 6, start: 4, end: 6, final: false },
      { type: 'calibration-warning', t: 7, message: 'bends were too shallow to find the axis' },
    ]);
    expect(ok.calibration.status).toBe('calibrated');
    expect(ok.warnings).toEqual([{ t: 7, kind: 'calibration', message: 'bends were too shallow to find the axis' }]);
    const stale = applyAnalysisEvent(ok, { type: 'calibration-warning', t: 90, message: 'the thoracic sensor has moved', recalibrate: true });
    expect(stale.warnings[1]).toEqual({ t: 90, kind: 'calibration', message: 'the thoracic sensor has moved', recalibrate: true });
  });

  it('keeps the clinician notes in order, rebuilt the same from a snapshot', () => {
    const events: AnalysisEvent[] = [
      { type: 'annotation', t: 3.2, text: 'pain 4/10' },
      { type: 'rep-completed', t: 5, rep: rep(1) },
      { type: 'annotation', t: 9.5, text: 'asks for a break' },
    ];
    const state = applyAnalysisEvents(INITIAL_SESSION_STATE, events);
    expect(state.annotations).toEqual([
      { t: 3.2, text: 'pain 4/10' },
      { t: 9.5, text: 'asks for a break' },
    ]);
    expect(state.reps).toHaveLength(1);
  });

  it('keeps the state for an event type it does not know', () => {
    const unknown = { type: 'posture-score', t: 3, score: 0.9 } as unknown as AnalysisEvent;
    expect(applyAnalysisEvent(INITIAL_SESSION_STATE, unknown)).toBe(INITIAL_SESSION_STATE);
  });

  it('does not change the state it was given', () => {
    const before = structuredClone(INITIAL_SESSION_STATE);
    applyAnalysisEvent(INITIAL_SESSION_STATE, { type: 'rep-completed', t: 1, rep: rep(1) });
    expect(INITIAL_SESSION_STATE).toEqual(before);
  });
});

describe('cleanRepShare', () => {
  it('is the share of reps without faults', () => {
    expect(cleanRepShare([])).toBeNull();
    expect(cleanRepShare([rep(1), rep(2, ['too-fast']), rep(3), rep(4, ['lumbar-rounding', 'too-fast'])])).toBe(0.5);
  });

  it('records when the bends have shown the flexion axis, and forgets it at a new calibration', () => {
    const calibrated = applyAnalysisEvent(INITIAL_SESSION_STATE, { type: 'calibrated', t: 2, start: 0.5, end: 2, final: false });
    const withAxis = applyAnalysisEvent(calibrated, { type: 'bend-axis', t: 6.5 });
    expect(withAxis.calibration).toEqual({ status: 'calibrated', start: 0.5, end: 2, axisFoundT: 6.5 });
    const recalibrated = applyAnalysisEvent(withAxis, { type: 'calibrated', t: 30, start: 28, end: 30, final: false });
    expect(recalibrated.calibration).toEqual({ status: 'calibrated', start: 28, end: 30 });
    expect(applyAnalysisEvent(INITIAL_SESSION_STATE, { type: 'bend-axis', t: 1 }).calibration).toEqual({ status: 'waiting' });
  });

  it('keeps the calibration bends apart from the reps (they count in no total)', () => {
    const bend = { start: 4, bottom: 5.5, end: 7, peakTrunkDeg: 55, peakLumbarDeg: 12 };
    const state = applyAnalysisEvent(INITIAL_SESSION_STATE, { type: 'calibration-bend', t: 7.5, bend });
    expect(state.calibrationBends).toEqual([bend]);
    expect(state.reps).toEqual([]);
  });
});
