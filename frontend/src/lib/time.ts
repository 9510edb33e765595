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
