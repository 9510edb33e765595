// The German texts of Verwaltung → Abwesenheiten (a counter's absences, the
// preview of the bookings they move): kept beside messages.ts so that file
// does not grow past a screenful of screens.

/** "1 Termin" / "3 Termine" */
const termine = (n: number) => (n === 1 ? '1 Termin' : `${n} Termine`);

export const absences = {
  routes: { abwesenheiten: 'Abwesenheiten' },
  title: 'Abwesenheiten',
  intro:
    'Ist ein Schalter an bestimmten Tagen nicht besetzt, verlegt Pforte seine Termine: zur selben Zeit an einen anderen Schalter, sonst auf den nächsten freien Termin. Die Vorschau zeigt vorher, wen es trifft und wer benachrichtigt werden muss.',
  building: 'Gebäude',
  counter: 'Schalter',
  noCounters: 'In diesem Gebäude gibt es keinen Schalter.',
  current: 'Eingetragene Abwesenheiten',
  noneCurrent: 'Keine aktuellen oder künftigen Abwesenheiten.',
  range: (from: string, to: string) => (from === to ? from : `${from} – ${to}`),
  remove: 'Entfernen',
  removeOf: (range: string) => `Abwesenheit ${range} entfernen`,
  removing: 'Wird entfernt …',
  cancel: 'Abbrechen',
  removeConfirm: (range: string) =>
    `Abwesenheit ${range} entfernen? Termine, die deswegen schon verlegt wurden, bleiben verlegt.`,
  removed: 'Abwesenheit entfernt. Bereits verlegte Termine bleiben verlegt.',
  removeNote: 'Eine versehentlich eingetragene Abwesenheit kann entfernt werden; bereits verlegte Termine bleiben verlegt.',

  newTitle: 'Neue Abwesenheit',
  from: 'Von',
  to: 'Bis',
  toHint: 'leer: nur ein Tag',
  reason: 'Grund',
  reasons: ['Krankheit', 'Urlaub', 'Fortbildung', 'Sonstiges'] as const,
  other: 'Anderer Grund',
  otherHint: 'Bitte keine Gesundheitsangaben: Der Grund steht im Posteingang und in jeder Kopie der Daten.',
  fromMissing: 'Bitte den ersten Tag angeben.',
  preview: 'Vorschau',
  previewing: 'Wird berechnet …',
  save: 'Abwesenheit speichern',
  saving: 'Wird gespeichert …',
  saveHint: 'Erst nach der Vorschau für genau diese Angaben.',
  stale: 'Die Angaben haben sich geändert: Bitte die Vorschau erneut anzeigen.',

  previewTitle: (counter: string, range: string) => `Vorschau: ${counter}, ${range}`,
  none: 'Keine Termine betroffen: An diesen Tagen hat der Schalter keine Buchungen, die verlegt werden müssten.',
  colTime: 'Termin',
  colCode: 'Code',
  colName: 'Name',
  colServices: 'Anliegen',
  colNew: 'Neuer Termin',
  colNotify: 'Benachrichtigung',
  noReplacement: 'kein Ersatz gefunden',
  sameTime: (counter: string) => (counter ? `gleiche Zeit, ${counter}` : 'gleiche Zeit'),
  at: (counter: string) => counter,
  clock: (hhmm: string) => `${hhmm} Uhr`,
  movedBy: (site: string) => `verlegt Standort ${site}`,
  email: (address: string) => `E-Mail an ${address}`,
  phone: (number: string) => `Anruf: ${number}`,
  unreachable: 'nicht erreichbar',

  /** The first clause of the totals. */
  moves: (n: number) => (n === 0 ? 'Kein Termin wird verlegt' : n === 1 ? '1 Termin wird verlegt' : `${n} Termine werden verlegt`),
  unplaced: (n: number) => (n === 1 ? '1 findet keinen Ersatz' : `${n} finden keinen Ersatz`),
  /** The second clause: the first part names the citizens, the others count on. */
  emails: (n: number, first: boolean) =>
    first
      ? n === 1
        ? '1 Bürgerin oder Bürger bekommt eine E-Mail'
        : `${n} Bürgerinnen und Bürger bekommen eine E-Mail`
      : n === 1
        ? '1 bekommt eine E-Mail'
        : `${n} bekommen eine E-Mail`,
  calls: (n: number, first: boolean) =>
    first
      ? n === 1
        ? '1 Bürgerin oder Bürger muss angerufen werden'
        : `${n} Bürgerinnen und Bürger müssen angerufen werden`
      : n === 1
        ? '1 muss angerufen werden'
        : `${n} müssen angerufen werden`,
  unreachables: (n: number, first: boolean) =>
    first
      ? n === 1
        ? '1 Bürgerin oder Bürger ist nicht erreichbar'
        : `${n} Bürgerinnen und Bürger sind nicht erreichbar`
      : n === 1
        ? '1 ist nicht erreichbar'
        : `${n} sind nicht erreichbar`,
  others: (n: number) =>
    `${termine(n)} ${n === 1 ? 'verlegt der Standort' : 'verlegen die Standorte'}, ${n === 1 ? 'der ihn' : 'die sie'} gebucht ${n === 1 ? 'hat' : 'haben'}.`,

  saved: (counter: string, range: string) => `Abwesenheit gespeichert: ${counter}, ${range}. Die Termine sind verlegt.`,
  toInbox: 'Zum Posteingang',
  toInboxHint: 'Dort stehen die Bürgerinnen und Bürger, die benachrichtigt werden müssen.',
  inboxOthers: 'Die Leitung sieht im Posteingang, wer benachrichtigt werden muss.',
};
