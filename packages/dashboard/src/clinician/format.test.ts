import i18next from 'i18next';
import { afterAll, describe, expect, it } from 'vitest';
import { dateTime, deg, duration, formatValues, percent, seconds } from './format';
import { initI18n } from '../i18n';

describe('format', () => {
  it('names values and gives them the unit of their suffix', () => {
    expect(formatValues({ peakLumbarDeg: 31.24, limitDeg: 20 })).toBe('peak lumbar 31.2°, limit 20.0°');
    expect(formatValues({ descentS: 0.6, tempoMinS: 1 })).toBe('descent 0.60 s, tempo min 1.00 s');
    expect(formatValues({ sacrumDropM: 0.123, hipShare: 0.4 })).toBe('sacrum drop 12.3 cm, hip share 0.40');
  });
  it('shows a dash for missing numbers', () => {
    expect(deg(null)).toBe('–');
    expect(seconds(undefined)).toBe('–');
    expect(percent(Number.NaN)).toBe('–');
    expect(percent(0.876)).toBe('88 %');
    expect(dateTime('not a date')).toBe('–');
  });
  it('gives durations as minutes:seconds', () => {
    expect(duration(754)).toBe('12:34');
    expect(duration(3723)).toBe('1:02:03');
    expect(duration(null)).toBe('–');
  });
  describe('in German', () => {
    afterAll(() => void i18next.changeLanguage('en'));
    it('uses decimal commas and German value names', async () => {
      initI18n();
      await i18next.changeLanguage('de');
      expect(deg(31.24)).toBe('31,2°');
      expect(formatValues({ peakLumbarDeg: 31.24 })).toBe('Lende maximal 31,2°');
      expect(dateTime('2026-12-04T23:30:00Z')).toMatch(/2026/);
    });
  });
});
