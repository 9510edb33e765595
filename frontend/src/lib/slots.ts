// Free slots laid out as the week view shows them: Monday to Sunday, each
// slot under its Berlin calendar day (whatever the browser's zone), with the
// day's opening from GET /api/calendar. Pure presentation: which slots are
// free is the server's answer.

import type { CalendarDay, Slot } from './api';
import { addDays, berlinDay, instant } from './time';

/** One column of the week view. */
export interface WeekColumn {
  day: string;
  slots: Slot[];
  /** Closed all day (weekend, holiday, exception). */
  closed: boolean;
  /** Why, when the calendar says ("Fronleichnam"); "" otherwise. */
  reason: string;
  /** Before `today`: nothing can be booked there any more. */
  past: boolean;
}

/** The Berlin day a slot starts on. */
export function slotDay(s: Slot): string {
  return berlinDay(new Date(s.start));
}

/**
 * The seven columns of the week starting on `monday`, every slot of that
 * week in its day, earliest first. Slots outside the week are left out.
 */
export function weekColumns(
  monday: string,
  slots: readonly Slot[],
  calendar: readonly CalendarDay[] = [],
  today = '',
): WeekColumn[] {
  const byDay = new Map<string, Slot[]>();
  for (const s of slots) {
    const d = slotDay(s);
    const list = byDay.get(d);
    if (list) list.push(s);
    else byDay.set(d, [s]);
  }
  const cal = new Map(calendar.map((c) => [c.day, c]));
  return Array.from({ length: 7 }, (_, i) => {
    const day = addDays(monday, i);
    const c = cal.get(day);
    const daySlots = (byDay.get(day) ?? []).sort((a, b) => instant(a.start) - instant(b.start));
    return {
      day,
      slots: daySlots,
      closed: c ? c.closed || (c.openings ?? []).length === 0 : false,
      reason: c?.closed ? (c.reason ?? '') : '',
      past: today !== '' && day < today,
    };
  });
}

/** The earliest slot of a list (the server sends them earliest first; this does not rely on it). */
export function earliest(slots: readonly Slot[]): Slot | undefined {
  let best: Slot | undefined;
  for (const s of slots) if (!best || instant(s.start) < instant(best.start)) best = s;
  return best;
}
