// Languages: i18next holds the resources (en.ts is the reference, de.ts follows it), react-i18next
// re-renders on a change. The choice is remembered in localStorage; without one the browser's
// preferred languages decide, falling back to English. docs/dashboard.md says how to add a language.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { de } from './de';
import { en } from './en';

export const LANGUAGES = { en: 'English', de: 'Deutsch' } as const;
export type Language = keyof typeof LANGUAGES;

const STORAGE_KEY = 'hinge.language';

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/** The stored choice, else the first of the browser's languages we have, else English. */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function initI18n(): typeof i18next {
  const language = typeof window === 'undefined' ? 'en' : pickLanguage(storage()?.getItem(STORAGE_KEY) ?? null, navigator.languages ?? []);
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, de: { translation: de } },
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnObjects: true,
    initAsync: false,
  });
  if (typeof document !== 'undefined') document.documentElement.lang = language;
  return i18next;
}

export function setLanguage(language: Language): void {
  storage()?.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

/**
 * The BCP 47 tag numbers and dates are formatted with: the browser's own tag when it is in the UI
 * language (en-GB gets 24-hour times and day-month dates, de-AT its own), else the UI language;
 * English when i18n is not set up (unit tests).
 */
export function currentLocale(): string {
  const language = i18next.resolvedLanguage ?? i18next.language ?? 'en';
  return localeFor(language, typeof navigator === 'undefined' ? [] : (navigator.languages ?? []));
}

export function localeFor(language: string, preferred: readonly string[]): string {
  return preferred.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}
