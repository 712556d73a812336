import { describe, expect, it } from 'vitest';
import { dateXs, labelledIndices } from './chartLayout';

const day = 86_400_000;

describe('chart layout', () => {
  it('places points by date, not by session number', () => {
    expect(dateXs([0, day, 10 * day], 0, 100)).toEqual([0, 10, 100]);
    expect(dateXs([5 * day], 0, 100)).toEqual([50]);
  });
  it('labels points at least the gap apart, always the latest', () => {
    expect(labelledIndices([0, 10, 20, 100], 30)).toEqual([2, 3]);
    expect(labelledIndices([0, 40, 80], 30)).toEqual([0, 1, 2]);
    expect(labelledIndices([0, 1, 2, 3], 30)).toEqual([3]);
    // No two chosen labels are closer than the gap, for any spacing.
    const xs = Array.from({ length: 40 }, (_, i) => i * 7 + (i % 3));
    const chosen = labelledIndices(xs, 36).map((i) => xs[i]!);
    for (let i = 1; i < chosen.length; i++) expect(chosen[i]! - chosen[i - 1]!).toBeGreaterThanOrEqual(36);
  });
});
