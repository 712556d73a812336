import { describe, expect, it } from 'vitest';
import { painGuidance } from './painGuidance';

describe('painGuidance', () => {
  it('states the 1-5 range and warns above it', () => {
    expect(painGuidance(null)).toEqual({ tone: 'ok', key: 'pain.unknown' });
    expect(painGuidance(0).key).toBe('pain.none');
    expect(painGuidance(5)).toEqual({ tone: 'ok', key: 'pain.ok' });
    expect(painGuidance(6)).toEqual({ tone: 'warn', key: 'pain.high' });
  });
});
