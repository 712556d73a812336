import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';
import { initI18n, localeFor, pickLanguage } from './index';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('languages', () => {
  it('German has every English key, and none empty', () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
    const empty = keys(de).filter((k) => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], de) === '');
    expect(empty).toEqual([]);
    expect(de.patient.cues).toHaveLength(en.patient.cues.length);
  });
  it('keeps the interpolation names of each English string', () => {
    const names = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const key of keys(en)) {
      const get = (root: unknown) => key.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], root);
      const english = get(en);
      if (typeof english === 'string') expect(names(get(de) as string), key).toEqual(names(english));
    }
  });
  it('formats with the browser’s regional tag when it is in the UI language', () => {
    expect(localeFor('en', ['de-DE', 'en-GB'])).toBe('en-GB');
    expect(localeFor('de', ['en-GB'])).toBe('de');
  });
  it('takes the stored choice, else the first browser language it has, else English', () => {
    expect(pickLanguage('de', ['en-US'])).toBe('de');
    expect(pickLanguage(null, ['fr-FR', 'de-AT'])).toBe('de');
    expect(pickLanguage('xx', ['fr'])).toBe('en');
  });
});

describe('i18next with our resources', () => {
  it('gives English ordinals and German plurals', async () => {
    const i18n = initI18n();
    await i18n.changeLanguage('en');
    expect(i18n.t('patient.mode.everyNth', { count: 2, ordinal: true })).toBe('Feedback on every 2nd rep');
    expect(i18n.t('patient.mode.everyNth', { count: 11, ordinal: true })).toBe('Feedback on every 11th rep');
    expect(i18n.t('patient.mode.everyNth', { count: 3, ordinal: true })).toBe('Feedback on every 3rd rep');
    expect(i18n.t('live.repUnit', { count: 1 })).toBe('rep');
    await i18n.changeLanguage('de');
    expect(i18n.t('patient.mode.everyNth', { count: 2, ordinal: true })).toBe('Rückmeldung bei jeder 2. Wiederholung');
    expect(i18n.t('live.repUnit', { count: 3 })).toBe('Wiederholungen');
    await i18n.changeLanguage('en');
  });
});
