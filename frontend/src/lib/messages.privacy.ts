// The German texts of the data-protection screens (Datenschutz,
// Kontaktverfolgung, Auskunft, Protokoll): kept beside messages.ts so that
// file does not grow past a screenful of screens.

import { ApiError } from './api';
import { errorMessage } from './messages';

/** The kinds of personal data the purge and an erasure count. */
const erasedKinds: Record<string, string> = {
  visits: 'Besuche',
  appointments: 'Termine',
  inbox: 'Posteingang-Einträge',
  audit: 'Protokolleinträge',
  print_jobs: 'Druckaufträge',
};

/** What the audit log's actions mean. */
const auditActions: Record<string, string> = {
  read: 'Angesehen',
  print: 'Gedruckt',
  export: 'Exportiert',
  search: 'Gesucht',
  sign_in: 'Angemeldet',
  sign_in_failed: 'Anmeldung fehlgeschlagen',
  change: 'Geändert',
  account: 'Benutzerkonto geändert',
  device: 'Gerät geändert',
  device_paired: 'Gerät gekoppelt',
  unlock_failed: 'Entsperren fehlgeschlagen',
  setup: 'Eingerichtet',
};

/** The form fields of these screens, as the server names them. */
const fieldLabels: Record<string, string> = {
  visit_days: 'Besuche',
  appointment_days: 'Termine',
  audit_days: 'Zugriffsprotokoll',
  tracing_margin_minutes: 'Zeitpuffer',
  idle_lock_minutes: 'Sperre nach',
  from: 'Von',
  to: 'Bis',
  until: 'Gilt bis',
  reason: 'Begründung',
  ids: 'Auswahl',
  name: 'Name',
  birth_date: 'Geburtsdatum',
  email: 'E-Mail',
  phone: 'Telefon',
  day: 'Tag',
  building: 'Gebäude',
  visit: 'Besuch',
  user: 'Benutzer',
  entity: 'Eintrag',
};

