import { describe, expect, it } from 'vitest';
import type { WarningItem } from '../live/sessionState';
import { calibrationOutcome } from './calibrationOutcome';

describe('calibrationOutcome', () => {
  const earlier = { status: 'calibrated', start: 0.5, end: 2.5 } as const;

  it('waits while only an older calibration exists', () => {
    expect(calibrationOutcome(30, earlier, [])).toEqual({ state: 'waiting' });
  });
  it('is done once a neutral ends after the request', () => {
    expect(calibrationOutcome(30, { status: 'calibrated', start: 31, end: 32.5 }, [])).toEqual({ state: 'done', start: 31, end: 32.5 });
  });
  it('fails with the analysis message when a warning follows the request', () => {
    const warnings: WarningItem[] = [
      { t: 12, kind: 'calibration', message: 'calibration looks stale' },
      { t: 35, kind: 'analysis', message: 'thoracic sensor: 0.4 s without data' },
      { t: 40, kind: 'calibration', message: 'calibration requested at 30.0 s was not possible: the patient did not stand still' },
    ];
    expect(calibrationOutcome(30, earlier, warnings)).toEqual({
      state: 'failed',
      message: 'calibration requested at 30.0 s was not possible: the patient did not stand still',
    });
  });
  it('fails when no calibration was ever possible', () => {
    expect(calibrationOutcome(1, { status: 'problem', message: 'not calibrated yet' }, [])).toEqual({ state: 'failed', message: 'not calibrated yet' });
  });
});
