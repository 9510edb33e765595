// The day's appointments laid out per counter, as the day view shows them
// (presentation only: the server assigns counters and decides who is next).

import type { Appointment, Counter } from '../../lib/api';
import { instant } from '../../lib/time';

export interface CounterGroup {
  /** The counter id; "" for the appointments without one. */
  id: string;
  name: string;
  counter?: Counter;
  appointments: Appointment[];
  /** Checked in and not yet called: who waits for this counter. */
  waiting: number;
}

/**
 * One group per counter, in the counters' order, each with its
 * appointments by start; appointments with no or an unknown counter come
 * last in a group of their own (only when there are any).
 */
export function groupByCounter(
  counters: readonly Counter[],
  appointments: readonly Appointment[],
  noCounterName: string,
): CounterGroup[] {
  const groups = counters.map<CounterGroup>((c) => ({ id: c.id, name: c.name, counter: c, appointments: [], waiting: 0 }));
  const byId = new Map(groups.map((g) => [g.id, g]));
  const rest: CounterGroup = { id: '', name: noCounterName, appointments: [], waiting: 0 };
  const sorted = [...appointments].sort((a, b) => instant(a.start) - instant(b.start) || a.id.localeCompare(b.id));
  for (const a of sorted) {
    const g = (a.counter && byId.get(a.counter)) || rest;
    g.appointments.push(a);
    if (a.status === 'checked_in') g.waiting++;
  }
  return rest.appointments.length > 0 ? [...groups, rest] : groups;
}

/** What may be done to an appointment in its status (the server checks again). */
export function actionsFor(a: Pick<Appointment, 'status'>): {
  call: boolean;
  served: boolean;
  noShow: boolean;
  cancel: boolean;
  move: boolean;
} {
  const s = a.status;
  return {
    call: s === 'checked_in' || s === 'called',
    served: s === 'called' || s === 'checked_in',
    noShow: s === 'booked' || s === 'checked_in' || s === 'called',
    cancel: s === 'booked' || s === 'preconfirmed',
    move: s === 'booked',
  };
}
