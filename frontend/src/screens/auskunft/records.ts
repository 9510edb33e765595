// What a data-subject request found, as the screen lists and erases it.

import type { PersonalData, PersonQuery } from '../../lib/api/privacy';

/** The ids an erasure may name: visits and appointments (inbox entries and print jobs go with them). */
export function erasableIds(d: PersonalData): string[] {
  return [...d.visits.map((v) => v.id), ...d.appointments.map((a) => a.id)];
}

/** Records found, all kinds together. */
export function recordCount(d: PersonalData): number {
  return d.visits.length + d.appointments.length + d.inbox.length + d.print_jobs.length;
}

/** Whether the query names anyone (the server refuses an empty one). */
export function hasQuery(q: PersonQuery): boolean {
  return [q.name, q.birth_date, q.email, q.phone].some((v) => (v ?? '').trim() !== '');
}

/** The selection after a new answer: only ids still found stay selected. */
export function keepSelected(selected: readonly string[], d: PersonalData): string[] {
  const found = new Set(erasableIds(d));
  return selected.filter((id) => found.has(id));
}
