import { describe, expect, it } from 'vitest';
import type { SessionState } from '@hinge/protocol';
import { anglesColumns, cleanTrend, courseOf, flagsOf, progressPoints } from './progress';

function stored(id: string, createdAt: string, summary: SessionState['summary']): SessionState {
  return {
    id, patientId: 'p', label: '', exercise: 'hip-hinge', status: summary ? 'stopped' : 'live',
    settings: { painLevel: 2, load: 'none', lumbarLimitDeg: 20, tempoMinS: 1, targetReps: 10, targetSets: 3 },
    source: null, capabilities: [], createdAt, startedAt: null, endedAt: null, t: 0, calibration: null,
    activeSet: null, sets: [], repCount: 4, setRepCount: 0, summary, warnings: [], station: null,
  };
}

const summary = (repCount: number, cleanReps: number, peakLumbarDegMax: number, hipShareMean: number) => ({
  repCount, cleanReps, faultCounts: { 'lumbar-rounding': 0, 'knee-dominant': 0, 'too-fast': 0 },
  peakTrunkDegMax: 70, peakLumbarDegMax, peakLumbarDegMean: peakLumbarDegMax - 5, hipShareMean, descentSMean: 1.5, ascentSMean: 1.5,
});

describe('progressPoints', () => {
  it('orders sessions by date and computes the clean-rep share', () => {
    const points = progressPoints([
      stored('b', '2026-03-08T10:00:00Z', summary(10, 9, 12, 0.85)),
      stored('a', '2026-03-01T10:00:00Z', summary(8, 4, 28, 0.6)),
      stored('c', '2026-03-15T10:00:00Z', null),
    ]);
    expect(points.map((p) => p.sessionId)).toEqual(['a', 'b', 'c']);
    expect(points[0]).toMatchObject({ cleanShare: 0.5, peakLumbarDegMax: 28, hipShareMean: 0.6, date: '2026-03-01T10:00:00Z' });
    expect(points[1]!.cleanShare).toBeCloseTo(0.9);
    expect(points[2]).toMatchObject({ cleanShare: null, peakLumbarDegMax: null, repCount: 4 });
  });
  it('has no clean share for a session without reps', () => {
    expect(progressPoints([stored('a', '2026-01-01', summary(0, 0, 0, 0))])[0]!.cleanShare).toBeNull();
  });
});

describe('anglesColumns', () => {
  it('turns the angle series into chart columns, null as gaps', () => {
    const series = { t: [0, 0.01, 0.02], pelvisDeg: [2, 2.5, 5], trunkDeg: [3, null, 9], lumbarDeg: [1, null, 4] };
    expect(anglesColumns(series)).toEqual({ columns: [[0, 0.01, 0.02], [2, 2.5, 5], [3, null, 9], [1, null, 4]], skippedRows: 0 });
  });
  it('leaves out samples whose time is not usable and counts them', () => {
    const series = { t: [0, Number.NaN, 2, 1, 3], pelvisDeg: [1, 1, 1, 1, 1], trunkDeg: [1, 1, 1, 1, 1], lumbarDeg: [0, 0, 0, 0, 0] };
    expect(anglesColumns(series)).toMatchObject({ columns: [[0, 2, 3], [1, 1, 1], [1, 1, 1], [0, 0, 0]], skippedRows: 2 });
  });
});

describe('course, trend and flags', () => {
  const withPain = (s: SessionState, painLevel: number | null, painAfter: number | null, load: SessionState['settings']['load'] = 'none'): SessionState => ({
    ...s,
    settings: { ...s.settings, painLevel, load },
    painAfter,
  });
  const a = withPain(stored('a', '2026-03-01T10:00:00Z', summary(8, 4, 28, 0.6)), 3, 3);
  const b = withPain(stored('b', '2026-03-08T10:00:00Z', summary(10, 9, 12, 0.85)), 2, 4, 'dowel');

  it('names the settings that changed since the session before', () => {
    const points = progressPoints([a, b]);
    expect(points[0]!.changed).toEqual([]);
    expect(points[1]!.changed).toEqual([{ key: 'load', from: 'none', to: 'dowel' }]);
  });
  it('gives the progression rule the finished sessions, and the trend of the clean-rep share', () => {
    const points = progressPoints([a, b, stored('c', '2026-03-15T10:00:00Z', null)]);
    expect(courseOf(points).map((c) => [c.load, c.painBefore, c.painAfter])).toEqual([['none', 3, 3], ['dowel', 2, 4]]);
    expect(cleanTrend(points)).toBe('better');
    expect(cleanTrend(points.slice(0, 1))).toBe('none');
  });
  it('flags rising pain, pain above 5, a peak over the limit and a missing pain report', () => {
    const [first, second] = progressPoints([a, b]);
    expect(flagsOf(first)).toEqual([{ kind: 'overLimit', peak: 28, limit: 20 }]);
    expect(flagsOf(second)).toEqual([{ kind: 'painUp', before: 2, after: 4 }]);
    expect(flagsOf(progressPoints([withPain(a, 6, null)])[0]).map((f) => f.kind)).toEqual(['highPain', 'overLimit', 'noPainReport']);
  });
});
