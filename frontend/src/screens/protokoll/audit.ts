// The audit log's filters and how an entry reads.

/** What a route did, in words ("GET /api/contact-tracing" → "Kontaktverfolgung"). */
const routeNames: Record<string, string> = {
  'GET /api/contact-tracing': 'Kontaktverfolgung',
  'GET /api/contact-tracing.pdf': 'Kontaktverfolgung (PDF)',
  'GET /api/contact-tracing.csv': 'Kontaktverfolgung (CSV)',
  'GET /api/personal-data': 'Auskunft',
  'GET /api/personal-data.pdf': 'Auskunft (PDF)',
  'POST /api/personal-data/erase': 'Löschung auf Antrag',
  'PUT /api/buildings/{id}/retention': 'Aufbewahrungsfristen',
  'POST /api/retention/run': 'Löschlauf',
  'POST /api/holds': 'Sperrvermerk gesetzt',
  'POST /api/holds/{id}/lift': 'Sperrvermerk aufgehoben',
  'GET /api/visits': 'Besucherliste',
  'GET /api/visits/present': 'Anwesende',
  'GET /api/visits/stream': 'Besucherliste (laufend)',
  'GET /api/visits/host': 'Meine Besuche',
  'GET /api/visits/recent': 'Frühere Besuche',
  'GET /api/visits/{id}': 'Besuch',
  'GET /api/appointments': 'Terminliste',
  'GET /api/appointments/{id}': 'Termin',
  'GET /api/inbox': 'Posteingang',
  'GET /api/audit': 'Zugriffsprotokoll',
  'POST /api/session': 'Anmeldung',
  'POST /api/session/unlock': 'Entsperren',
  'GET /api/print/evacuation.pdf': 'Evakuierungsliste',
  'GET /api/print/badge/{file}': 'Besucherausweis',
  'GET /api/print/slip/{file}': 'Terminbestätigung',
  'GET /api/print/daily-sheet.pdf': 'Tagesblatt',
  'GET /api/print/attendance.pdf': 'Anwesenheitsliste',
  'POST /api/print/jobs': 'Druckauftrag',
  'POST /api/accounts': 'Benutzer angelegt',
  'PUT /api/accounts/{id}': 'Benutzer geändert',
  'POST /api/devices': 'Gerät angelegt',
  'POST /api/devices/{id}/revoke': 'Gerät gesperrt',
  'POST /api/devices/pair': 'Gerät gekoppelt',
};

export function routeLabel(route: string): string {
  return routeNames[route] ?? route;
}

const stamp = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** "05.12.2026, 09:14:27" in Berlin: the log is read to the second. "" for an unset time. */
export function formatAt(t: string): string {
  const d = new Date(t);
  return t && !Number.isNaN(d.getTime()) ? stamp.format(d) : '';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks a day range as the filter takes it: both ends optional, days as
 * YYYY-MM-DD, the end not before the beginning. Answers which end is wrong
 * and how, or null.
 */
export function rangeProblem(from: string, to: string): { field: 'from' | 'to'; problem: 'format' | 'order' } | null {
  if (from && !DAY.test(from)) return { field: 'from', problem: 'format' };
  if (to && !DAY.test(to)) return { field: 'to', problem: 'format' };
  if (from && to && to < from) return { field: 'to', problem: 'order' };
  return null;
}
