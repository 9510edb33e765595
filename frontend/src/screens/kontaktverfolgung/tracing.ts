// How a stay's times read in the tracing table: "09:14" and "10:02" on the
// index person's day; a stay that begins or ends on another day shows that
// day too ("17.11. 18:30").

import { berlinDay, formatTime } from '../../lib/time';

function at(t: string, day: string): string {
  if (!t) return '';
  const d = berlinDay(new Date(t));
  if (d === day) return formatTime(t);
  const [, m, dd] = d.split('-');
  return `${dd}.${m}. ${formatTime(t)}`;
}

/** The from and to of a stay; day is the day it is read against (default: the day it began). */
export function stayTimes(s: { from: string; to: string }, day?: string): { from: string; to: string } {
  const ref = day ?? (s.from ? berlinDay(new Date(s.from)) : '');
  return { from: at(s.from, ref), to: at(s.to, ref) };
}
