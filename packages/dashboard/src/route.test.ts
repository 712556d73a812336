import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './route';

describe('parseRoute', () => {
  it('maps hashes to views', () => {
    expect(parseRoute('')).toEqual({ view: 'clinician' });
    expect(parseRoute('#/')).toEqual({ view: 'clinician' });
    expect(parseRoute('#/session/abc')).toEqual({ view: 'session', sessionId: 'abc' });
    expect(parseRoute('#/patient/abc?token=t')).toEqual({ view: 'patient', sessionId: 'abc' });
    expect(parseRoute('#/review')).toEqual({ view: 'review' });
    expect(parseRoute('#/review/patient/p%201')).toEqual({ view: 'review-patient', patientId: 'p 1' });
    expect(parseRoute('#/review/session/s1')).toEqual({ view: 'review-session', sessionId: 's1' });
  });
  it('does not guess at unknown or malformed hashes', () => {
    expect(parseRoute('#/patient')).toEqual({ view: 'not-found', hash: '#/patient' });
    expect(parseRoute('#/session/a/b')).toMatchObject({ view: 'not-found' });
    expect(parseRoute('#/patient/%E0%A4%A')).toEqual({ view: 'patient', sessionId: '%E0%A4%A' });
  });
  it('round-trips through routeHash', () => {
    for (const hash of ['#/', '#/session/x%2Fy', '#/patient/s', '#/review', '#/review/patient/p', '#/review/session/s']) {
      const route = parseRoute(hash);
      if (route.view === 'not-found') throw new Error(hash);
      expect(routeHash(route)).toBe(hash);
    }
  });
});
