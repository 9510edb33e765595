// Everything shown is Europe/Berlin wall-clock time, whatever the time zone
// of the machine running the browser (DESIGN.md, "Time").

export const TIME_ZONE = 'Europe/Berlin';

const clock = new Intl.DateTimeFormat('de-DE', {
  timeZone: TIME_ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

const dayParts = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const longDay = new Intl.DateTimeFormat('de-DE', {
  timeZone: TIME_ZONE,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

function parse(t: string | Date | null | undefined): Date | null {
  if (t instanceof Date) return Number.isNaN(t.getTime()) ? null : t;
  if (!t) return null;
  const d = new Date(t);
  // Go's zero time marshals as 0001-01-01T00:00:00Z: treat it as "not set".
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return null;
  return d;
}

/** "HH:MM" in Berlin; "" for an empty or invalid time. */
export function formatTime(t: string | Date | null | undefined): string {
  const d = parse(t);
  return d ? clock.format(d) : '';
}

/** The Berlin calendar day of an instant as YYYY-MM-DD (the API's day format). */
export function berlinDay(t: Date = new Date()): string {
  const parts = Object.fromEntries(dayParts.formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** "Freitag, 21. November 2025" */
export function formatLongDay(t: Date = new Date()): string {
  return longDay.format(t);
}

/** Milliseconds since the epoch for sorting; +Infinity when unset so those sort last. */
export function instant(t: string | null | undefined): number {
  const d = parse(t);
  return d ? d.getTime() : Number.POSITIVE_INFINITY;
}

const dayMonthYear = new Intl.DateTimeFormat('de-DE', {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
});

const SHORT_WEEKDAYS = ['So.', 'Mo.', 'Di.', 'Mi.', 'Do.', 'Fr.', 'Sa.'];

/** Day arithmetic on plain YYYY-MM-DD days: no time zone, no DST, just the calendar. */
function dayToUTC(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function utcToDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** "2026-11-30" + 2 → "2026-12-02". */
export function addDays(day: string, n: number): string {
  const d = dayToUTC(day);
  d.setUTCDate(d.getUTCDate() + n);
  return utcToDay(d);
}

/** 1 = Monday … 7 = Sunday, as in the opening hours. */
export function weekdayOf(day: string): number {
  return ((dayToUTC(day).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the week a day lies in. */
export function mondayOf(day: string): string {
  return addDays(day, 1 - weekdayOf(day));
}

/** "Mi." for a YYYY-MM-DD day. */
export function shortWeekday(day: string): string {
  return SHORT_WEEKDAYS[dayToUTC(day).getUTCDay()];
}

/** "18.11.2026" for a YYYY-MM-DD day. */
export function formatDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}.${m}.${y}`;
}

/** "Mi., 18.11." for a YYYY-MM-DD day: a column head of the week view. */
export function formatDayShort(day: string): string {
  const [, m, d] = day.split('-');
  return `${shortWeekday(day)}, ${d}.${m}.`;
}

/** "Mittwoch, 18. November 2026" for a YYYY-MM-DD day. */
export function formatLongDate(day: string): string {
  // Noon UTC is the same calendar day in Berlin, summer or winter.
  return formatLongDay(new Date(`${day}T12:00:00Z`));
}

/** "Mi., 18.11.2026, 08:15 Uhr": an appointment's start, in Berlin; "" when unset. */
export function formatSlot(t: string | Date | null | undefined): string {
  const d = parse(t);
  if (!d) return '';
  const day = berlinDay(d);
  return `${shortWeekday(day)}, ${dayMonthYear.format(d)}, ${clock.format(d)} Uhr`;
}

/** "Mi., 18.11.2026, 08:20–08:40 Uhr"; without an end like formatSlot. */
export function formatSlotRange(start: string, end?: string): string {
  const from = formatSlot(start);
  const to = formatTime(end);
  if (!from || !to) return from;
  return from.replace(/ Uhr$/, `–${to} Uhr`);
}