export const dp = {
  routes: {
    datenschutz: 'Datenschutz',
    kontaktverfolgung: 'Kontaktverfolgung',
    auskunft: 'Auskunft',
    protokoll: 'Protokoll',
  },
  forbidden: 'Dafür fehlt Ihnen die Berechtigung. Diese Seite ist dem Datenschutz und der Verwaltung vorbehalten.',
  signedOut: 'Bitte zuerst anmelden.',

  retention: {
    title: 'Aufbewahrung personenbezogener Daten',
    intro:
      'Wie lange jedes Gebäude personenbezogene Daten aufbewahrt, in Tagen nach dem Tag, zu dem sie gehören. Danach löscht Pforte sie auf allen Standorten: beim Start, jede Nacht und auf Knopfdruck.',
    visitDays: 'Besuche',
    appointmentDays: 'Termine',
    auditDays: 'Zugriffsprotokoll',
    kinds:
      'Besuche: Name, Kontakt und Anlass. Termine: Name, Geburtsdatum und Kontakt (Zeiten und Anliegen bleiben für die Statistik). Zugriffsprotokoll: wer wann was angesehen hat.',
    days: 'Tage',
    range: '1 bis 3650 Tage',
    marginLabel: 'Kontaktverfolgung: Zeitpuffer',
    minutes: 'Minuten',
    marginHint: 'Aufenthalte mit bis zu so viel Abstand zählen als gleichzeitig (0: 15 Minuten).',
    idleLabel: 'Arbeitsplätze sperren nach',
    idleHint: 'Ein Arbeitsplatz sperrt sich nach so vielen Minuten ohne Eingabe; entsperren nur mit Passwort oder PIN (0: 10 Minuten).',
    save: 'Speichern',
    saving: 'Wird gespeichert …',
    saved: 'Gespeichert.',
    unchanged: 'Keine Änderung.',
    readOnly: 'Nur lesen: Ändern dürfen Datenschutz und Verwaltung.',
    runTitle: 'Jetzt löschen',
    runIntro: 'Löscht sofort alles, dessen Aufbewahrungsfrist abgelaufen ist (sonst geschieht das jede Nacht). Gesperrte Tage bleiben.',
    run: 'Jetzt löschen',
    running: 'Wird gelöscht …',
    ranNothing: 'Nichts war abgelaufen: es wurde nichts gelöscht.',
    ran: 'Gelöscht:',
  },

  holds: {
    title: 'Sperrvermerke',
    intro:
      'Ein Sperrvermerk bewahrt die Daten eines Gebäudes an bestimmten Tagen vor der Löschung, etwa weil das Gesundheitsamt oder ein Gericht sie angefordert hat.',
    empty: 'Keine Sperrvermerke.',
    building: 'Gebäude',
    from: 'Von',
    to: 'Bis',
    days: 'Tage',
    reason: 'Begründung',
    until: 'Gilt bis',
    untilHint: 'leer: 90 Tage ab heute',
    placedBy: 'Gesetzt von',
    status: 'Stand',
    active: 'aktiv',
    lifted: 'aufgehoben',
    expired: 'abgelaufen',
    place: 'Sperrvermerk setzen',
    placing: 'Wird gesetzt …',
    placed: 'Sperrvermerk gesetzt.',
    lift: 'Aufheben',
    liftYes: 'Ja, aufheben',
    liftConfirm: 'Wirklich aufheben? Die Daten werden dann nach ihrer Frist gelöscht.',
    onlyPrivacy: 'Sperrvermerke setzen und aufheben darf nur der Datenschutz.',
    forbidden: 'Sperrvermerke sehen nur Datenschutz und Verwaltung.',
  },

  tracing: {
    title: 'Kontaktverfolgung',
    intro:
      'Wer war zur selben Zeit im Gebäude wie die Indexperson? Für das Gesundheitsamt. Jede Suche wird protokolliert.',
    name: 'Name der Indexperson',
    day: 'Tag',
    building: 'Gebäude',
    search: 'Suchen',
    searching: 'Wird gesucht …',
    ambiguous: 'Mehrere Personen dieses Namens waren an diesem Tag im Gebäude. Bitte die richtige wählen:',
    pick: 'Wählen',
    index: 'Indexperson',
    contacts: (n: number) => (n === 1 ? '1 Kontaktperson' : `${n} Kontaktpersonen`),
    noContacts: 'Niemand sonst war zur selben Zeit im Gebäude.',
    erased: (n: number) =>
      n === 1
        ? 'Ein weiterer Aufenthalt überschneidet sich, seine Daten sind aber bereits gelöscht.'
        : `${n} weitere Aufenthalte überschneiden sich, ihre Daten sind aber bereits gelöscht.`,
    margin: (min: number) => `Gleichzeitig heißt: bis ${min} Minuten Abstand.`,
    kind: 'Art',
    kinds: { visit: 'Besuch', appointment: 'Termin' } as Record<string, string>,
    colName: 'Name',
    phone: 'Telefon',
    email: 'E-Mail',
    address: 'Anschrift',
    colBuilding: 'Gebäude',
    time: 'Von – bis',
    host: 'Besuch bei / Ort',
    estimated: 'geschätzt',
    estimatedTitle: 'Kein Abmeldezeitpunkt erfasst: Ende nach der Regel geschätzt',
    pdf: 'PDF fürs Gesundheitsamt',
    csv: 'CSV (Tabelle)',
    forbidden: 'Die Kontaktverfolgung ist dem Datenschutz und der Leitung vorbehalten.',
  },

  subject: {
    title: 'Auskunft und Löschung (Art. 15 und 17 DSGVO)',
    intro:
      'Alles, was Pforte über eine Person gespeichert hat, in allen Gebäuden. Mindestens ein Feld angeben; jede Suche wird protokolliert.',
    name: 'Name',
    birthDate: 'Geburtsdatum',
    email: 'E-Mail',
    phone: 'Telefon',
    search: 'Suchen',
    searching: 'Wird gesucht …',
    needOne: 'Bitte Name, Geburtsdatum, E-Mail oder Telefon der Person angeben.',
    nothing: 'Zu diesen Angaben ist nichts gespeichert.',
    pdf: 'Auskunft als PDF',
    visits: 'Besuche',
    appointments: 'Termine',
    inbox: 'Nachrichten an die Sachbearbeitung',
    printJobs: 'Wartende Druckaufträge',
    when: 'Wann',
    building: 'Gebäude',
    details: 'Angaben',
    select: 'Auswählen',
    selectAll: 'Alle auswählen',
    host: 'bei',
    reasonLabel: 'Anlass',
    services: 'Anliegen',
    status: 'Stand',
    eraseTitle: 'Ausgewählte Einträge löschen',
    eraseReason: 'Begründung (z. B. „Löschantrag vom 03.12.2026“)',
    erase: (n: number) => (n === 0 ? 'Einträge löschen …' : n === 1 ? '1 Eintrag löschen …' : `${n} Einträge löschen …`),
    eraseNone: 'Bitte zuerst Einträge auswählen.',
    confirmTitle: 'Wirklich löschen?',
    confirmText: (n: number) =>
      `${n === 1 ? 'Der ausgewählte Eintrag wird' : `Die ${n} ausgewählten Einträge werden`} auf allen Standorten endgültig gelöscht. Das lässt sich nicht rückgängig machen.`,
    confirm: 'Endgültig löschen',
    cancel: 'Abbrechen',
    erasing: 'Wird gelöscht …',
    erased: 'Gelöscht:',
    forbidden: 'Auskunft und Löschung sind dem Datenschutz vorbehalten.',
  },

  audit: {
    title: 'Zugriffsprotokoll',
    intro: 'Wer wann welche personenbezogenen Daten angesehen, gesucht, gedruckt oder geändert hat.',
    from: 'Von',
    to: 'Bis',
    user: 'Benutzer',
    entity: 'Eintrag (Kennung)',
    show: 'Anzeigen',
    loading: 'Wird geladen …',
    empty: 'Keine Einträge für diese Auswahl.',
    count: (n: number) => (n === 1 ? '1 Eintrag' : `${n} Einträge`),
    at: 'Zeit',
    who: 'Wer',
    action: 'Aktion',
    what: 'Zugriff',
    entities: 'Einträge',
    device: 'Gerät',
    site: 'Standort',
    building: 'Gebäude',
    rangeOrder: 'Das Ende des Zeitraums muss nach dem Beginn liegen.',
    badDay: 'Tag bitte als Datum angeben.',
    forbidden: 'Das Zugriffsprotokoll sehen nur Datenschutz und Verwaltung.',
  },

  reception: {
    keptFor: (days: number) => `Die Angaben werden nach ${days} Tagen gelöscht.`,
    keptGeneric: 'Die Angaben werden nach Ablauf der Aufbewahrungsfrist gelöscht.',
    reasonPick: 'aus der Liste wählen oder frei eingeben',
    /** A visit whose personal data is erased (retention or a request). */
    erasedName: '(Daten gelöscht)',
  },
};

