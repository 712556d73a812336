import { describe, expect, it } from 'vitest';
import { progressionAdvice, type CourseSession } from './progression-advice';

const good: CourseSession = {
  load: 'none',
  repCount: 10,
  cleanShare: 0.9,
  peakLumbarDegMean: 10,
  lumbarLimitDeg: 20,
  descentSMean: 1.6,
  tempoMinS: 1,
  painBefore: 3,
  painAfter: 3,
};

const failing = (advice: ReturnType<typeof progressionAdvice>) => advice?.reasons.filter((r) => !r.ok).map((r) => r.check);

describe('progressionAdvice', () => {
  it('has nothing to say without sessions', () => {
    expect(progressionAdvice([])).toBeNull();
  });

  it('steps up after two good sessions at the same load', () => {
    const advice = progressionAdvice([good, good]);
    expect(advice).toMatchObject({ action: 'up', from: 'none', to: 'dowel' });
    expect(failing(advice)).toEqual([]);
  });

  it('waits for the second session at a new load', () => {
    const advice = progressionAdvice([good, good, { ...good, load: 'dowel' }]);
    expect(advice).toMatchObject({ action: 'stay', from: 'dowel', to: 'dowel' });
    expect(failing(advice)).toEqual(['sessions-at-load']);
  });

  it('stays when either of the recent sessions missed a movement check, naming it with its number', () => {
    const advice = progressionAdvice([{ ...good, cleanShare: 0.6 }, good]);
    expect(advice?.action).toBe('stay');
    expect(advice?.reasons.find((r) => r.check === 'clean-share')).toEqual({ check: 'clean-share', ok: false, value: 0.6, threshold: 0.8 });
    expect(failing(progressionAdvice([good, { ...good, peakLumbarDegMean: 17 }]))).toEqual(['peak-lumbar']);
    expect(failing(progressionAdvice([good, { ...good, descentSMean: 0.7 }]))).toEqual(['tempo']);
    expect(failing(progressionAdvice([good, { ...good, repCount: 3 }]))).toEqual(['reps']);
  });

  it('steps back one load when pain rose by 2 points or more, and only looks at pain then', () => {
    const advice = progressionAdvice([{ ...good, load: 'band' }, { ...good, load: 'band', painBefore: 2, painAfter: 4 }]);
    expect(advice).toMatchObject({ action: 'down', from: 'band', to: 'dowel' });
    expect(failing(advice)).toEqual(['pain-rise']);
    // A rise of one point is within the scale's noise: no step back.
    expect(progressionAdvice([good, { ...good, painBefore: 2, painAfter: 3 }])?.action).toBe('up');
  });

  it('steps back when pain is above 5, and cannot go below no load', () => {
    expect(progressionAdvice([{ ...good, load: 'weights', painBefore: 6 }])).toMatchObject({ action: 'down', to: 'band' });
    expect(progressionAdvice([{ ...good, painAfter: 7 }])).toMatchObject({ action: 'stay', from: 'none', to: 'none' });
  });

  it('never steps up past weights', () => {
    expect(progressionAdvice([{ ...good, load: 'weights' }, { ...good, load: 'weights' }])).toMatchObject({ action: 'stay', to: 'weights' });
  });

  it('treats a missing pain report as no pain signal, and missing figures as not passed', () => {
    expect(progressionAdvice([good, { ...good, painBefore: null, painAfter: null }])?.action).toBe('up');
    expect(failing(progressionAdvice([good, { ...good, cleanShare: null }]))).toEqual(['clean-share']);
  });
});
