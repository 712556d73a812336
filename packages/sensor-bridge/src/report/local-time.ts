// Dates as the clinic reads them: in the bridge's local time zone (the station is at the clinic), or
// the one given. Never cut from an ISO string, which is UTC.

/** The bridge's own IANA time zone (from the system, or TZ). */
export function bridgeTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "2026-01-05 10:00": a sortable, language-neutral local date and time (default: the bridge's zone); "undated" for an invalid date. */
export function localDateTime(date: Date, timeZone: string = bridgeTimeZone()): string {
  if (Number.isNaN(date.getTime())) return 'undated';
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** "2026-01-05": the local date (default: the bridge's zone). */
export function localDate(date: Date, timeZone: string = bridgeTimeZone()): string {
  return Number.isNaN(date.getTime()) ? 'undated' : localDateTime(date, timeZone).slice(0, 10);
}
