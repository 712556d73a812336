import { describe, expect, it } from 'vitest';
import { restState } from './rest';

const settings = { targetSets: 3 } as never;
const set = (index: number, start: number, end: number | null) => ({ index, start, end, summary: null }) as never;

describe('restState', () => {
  it('is null while a set runs or before the first set', () => {
    expect(restState({ activeSet: 1, sets: [set(1, 0, null)], settings, t: 5, status: 'live' })).toBeNull();
    expect(restState({ activeSet: null, sets: [], settings, t: 5, status: 'live' })).toBeNull();
  });
  it('counts the rest from the last set’s end', () => {
    expect(restState({ activeSet: null, sets: [set(1, 0, 40)], settings, t: 52.5, status: 'live' })).toEqual({ kind: 'rest', elapsedS: 12.5, nextSet: 2 });
  });
  it('is done after the last target set or once the session ended', () => {
    expect(restState({ activeSet: null, sets: [set(1, 0, 10), set(2, 20, 30), set(3, 40, 50)], settings, t: 60, status: 'live' })).toEqual({ kind: 'done' });
    expect(restState({ activeSet: null, sets: [set(1, 0, 10)], settings, t: 60, status: 'stopped' })).toEqual({ kind: 'done' });
  });
});
