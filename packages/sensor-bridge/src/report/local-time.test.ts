import { describe, expect, it } from 'vitest';
import { localDate, localDateTime } from './local-time';

describe('local dates', () => {
  it('are the clinic zone\'s date and time, not UTC', () => {
    // 23:30 UTC on 31 Dec is already the new year in Berlin, and still the old day in New York.
    const date = new Date('2026-12-31T23:30:00Z');
    expect(localDateTime(date, 'Europe/Berlin')).toBe('2027-01-01 00:30');
    expect(localDateTime(date, 'America/New_York')).toBe('2026-12-31 18:30');
    expect(localDate(date, 'Europe/Berlin')).toBe('2027-01-01');
    expect(localDateTime(new Date('2026-07-01T00:05:00Z'), 'UTC')).toBe('2026-07-01 00:05');
    expect(localDateTime(new Date('not a date'))).toBe('undated');
    expect(localDate(new Date('not a date'))).toBe('undated');
  });
});
