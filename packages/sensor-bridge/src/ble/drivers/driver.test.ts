import { describe, expect, it } from 'vitest';
import type { DecodeProblem } from '../decoders/types';
import { guarded, nearest } from './driver';

describe('driver helpers', () => {
  it('guarded: an exception in a notification handler becomes a reported problem, not a crash', () => {
    const problems: DecodeProblem[] = [];
    const handler = guarded({ readings: () => {}, problem: (p) => problems.push(p) }, () => {
      throw new Error('boom');
    });
    expect(() => handler(Uint8Array.from([0xab, 0xcd]))).not.toThrow();
    expect(problems).toEqual([{ kind: 'malformed', reason: 'packet abcd could not be handled: boom' }]);
  });

  it('nearest picks the closest supported value', () => {
    expect(nearest([10, 20, 50, 100], 60)).toBe(50);
    expect(nearest([2, 4, 8, 16], 100)).toBe(16);
  });
});
