import { describe, expect, it } from 'vitest';
import { painGuidance } from './painGuidance';

describe('painGuidance', () => {
  it('states the 1-5 range and warns above it', () => {
    expect(painGuidance(null)).toEqual({ tone: 'ok', text: 'The hip hinge suits pain levels 1 to 5.' });
    expect(painGuidance(5).tone).toBe('ok');
    expect(painGuidance(6)).toMatchObject({ tone: 'warn' });
    expect(painGuidance(6).text).toContain('above 5');
  });
});
