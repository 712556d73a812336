import { describe, expect, it } from 'vitest';
import { feedbackOn, nearMarginDeg, patientDisplay, zoneOf } from './feedback';

describe('zoneOf', () => {
  it('is flat well below the limit, near within the margin, past above it', () => {
    // limit 20: margin max(3, 5) = 5, so near from above 15
    expect(zoneOf(0, 20)).toBe('flat');
    expect(zoneOf(-10, 20)).toBe('flat');
    expect(zoneOf(15, 20)).toBe('flat');
    expect(zoneOf(15.1, 20)).toBe('near');
    expect(zoneOf(20, 20)).toBe('near');
    expect(zoneOf(20.1, 20)).toBe('past');
  });
  it('keeps a margin of at least 3 degrees for small limits', () => {
    expect(nearMarginDeg(8)).toBe(3);
    expect(zoneOf(5.5, 8)).toBe('near');
    expect(zoneOf(4.9, 8)).toBe('flat');
  });
  it('has no zone without data', () => {
    expect(zoneOf(null, 20)).toBeNull();
    expect(zoneOf(Number.NaN, 20)).toBeNull();
  });
});

describe('feedbackOn', () => {
  it('always gives feedback in the default mode', () => {
    expect(feedbackOn({ kind: 'always' }, 1, 'flat')).toBe(true);
    expect(feedbackOn({ kind: 'always' }, null, null)).toBe(true);
  });
  it('gives bandwidth feedback only near or past the limit', () => {
    const mode = { kind: 'outside-band' } as const;
    expect(feedbackOn(mode, 3, 'flat')).toBe(false);
    expect(feedbackOn(mode, 3, 'near')).toBe(true);
    expect(feedbackOn(mode, 3, 'past')).toBe(true);
  });
  it('gives feedback on every Nth rep only', () => {
    const mode = { kind: 'every-nth', n: 3 } as const;
    expect([1, 2, 3, 4, 5, 6].map((i) => feedbackOn(mode, i, 'past'))).toEqual([false, false, true, false, false, true]);
    expect(feedbackOn(mode, null, 'past')).toBe(false);
  });
});

describe('patientDisplay', () => {
  const base = { lumbarDeg: 5, limitDeg: 20, currentRep: null, roundedReps: new Set<number>(), lastRep: null, mode: { kind: 'always' } } as const;

  it('is calm before the first rep', () => {
    expect(patientDisplay(base)).toEqual({ zone: null, words: 'patient.ready' });
  });
  it('follows the live angle during a rep', () => {
    expect(patientDisplay({ ...base, currentRep: 1, lumbarDeg: 5 })).toEqual({ zone: 'flat', words: 'patient.zone.flat' });
    expect(patientDisplay({ ...base, currentRep: 1, lumbarDeg: 18 })).toEqual({ zone: 'near', words: 'patient.zone.near' });
    expect(patientDisplay({ ...base, currentRep: 1, lumbarDeg: 25 })).toEqual({ zone: 'past', words: 'patient.zone.past' });
  });
  it('stays red for the rest of a rep that raised a rounding alert', () => {
    expect(patientDisplay({ ...base, currentRep: 2, lumbarDeg: 3, roundedReps: new Set([2]) }).zone).toBe('past');
  });
  it('shows how the last rep went between reps', () => {
    const clean = { index: 1, peakLumbarDeg: 8, faults: [] };
    const rounded = { index: 2, peakLumbarDeg: 31, faults: ['lumbar-rounding'] };
    expect(patientDisplay({ ...base, lastRep: clean })).toEqual({ zone: 'flat', words: 'patient.last.flat' });
    expect(patientDisplay({ ...base, lastRep: rounded })).toEqual({ zone: 'past', words: 'patient.last.past' });
  });
  it('hides feedback on the reps faded feedback leaves out', () => {
    const everyThird = { kind: 'every-nth', n: 3 } as const;
    expect(patientDisplay({ ...base, mode: everyThird, currentRep: 2, lumbarDeg: 25 }).zone).toBeNull();
    expect(patientDisplay({ ...base, mode: everyThird, currentRep: 3, lumbarDeg: 25 }).zone).toBe('past');
    const band = { kind: 'outside-band' } as const;
    expect(patientDisplay({ ...base, mode: band, currentRep: 1, lumbarDeg: 2 })).toEqual({ zone: null, words: 'patient.keepGoing' });
    expect(patientDisplay({ ...base, mode: band, currentRep: 1, lumbarDeg: 25 }).zone).toBe('past');
  });
});
