import { describe, expect, it } from 'vitest';
import { setOfRep } from './setOfRep';

describe('setOfRep', () => {
  const sets = [
    { index: 1, start: 10, end: 60 },
    { index: 2, start: 90, end: null },
  ];
  it('finds the set whose time span holds the rep start, an open set running on', () => {
    expect(setOfRep(sets, 10)).toBe(1);
    expect(setOfRep(sets, 60)).toBe(1);
    expect(setOfRep(sets, 500)).toBe(2);
  });
  it('has no set for reps outside every set', () => {
    expect(setOfRep(sets, 5)).toBeNull();
    expect(setOfRep(sets, 75)).toBeNull();
    expect(setOfRep([], 5)).toBeNull();
  });
});
