import { describe, expect, it } from 'vitest';
import { describeMode, feedbackOn, nearMarginDeg, zoneOf } from './feedback';

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
  it('describes each mode in words', () => {
    expect(describeMode({ kind: 'every-nth', n: 2 })).toBe('Feedback on every 2nd rep');
    expect(describeMode({ kind: 'every-nth', n: 11 })).toBe('Feedback on every 11th rep');
  });
});
