// Number, unit, date and duration formatting shared by every view, localised through Intl with the UI
// language (i18n/index.ts). A missing or non-finite number shows as "–".
import i18next from 'i18next';
import { currentLocale } from '../i18n';

const DASH = '–';

function number(value: number, digits: number): string {
  return new Intl.NumberFormat(currentLocale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** `{peakLumbarDeg: 31.24, limitDeg: 20}` -> "peak lumbar 31.2°, limit 20.0°". Units come from the name's suffix. */
export function formatValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${words(name)} ${formatWithUnit(name, value)}`)
    .join(', ');
}

function words(name: string): string {
  const stem = name.replace(/(Deg|S|M|Pct)$/, '');
  const fallback = stem.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return i18next.isInitialized ? i18next.t(`value.${stem}`, { defaultValue: fallback }) : fallback;
}

function formatWithUnit(name: string, value: number): string {
  if (!Number.isFinite(value)) return DASH;
  if (name.endsWith('Deg')) return deg(value);
  if (name.endsWith('S')) return seconds(value);
  if (name.endsWith('M')) return `${number(value * 100, 1)} cm`;
  if (name.endsWith('Pct')) return `${number(value, 0)} %`;
  return number(value, 2);
}

export function deg(value: number | null | undefined, digits = 1): string {
  return value == null || !Number.isFinite(value) ? DASH : `${number(value, digits)}°`;
}

/** A value with its uncertainty (one standard deviation): "31.2° ± 1.8°"; without one, just the value. */
export function degPlusMinus(value: number | null | undefined, sigma: number | null | undefined): string {
  if (value == null || !Number.isFinite(value) || sigma == null || !Number.isFinite(sigma)) return deg(value);
  return `${deg(value)} ± ${deg(sigma)}`;
}

export function seconds(value: number | null | undefined, digits = 2): string {
  return value == null || !Number.isFinite(value) ? DASH : `${number(value, digits)} s`;
}

export function percent(share: number | null | undefined): string {
  return share == null || !Number.isFinite(share) ? DASH : `${number(Math.round(share * 100), 0)} %`;
}

/** An ISO time in the browser's time zone, date and minutes ("4 Dec 2026, 17:05"). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** An ISO time's local calendar date ("4 Dec 2026"). */
export function dateOnly(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? DASH : new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium' }).format(date);
}

/** 754 s -> "12:34" (minutes:seconds), an hour or more "1:02:03". */
export function duration(durationS: number | null | undefined): string {
  if (durationS == null || !Number.isFinite(durationS) || durationS < 0) return DASH;
  const total = Math.round(durationS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
