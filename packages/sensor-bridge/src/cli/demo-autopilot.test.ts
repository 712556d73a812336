import { describe, expect, it } from 'vitest';
import type { SessionState } from '@hinge/protocol';
import { AUTOPILOT, autopilotAction, type AutopilotState } from './demo-autopilot';

const state = (over: Partial<SessionState>): SessionState =>
  ({ status: 'live', t: 0, activeSet: null, sets: [], settings: { targetSets: 2 }, ...over }) as SessionState;
const set = (index: number, start: number, end: number | null) => ({ index, start, end, repCount: 10, summary: null });

describe('demo autopilot', () => {
  it('calibrates, starts each set after a rest, never interrupts a set, ends after the last', () => {
    const pilot: AutopilotState = { calibrateRequestedT: null };
    expect(autopilotAction(pilot, state({ t: AUTOPILOT.calibrateAtS - 0.1 }))).toBeNull();
    expect(autopilotAction(pilot, state({ t: AUTOPILOT.calibrateAtS }))).toBe('calibrate');
    pilot.calibrateRequestedT = 3;
    expect(autopilotAction(pilot, state({ t: 3 + AUTOPILOT.firstSetAfterS - 0.1 }))).toBeNull();
    expect(autopilotAction(pilot, state({ t: 3 + AUTOPILOT.firstSetAfterS }))).toBe('start-set');
    expect(autopilotAction(pilot, state({ t: 100, activeSet: 1, sets: [set(1, 40, null)] }))).toBeNull();
    expect(autopilotAction(pilot, state({ t: 80 + AUTOPILOT.restS - 0.1, sets: [set(1, 40, 80)] }))).toBeNull();
    expect(autopilotAction(pilot, state({ t: 80 + AUTOPILOT.restS, sets: [set(1, 40, 80)] }))).toBe('start-set');
    const both = [set(1, 40, 80), set(2, 110, 150)];
    expect(autopilotAction(pilot, state({ t: 150 + AUTOPILOT.endAfterS - 0.1, sets: both }))).toBeNull();
    expect(autopilotAction(pilot, state({ t: 150 + AUTOPILOT.endAfterS, sets: both }))).toBe('end-session');
    expect(autopilotAction(pilot, state({ t: 500, status: 'stopped', sets: both }))).toBeNull();
  });
});
