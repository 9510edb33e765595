// The month calendar's pure parts: which days a month shows, and where the
// focus goes on a key (the date-grid pattern of the WAI-ARIA practices).
import { addDays, weekdayOf } from '../../lib/time';

/** "2026-12" for a YYYY-MM-DD day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** The first day of the month after (n = 1) or before (n = -1) a "YYYY-MM" month. */
export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const total = y * 12 + (m - 1) + n;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}

export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The weeks (Monday first) of a "YYYY-MM" month: each a row of 7 cells, a
 * YYYY-MM-DD day or null for the cells before the 1st and after the last.
 */
export function monthWeeks(month: string): (string | null)[][] {
  const first = `${month}-01`;
  const n = daysInMonth(month);
  const cells: (string | null)[] = Array(weekdayOf(first) - 1).fill(null);
  for (let i = 0; i < n; i++) cells.push(addDays(first, i));
  while (cells.length % 7) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** The same day of the month n months away, clamped to that month's last day. */
function sameDayInMonth(day: string, n: number): string {
  const month = shiftMonth(monthOf(day), n);
  const d = Math.min(Number(day.slice(8, 10)), daysInMonth(month));
  return `${month}-${String(d).padStart(2, '0')}`;
}

/**
 * The day the focus moves to from `day` on `key`, kept within [min, max];
 * null when the key is not one the grid handles.
 * Arrows: a day or a week; Home/End: the week's Monday/Sunday;
 * PageUp/PageDown: a month (with Shift: a year).
 */
export function moveFocus(day: string, key: string, min: string, max: string, shift = false): string | null {
  let next: string;
  switch (key) {
    case 'ArrowLeft':
      next = addDays(day, -1);
      break;
    case 'ArrowRight':
      next = addDays(day, 1);
      break;
    case 'ArrowUp':
      next = addDays(day, -7);
      break;
    case 'ArrowDown':
      next = addDays(day, 7);
      break;
    case 'Home':
      next = addDays(day, 1 - weekdayOf(day));
      break;
    case 'End':
      next = addDays(day, 7 - weekdayOf(day));
      break;
    case 'PageUp':
      next = sameDayInMonth(day, shift ? -12 : -1);
      break;
    case 'PageDown':
      next = sameDayInMonth(day, shift ? 12 : 1);
      break;
    default:
      return null;
  }
  if (next < min) return min;
  if (next > max) return max;
  return next;
}
