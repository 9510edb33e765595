// Every text the UI shows, German first. Screens take their words from here
// and never spell them inline, so wording stays consistent and an English
// table can be added beside this one later.

import { ApiError, type VisitStatus } from './api';

export const de = {
  appName: 'Pforte',
  site: 'Arbeitsplatz',
  building: 'Gebäude',
  nav: 'Bereiche',
  loading: 'Wird geladen …',
  retry: 'Erneut versuchen',
  routes: {
    empfang: 'Empfang',
  },

  reception: {
    formTitle: 'Besucher anmelden',
    name: 'Name',
    phone: 'Telefon',
    email: 'E-Mail',
    address: 'Anschrift',
    contact: 'Kontakt',
    contactHint: 'mindestens eine Angabe',
    host: 'Gastgeber',
    hostHint: 'Name oder Abteilung tippen, mit ↑ ↓ wählen, Enter übernimmt.',
    hostPlaceholder: 'Name oder Abteilung tippen …',
    hostKeys: '↑ ↓ wählen · Enter übernimmt',
    hostNoMatch: 'Kein Treffer',
    hostLoading: 'Mitarbeitende werden geladen …',
    reason: 'Anlass / Grund',
    optional: 'optional',
    submit: 'Anmelden',
    submitting: 'Wird angemeldet …',
    submitHint: 'Enter meldet an.',
    registered: (name: string, host: string) =>
      host ? `${name} angemeldet — wartet auf Abholung durch ${host}` : `${name} angemeldet`,

    presentTitle: 'Jetzt im Haus',
    presentEmpty: 'Zurzeit ist niemand angemeldet im Haus.',
    todayTitle: 'Heute',
    todayEmpty: 'Heute noch keine Besuche.',
    colName: 'Name',
    colVisitor: 'Besucher',
    hostLine: (host: string) => `bei ${host}`,
    colHost: 'Gastgeber',
    colArrived: 'Gekommen',
    colPickedUp: 'Abgeholt',
    colLeft: 'Gegangen',
    colStatus: 'Status',
    colActions: 'Aktionen',
    pickup: 'Abgeholt',
    leave: 'Gegangen',
    badge: 'Ausweis',
    newTab: 'öffnet einen neuen Tab',
  },

  status: {
    waiting: 'wartet',
    escorted: 'abgeholt',
    left: 'gegangen',
  } satisfies Record<VisitStatus, string>,
};

/**
 * Clear German messages that replace the server's text, because the desk
 * needs different advice than an API client (the host is chosen from the
 * list) or because there is no server text (no connection). Keyed
 * "code:field" first, then "code".
 */
const overrides: Record<string, string> = {
  'invalid_field:contact': 'Bitte Telefon, E-Mail oder Anschrift angeben.',
  'invalid_field:host': 'Bitte einen Gastgeber aus der Liste wählen.',
  'invalid_field:building': 'Bitte ein Gebäude wählen.',
  network: 'Keine Verbindung zum Pforte-Server. Bitte Netzwerk prüfen.',
};

/**
 * Used only when the server sent no message; otherwise its text, German
 * already and more specific, is shown.
 */
const fallbacks: Record<string, string> = {
  'invalid_field:name': 'Bitte den Namen angeben.',
  'invalid_field:phone': 'Bitte eine gültige Telefonnummer angeben.',
  'invalid_field:email': 'Bitte eine gültige E-Mail-Adresse angeben.',
  'invalid_field:address': 'Bitte eine gültige Anschrift angeben.',
  'invalid_field:reason': 'Bitte den Anlass prüfen.',
  invalid_field: 'Bitte die Eingaben prüfen.',
  invalid_state: 'Das ist in diesem Zustand nicht mehr möglich.',
  not_found: 'Nicht gefunden – vielleicht wurde der Eintrag inzwischen geändert.',
  bad_response: 'Unerwartete Antwort vom Server.',
};

const fallback = 'Das hat nicht geklappt. Bitte erneut versuchen.';

/** The German text to show for a failed call. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return fallback;
  const key = `${err.code}:${err.field}`;
  const override = overrides[key] ?? overrides[err.code];
  if (override) return override;
  if (err.message) return err.message;
  const known = fallbacks[key] ?? fallbacks[err.code];
  if (known) return known;
  if (err.status >= 500) return 'Fehler auf dem Server. Bitte erneut versuchen.';
  return fallback;
}

export function statusText(status: VisitStatus | string): string {
  return (de.status as Record<string, string>)[status] ?? status;
}
