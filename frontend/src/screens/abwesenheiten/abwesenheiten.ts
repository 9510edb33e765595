// The rules of the Abwesenheiten screen, kept out of the component so they
// can be tested: what reason is sent, which absences are still to come,
// whether the preview shown belongs to the inputs, and the totals in one
// sentence. The server checks the input again (engine.DateRange).

import type { AbsencePreview, AbsenceMove, AbsenceRange } from '../../lib/api/absences';
import { absences as t } from '../../lib/messages.absences';
import { berlinDay, formatDay, formatSlot, formatTime } from '../../lib/time';

/** The form as typed. */
export interface AbsenceDraft {
  counter: string;
  from: string;
  to: string;
  /** One of t.reasons. */
  choice: string;
  /** The text for "Sonstiges". */
  other: string;
}

/** The reason sent: the choice, or for "Sonstiges" the text typed (if any). */
export function reasonOf(d: AbsenceDraft): string {
  const other = d.other.trim();
  return d.choice === 'Sonstiges' && other ? other : d.choice;
}

/** The body of the preview and the save. */
export function rangeOf(d: AbsenceDraft): AbsenceRange {
  return { from: d.from, to: d.to && d.to !== d.from ? d.to : '', reason: reasonOf(d) };
}

/** Identifies exactly these inputs: saving needs a preview of the same key. */
export function draftKey(d: AbsenceDraft): string {
  const r = rangeOf(d);
  return JSON.stringify([d.counter, r.from, r.to || r.from, r.reason]);
}

/** The absences that have not ended before today, earliest first. */
export function upcoming(list: readonly AbsenceRange[] | undefined, today: string): AbsenceRange[] {
  return (list ?? [])
    .filter((a) => (a.to || a.from) >= today)
    .sort((a, b) => a.from.localeCompare(b.from) || (a.to || a.from).localeCompare(b.to || b.from));
}

/** "25.11.2026" or "25.11.2026 – 27.11.2026". */
export function rangeText(a: { from: string; to?: string }): string {
  return t.range(formatDay(a.from), formatDay(a.to || a.from));
}

/** The totals in one sentence, as the screen shows them above the table. */
export function summary(p: Pick<AbsencePreview, 'moves' | 'unplaced' | 'emails' | 'calls' | 'unreachable' | 'others'>): string {
  const own = p.moves + p.unplaced;
  const parts: string[] = [];
  if (own > 0) {
    const first = [t.moves(p.moves)];
    if (p.unplaced > 0) first.push(t.unplaced(p.unplaced));
    const second: string[] = [];
    for (const [n, f] of [
      [p.emails, t.emails],
      [p.calls, t.calls],
      [p.unreachable ?? 0, t.unreachables],
    ] as const) {
      if (n > 0) second.push(f(n, second.length === 0));
    }
    parts.push(`${first.join(', ')}${second.length ? `; ${second.join(', ')}` : ''}.`);
  }
  if ((p.others ?? 0) > 0) parts.push(t.others(p.others));
  return parts.length ? parts.join(' ') : t.none;
}

/** The new-time cell: where the booking goes, or why nowhere. */
export function newTimeText(m: AbsenceMove): string {
  if (m.moved_by) return t.movedBy(m.moved_by);
  if (!m.moves_to) return t.noReplacement;
  // The same day: the time says it; another day needs the date.
  const sameDay = berlinDay(new Date(m.moves_to)) === berlinDay(new Date(m.start));
  const when = sameDay ? t.clock(formatTime(m.moves_to)) : formatSlot(m.moves_to);
  if (m.same_time) return `${when} (${t.sameTime(m.moves_to_counter ?? '')})`;
  return m.moves_to_counter ? `${when} (${t.at(m.moves_to_counter)})` : when;
}

/** The notification cell. */
export function notifyText(m: AbsenceMove): string {
  switch (m.notify) {
    case 'email':
      return t.email(m.citizen.email);
    case 'phone':
      return t.phone(m.citizen.phone);
    default:
      return t.unreachable;
  }
}