/** "Besuche", "Termine", … for a kind the purge or an erasure counts. */
export function erasedKindLabel(kind: string): string {
  return erasedKinds[kind] ?? kind;
}

/** "3 Besuche, 1 Termin": the non-zero counts, in a fixed order; "" when nothing. */
export function erasedSummary(counts: Record<string, number>): string {
  const order = [...Object.keys(erasedKinds), ...Object.keys(counts).filter((k) => !(k in erasedKinds)).sort()];
  return order
    .filter((k) => (counts[k] ?? 0) > 0)
    .map((k) => `${erasedKindLabel(k)}: ${counts[k]}`)
    .join(', ');
}

/** The German label of an audit action ("search" → "Gesucht"). */
export function auditActionLabel(action: string): string {
  return auditActions[action] ?? action;
}

/** The known actions, for a filter or a legend. */
export const AUDIT_ACTIONS = Object.keys(auditActions);

/** The German name of a field the server named. */
export function privacyFieldLabel(field: string): string {
  return fieldLabels[field] ?? field;
}

/**
 * The text for a failed call on these screens: 401 and 403 get the screen's
 * own sentence (who may use it), a range error on a retention field says the
 * range, everything else as messages.ts says it.
 */
export function privacyError(err: unknown, forbidden: string = dp.forbidden): string {
  if (err instanceof ApiError) {
    if (err.status === 403 && err.field !== 'building') return forbidden;
    if (err.status === 401 && err.code === 'unauthenticated') return dp.signedOut;
    if (err.code === 'invalid_field' && /_days$/.test(err.field)) {
      return `${privacyFieldLabel(err.field)}: bitte eine ganze Zahl von 1 bis 3650 Tagen angeben.`;
    }
    if (err.code === 'invalid_field' && err.field === 'tracing_margin_minutes') {
      return `${privacyFieldLabel(err.field)}: bitte eine ganze Zahl von 0 bis 240 Minuten angeben.`;
    }
    if (err.code === 'invalid_field' && err.field === 'idle_lock_minutes') {
      return `${privacyFieldLabel(err.field)}: bitte eine ganze Zahl von 0 bis 120 Minuten angeben.`;
    }
  }
  return errorMessage(err);
}
