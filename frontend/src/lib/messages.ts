// Every text the UI shows, German first. Screens take their words from here
// and never spell them inline, so wording stays consistent and an English
// table can be added beside this one later.

import { ApiError, type AppointmentStatus, type Channel, type PrintDocument, type VisitStatus } from './api';

export const de = {
  appName: 'Pforte',
  site: 'Arbeitsplatz',
  building: 'Gebäude',
  nav: 'Bereiche',
  loading: 'Wird geladen …',
  retry: 'Erneut versuchen',
  routes: {
    empfang: 'Empfang',
    termin: 'Termin buchen',
    tag: 'Tagesansicht',
    checkin: 'Check-in',
    aufruf: 'Aufrufanzeige',
    standorte: 'Standorte',
    einstellungen: 'Einstellungen',
    besuche: 'Besuche',
  },
  newTab: 'öffnet einen neuen Tab',

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
    submitHint: 'Enter: weiter, zuletzt anmelden.',
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
    rowKeys: 'Tasten auf einer Zeile: A = abgeholt · G = gegangen · ↑ ↓ nächste Zeile',
    coming: (name: string) => `${name} kommt`,
    unanswered: 'Keine Antwort seit 5 Min. – bitte anrufen',
    unansweredBanner: (n: number) =>
      n === 1
        ? '1 Besuch wartet seit über 5 Minuten ohne Antwort. Bitte den Gastgeber anrufen.'
        : `${n} Besuche warten seit über 5 Minuten ohne Antwort. Bitte die Gastgeber anrufen.`,
    afterClosing: 'noch im Haus nach Schließung',
    evacuation: 'Evakuierungsliste',
    reasonRequired: 'Grund (ohne Termin Pflicht)',
    walkInWarning: (building: string) =>
      `${building}: Einlass nur mit Termin. Ohne Termin bitte den Grund angeben.`,
    expectedTitle: 'Heute erwartet',
    expectedEmpty: 'Heute keine Termine mehr erwartet.',
    expectedTake: 'Anmelden',
    expectedHint: 'Klick übernimmt Name und Kontakt in das Formular.',
    withAppointment: (when: string, name: string) => `Mit Termin ${when} Uhr: ${name}`,
    dropAppointment: 'Ohne Termin',
    recentFound: (when: string) => `War schon einmal hier (${when}). Dieselbe Person?`,
    recentTake: 'Ja, Kontaktdaten übernehmen (Alt+Ü)',
  },

  host: {
    title: 'Meine Besuche',
    whoAmI: 'Ich bin',
    whoHint: 'Namen tippen; die Auswahl bleibt an diesem Platz gespeichert.',
    none: 'Zurzeit wartet niemand auf Sie.',
    waiting: (where: string) => `Besuch wartet am Eingang: ${where}`,
    notificationTitle: 'Besuch wartet am Eingang',
    coming: 'Ich hole ab',
    youAreComing: 'Sie holen ab – der Empfang weiß Bescheid.',
    otherComing: (name: string) => `${name} holt ab.`,
    escorted: 'abgeholt',
    since: (t: string) => `seit ${t} Uhr`,
    notifyOn: 'Desktop-Benachrichtigungen einschalten',
  },

  booking: {
    title: 'Termin buchen',
    channel: 'Kanal',
    services: 'Anliegen',
    servicesHint: 'Tippen filtert · Enter fügt hinzu · Rücktaste entfernt · höchstens 4',
    servicesPlaceholder: 'Anliegen tippen, z. B. „Ausweis“ …',
    servicesLoading: 'Anliegen werden geladen …',
    serviceNoMatch: 'Kein passendes Anliegen in diesem Gebäude',
    serviceChosen: 'schon gewählt',
    servicesKeys: '↑ ↓ wählen · Enter fügt hinzu',
    removeService: (name: string) => `${name} entfernen`,
    tooMany: 'Höchstens 4 Anliegen pro Termin. Für weitere Anliegen bitte einen zweiten Termin buchen.',
    dropped: (names: string) => `In diesem Gebäude nicht angeboten, daher entfernt: ${names}`,
    minutes: (n: number) => `${n} Min.`,
    totalMinutes: (n: number) => `zusammen ${n} Min.`,

    chooseFirst: 'Anliegen wählen – der früheste freie Termin erscheint sofort.',
    searching: 'Freie Termine werden gesucht …',
    earliestLabel: 'Frühester Termin',
    earliest: (when: string) => `Frühester Termin: ${when}`,
    takeEarliest: 'Nehmen',
    takeEarliestHint: 'Enter im leeren Anliegen-Feld nimmt den frühesten Termin.',
    noSlots: 'In den nächsten 12 Monaten ist kein Termin frei.',
    otherSlot: 'Anderen Termin wählen',
    prevWeek: '◀ Zurück',
    nextWeek: 'Vor ▶',
    weekRange: (from: string, to: string) => `${from} – ${to}`,
    closed: (reason: string) => (reason ? `geschlossen – ${reason}` : 'geschlossen'),
    past: 'vorbei',
    full: 'nichts frei',
    slotLabel: (when: string) => `Termin ${when}`,

    chosen: 'Gewählter Termin',
    noneChosen: 'Noch kein Termin gewählt',
    citizen: 'Bürgerin / Bürger',
    name: 'Name',
    birthDate: 'Geburtsdatum',
    birthDateHint: 'TT.MM.JJJJ',
    birthDateInvalid: 'Bitte das Geburtsdatum als TT.MM.JJJJ eingeben, z. B. 12.03.1980.',
    phone: 'Telefon',
    email: 'E-Mail',
    optional: 'optional',
    submit: 'Termin buchen',
    submitting: 'Wird gebucht …',
    submitHint: 'Enter bucht.',
    needServices: 'Bitte mindestens ein Anliegen wählen.',
    needSlot: 'Bitte zuerst einen Termin wählen.',
    slotTaken: 'Dieser Termin wurde soeben vergeben. Die freien Termine sind neu geladen – bitte einen anderen wählen.',

    booked: 'Termin gebucht',
    code: 'Termincode',
    when: 'Termin',
    counter: 'Schalter',
    room: 'Raum',
    documents: 'Bitte mitbringen',
    noDocuments: 'Keine Unterlagen nötig.',
    next: 'Nächsten Termin buchen',
  },

  print: {
    preview: 'Vorschau',
    print: 'Drucken',
    printing: 'Wird gedruckt …',
    retry: 'Erneut drucken',
    close: 'Meldung schließen',
    sent: (printer: string) => (printer ? `An „${printer}“ gesendet.` : 'Zum Drucker gesendet.'),
    waiting: 'Das Dokument wartet und kann erneut gedruckt werden.',
    openSettings: 'Zu den Einstellungen',
    documents: {
      slip: 'Terminzettel',
      badge: 'Besucherausweis',
      'daily-sheet': 'Tagesblatt',
      attendance: 'Anwesenheitsliste',
      evacuation: 'Evakuierungsliste',
    } satisfies Record<PrintDocument, string>,
    noPrinter: {
      slip: 'Für Terminzettel ist an diesem Arbeitsplatz kein Drucker eingestellt.',
      badge: 'Für Besucherausweise ist an diesem Arbeitsplatz kein Drucker eingestellt.',
      'daily-sheet': 'Für das Tagesblatt ist an diesem Arbeitsplatz kein A4-Drucker eingestellt.',
      attendance: 'Für die Anwesenheitsliste ist an diesem Arbeitsplatz kein A4-Drucker eingestellt.',
      evacuation: 'Für die Evakuierungsliste ist an diesem Arbeitsplatz kein A4-Drucker eingestellt.',
    } satisfies Record<PrintDocument, string>,
    noPrinterHint: {
      slip: 'Bitte in den Einstellungen einen Belegdrucker wählen.',
      badge: 'Bitte in den Einstellungen einen Belegdrucker wählen.',
      'daily-sheet': 'Bitte in den Einstellungen einen A4-Drucker wählen.',
      attendance: 'Bitte in den Einstellungen einen A4-Drucker wählen.',
      evacuation: 'Bitte in den Einstellungen einen A4-Drucker wählen.',
    } satisfies Record<PrintDocument, string>,
    dailySheet: 'Tagesblatt',
    attendance: 'Anwesenheitsliste',
    badge: 'Ausweis',
    slip: 'Terminzettel',
  },

  settings: {
    title: 'Einstellungen',
    intro: 'Diese Einstellungen gelten nur für diesen Arbeitsplatz.',
    printers: 'Drucker',
    server: 'Druckserver (CUPS)',
    serverHint: 'Rechner oder Rechner:Port; leer lassen für den Standard.',
    serverInUse: (server: string) => `In Verwendung: ${server}`,
    printersLoading: 'Drucker werden abgefragt …',
    printersFailed: 'Die Drucker können nicht abgefragt werden:',
    printersNone: 'Der Druckserver hat keine Drucker eingerichtet.',
    printersCount: (n: number) => (n === 1 ? '1 Drucker gefunden.' : `${n} Drucker gefunden.`),
    reloadPrinters: 'Drucker neu abfragen',
    slipPrinter: 'Belegdrucker',
    slipPrinterHint: 'Terminzettel und Besucherausweise',
    a4Printer: 'A4-Drucker',
    a4PrinterHint: 'Tagesblatt und Anwesenheitsliste',
    noPrinter: 'kein Drucker',
    notListed: (name: string) => `${name} (nicht in der Liste)`,
    stopped: 'angehalten',
    notAccepting: 'nimmt keine Aufträge an',
    slipFormat: 'Format der Terminzettel',
    formatA6: 'A6',
    formatReceipt: 'Bon 80 mm',
    automatic: 'Automatisch drucken',
    badgeOnRegister: 'Ausweis bei Anmeldung drucken',
    badgeOnRegisterHint: 'auf dem Belegdrucker, sobald ein Besucher angemeldet ist',
    sheetAtClose: 'Tagesblatt bei Dienstschluss drucken',
    sheetAtCloseHint: 'auf dem A4-Drucker, wenn das Gebäude schließt',
    cancelPhone: 'Telefon für Absagen',
    cancelPhoneHint: 'steht auf dem Terminzettel',
    save: 'Speichern',
    saving: 'Wird gespeichert …',
    saved: 'Gespeichert.',

    jobsTitle: 'Druckaufträge',
    jobsIntro: 'Dokumente, die kein Drucker angenommen hat. Sie werden nach vier Wochen gelöscht.',
    jobsEmpty: 'Keine Dokumente warten.',
    jobPrinter: (printer: string) => (printer ? `für „${printer}“` : 'ohne Drucker'),
    jobCreated: (when: string) => `seit ${when}`,
    jobAttempts: (n: number) => (n === 1 ? '1 Versuch' : `${n} Versuche`),
    retry: 'Erneut drucken',
    discard: 'Verwerfen',
    printed: (title: string, printer: string) => `${title}: an „${printer}“ gesendet.`,
    discarded: (title: string) => `${title} verworfen.`,
  },

  sync: {
    title: 'Standorte',
    intro: 'Abgleich der Buchungen und Anmeldungen mit den anderen Standorten. Wird alle 2 Sekunden aktualisiert.',
    thisSite: 'Dieser Standort',
    replication: 'Replikation',
    replicationOn: 'Replikation an',
    replicationOff: 'Replikation aus – dieser Standort arbeitet allein, ohne Abgleich.',
    lone: 'Noch kein anderer Standort bekannt. Sobald einer beitritt, erscheint er hier.',
    online: 'Verbunden mit den anderen Standorten.',
    offline: 'Offline: keine Verbindung zu den anderen Standorten.',
    peersTitle: 'Andere Standorte',
    colSite: 'Standort',
    colBuilding: 'Gebäude',
    colState: 'Zustand',
    colLastSync: 'Letzter Abgleich',
    colLastError: 'Letzter Fehler',
    colReceived: 'Empfangen',
    colSent: 'Gesendet',
    seed: 'unbenannt',
    noError: '–',
    vectorTitle: 'Stand je Standort',
    vectorIntro: 'Bis zu welcher Änderung dieser Standort die Daten jedes Standorts hat.',
    vectorEmpty: 'Noch keine Änderungen.',
    vectorLine: (origin: string, seq: number) => `${origin} bis Nr. ${seq}`,
    own: 'eigener Standort',
    vectorSynced: (ago: string) => `zuletzt abgeglichen ${ago}`,
    states: {
      alive: 'erreichbar',
      failed: 'ausgefallen',
      left: 'abgemeldet',
      unknown: 'unbekannt',
    },
    never: 'noch nie',
    agoSeconds: (n: number) => `vor ${n} s`,
    agoMinutes: (n: number) => `vor ${n} Min.`,
    agoHours: (n: number) => `vor ${n} Std.`,
    agoDays: (n: number) => (n === 1 ? 'vor 1 Tag' : `vor ${n} Tagen`),
    offlineBanner:
      'Offline: keine Verbindung zu den anderen Standorten. Buchungen und Anmeldungen werden gespeichert und später abgeglichen.',
    unreachableBanner: 'Keine Verbindung zum Pforte-Dienst.',
  },

  channels: {
    desk: 'Schalter',
    phone: 'Telefon',
    online: 'Online',
    branch: 'Zweigstelle',
  } satisfies Record<Channel, string>,

  dayview: {
    title: 'Tagesansicht',
    day: 'Tag',
    prevDay: 'Vortag',
    nextDay: 'Folgetag',
    today: 'Heute',
    callNext: 'Nächsten aufrufen',
    called: (ticket: string, counter: string) => `${ticket} → ${counter} aufgerufen`,
    noCounter: 'Ohne Schalter',
    empty: 'Keine Termine',
    emptyDay: 'An diesem Tag sind keine Termine gebucht.',
    noCounters: 'Für dieses Gebäude sind keine Schalter eingerichtet.',
    waiting: (n: number) => (n === 1 ? '1 wartet' : `${n} warten`),
    count: (n: number) => (n === 1 ? '1 Termin' : `${n} Termine`),
    call: 'Aufrufen',
    callAgain: 'Erneut aufrufen',
    served: 'Erledigt',
    noShow: 'Nicht erschienen',
    cancel: 'Stornieren',
    cancelAsk: 'Termin wirklich stornieren?',
    cancelYes: 'Ja, stornieren',
    cancelNo: 'Nein',
    move: 'Verschieben',
    moveTitle: (name: string, when: string) => `Termin von ${name} (${when}) verschieben`,
    moveTo: (when: string) => `Verschieben auf ${when}`,
    moveChoose: 'Neuen Termin in der Woche wählen.',
    moveClose: 'Schließen',
    moved: (when: string) => `Verschoben auf ${when}`,
    cancelled: (name: string) => `Termin von ${name} storniert`,
    checkedIn: (time: string) => `eingecheckt ${time}`,
    calledTo: (time: string, counter: string) => (counter ? `aufgerufen ${time} → ${counter}` : `aufgerufen ${time}`),
  },

  checkin: {
    welcome: 'Willkommen',
    birthPrompt: 'Bitte Geburtsdatum eingeben',
    birthHint: 'Tag, Monat und Jahr – z. B. 12 03 1980',
    codePrompt: 'Code eingeben',
    codeHint: 'Den Code finden Sie auf Ihrem Terminzettel.',
    useCode: 'Ich habe einen Code',
    useBirth: 'Mit Geburtsdatum einchecken',
    namePrompt: 'Bitte geben Sie auch Ihren Namen ein',
    nameHint: 'Heute gibt es mehrere Termine mit diesem Geburtsdatum.',
    nameMore: 'Der Name passt zu mehreren Terminen – bitte den vollständigen Namen eingeben.',
    submit: 'Einchecken',
    ok: 'OK',
    erase: 'Löschen',
    eraseLabel: 'Letztes Zeichen löschen',
    space: 'Leerzeichen',
    back: 'Zurück',
    done: 'Fertig',
    busy: 'Einen Moment bitte …',
    yourNumber: 'Ihre Nummer',
    takeSeat: 'Bitte nehmen Sie Platz – Sie werden aufgerufen.',
    yourTime: (time: string) => `Ihr Termin: ${time} Uhr`,
    notFound: 'Kein Termin heute gefunden – bitte wenden Sie sich an die Information.',
    invalidDate: 'Dieses Datum gibt es nicht. Bitte prüfen Sie die Eingabe.',
    invalidChar: (chars: string) =>
      `${chars} kommt in Codes nicht vor. Bitte prüfen Sie den Code auf Ihrem Terminzettel.`,
    codeTooShort: (n: number) => `Der Code hat ${n} Zeichen.`,
  },

  monitor: {
    title: 'Aufrufanzeige',
    current: 'Aufgerufen',
    previous: 'Zuletzt aufgerufen',
    none: 'Noch kein Aufruf heute',
    noneHint: 'Bitte nehmen Sie Platz – Ihre Nummer erscheint hier.',
    arrow: '→',
    offline: 'Verbindung unterbrochen – wird wiederhergestellt …',
    callLabel: (ticket: string, counter: string) => `${ticket} bitte zu ${counter}`,
  },

  appointmentStatus: {
    booked: 'gebucht',
    checked_in: 'eingecheckt',
    called: 'aufgerufen',
    served: 'erledigt',
    no_show: 'nicht erschienen',
    cancelled: 'storniert',
  } satisfies Record<AppointmentStatus, string>,

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
  'invalid_field:services': 'Bitte die Anliegen prüfen (1 bis 4, in diesem Gebäude angeboten).',
  'invalid_field:start': 'Bitte einen freien Termin wählen.',
  'invalid_field:citizen.name': 'Bitte den Namen angeben.',
  'invalid_field:citizen.birth_date': 'Bitte das Geburtsdatum als TT.MM.JJJJ angeben.',
  'invalid_field:citizen.phone': 'Bitte eine gültige Telefonnummer angeben.',
  'invalid_field:citizen.email': 'Bitte eine gültige E-Mail-Adresse angeben.',
  invalid_state: 'Das ist in diesem Zustand nicht mehr möglich.',
  slot_taken: 'Dieser Termin wurde soeben vergeben. Bitte einen anderen wählen.',
  nobody_waiting: 'Niemand wartet auf diesen Schalter.',
  ambiguous: 'Mehrere Termine passen – bitte auch den Namen angeben.',
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

export function appointmentStatusText(status: AppointmentStatus | string): string {
  return (de.appointmentStatus as Record<string, string>)[status] ?? status;
}
