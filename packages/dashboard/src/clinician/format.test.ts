import { describe, expect, it } from 'vitest';
import { deg, formatValues, percent, seconds } from './format';

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
  });
});
