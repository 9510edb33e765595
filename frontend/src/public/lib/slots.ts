// Slots as the citizen sees them: grouped by their Berlin calendar day, the
// earliest regular one first, day tickets apart. Pure: no DOM, no fetch.
import type { Slot } from '../api';
import { berlinDay, formatTime, TIME_ZONE } from '../../lib/time';

/** Slots by Berlin day (YYYY-MM-DD), each day's slots in start order. */
export function groupByDay(slots: Slot[]): Map<string, Slot[]> {
  const days = new Map<string, Slot[]>();
  const sorted = [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const s of sorted) {
    const day = berlinDay(new Date(s.start));
    const list = days.get(day);
    if (list) list.push(s);
    else days.set(day, [s]);
  }
  return days;
}

/** The earliest slot that is not a day ticket; null when there is none. */
export function earliestRegular(slots: Slot[]): Slot | null {
  let best: Slot | null = null;
  for (const s of slots) {
    if (s.day_ticket) continue;
    if (!best || Date.parse(s.start) < Date.parse(best.start)) best = s;
  }
  return best;
}

/** The day tickets among the slots, earliest first. */
export function dayTickets(slots: Slot[]): Slot[] {
  return slots.filter((s) => s.day_ticket).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

const weekdayDayMonth = new Intl.DateTimeFormat('de-DE', {
  timeZone: TIME_ZONE,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
});

const weekdayDayMonthYear = new Intl.DateTimeFormat('de-DE', {
  timeZone: TIME_ZONE,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

/** "Dienstag, 8. Dezember, 09:30 Uhr" (the year only when it is not this year's). */
export function formatStart(start: string, now: Date = new Date()): string {
  const d = new Date(start);
  const sameYear = berlinDay(d).slice(0, 4) === berlinDay(now).slice(0, 4);
  const day = (sameYear ? weekdayDayMonth : weekdayDayMonthYear).format(d);
  return `${day}, ${formatTime(d)} Uhr`;
}

/** "Dienstag, 8. Dezember 2026" for a YYYY-MM-DD day. */
export function formatDayLong(day: string): string {
  return weekdayDayMonthYear.format(new Date(`${day}T12:00:00Z`));
}

/** "09:30–09:50 Uhr" */
export function formatRange(start: string, end: string): string {
  return `${formatTime(start)}–${formatTime(end)} Uhr`;
}
