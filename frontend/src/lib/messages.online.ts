// The German texts of Verwaltung → E-Mail & Online-Termine (the mail site
// and its SMTP server, the outbox, a building's rules for online bookings):
// kept beside messages.ts so that file does not grow past a screenful of
// screens.

/** "Standort a" / "Standorte a und b" / "Standorte a, b und c" */
function sites(names: readonly string[]): string {
  if (names.length === 1) return `Standort ${names[0]}`;
  return `Standorte ${names.slice(0, -1).join(', ')} und ${names[names.length - 1]}`;
}

export const online = {
  title: 'E-Mail & Online-Termine',
  intro:
    'Wer online bucht, bekommt E-Mails: die Bitte, die Buchung zu bestätigen, die Bestätigung, Verlegungen, Absagen und auf Wunsch eine Erinnerung. Ein Standort verschickt sie für alle Standorte.',

  // ---- E-Mail-Versand ----
  mailTitle: 'E-Mail-Versand',
  notConfigured: 'E-Mail ist noch nicht eingerichtet. Die E-Mails warten im Postausgang, bis ein Standort den Versand übernimmt.',
  sendsHere: 'Dieser Standort versendet',
  sendsVia: (site: string) => `Versand über Standort ${site}`,
  awaiting: (names: readonly string[]) =>
    names.length === 0 ? 'wartet auf die Übergabe' : `wartet auf Übergabe von ${sites(names)}`,
  awaitingHint:
    'Bis der bisherige Standort den Versand übergeben hat, geht keine E-Mail hinaus: So wird keine doppelt verschickt. Das geschieht von selbst, sobald er erreichbar ist.',
  server: (server: string) => `SMTP-Server: ${server}`,

  smtpServer: 'SMTP-Server',
  smtpServerHint: 'Rechnername und Port, z. B. mail.stadt.example:587',
  from: 'Absender',
  fromHint: 'Von dieser Adresse kommen die E-Mails, z. B. termine@stadt.example',
  username: 'Benutzername',
  usernameHint: 'Leer: ohne Anmeldung am SMTP-Server',
  optional: 'optional',
  password: 'Passwort',
  passwordHint: 'Wird nur an diesem Standort gespeichert und nie angezeigt.',
  passwordKept: 'gespeichert – leer lassen, um es zu behalten',
  passwordKeptHint: 'Ein Passwort ist an diesem Standort gespeichert. Leer lassen, um es zu behalten; ein neues ersetzt es.',
  removePassword: 'Gespeichertes Passwort entfernen',
  starttls: 'Verschlüsselt senden (STARTTLS)',
  starttlsHint: 'Ohne Verschlüsselung nur an einen SMTP-Server auf diesem Rechner (localhost).',
  /** Shown above the save button: saving hands the sending over to this site. */
  takeOver: (here: string) =>
    `Beim Speichern wird dieser Standort (${here}) zum versendenden Standort: Er verschickt dann die E-Mails aller Standorte.`,
  takeOverFrom: (here: string, from: string) =>
    `Beim Speichern wird dieser Standort (${here}) zum versendenden Standort: Er übernimmt den Versand von Standort ${from} und verschickt dann die E-Mails aller Standorte.`,
  takeOverSame: (here: string) => `Dieser Standort (${here}) versendet schon; beim Speichern gelten die neuen Angaben.`,
  passwordElsewhere:
    'Das Passwort eines anderen Standorts wird nicht übertragen: Verlangt der SMTP-Server eine Anmeldung, bitte das Passwort hier eingeben.',
  saveMail: 'Speichern',
  saving: 'Wird gespeichert …',
  savedHere: 'Gespeichert. Dieser Standort versendet jetzt die E-Mails.',
  savedWaiting: (names: readonly string[]) =>
    `Gespeichert. Dieser Standort versendet, sobald ${names.length === 0 ? 'die Übergabe abgeschlossen ist' : `${sites(names)} den Versand übergeben hat`}.`,

  /** Field errors of the mail form, clearer than the server's generic ones. */
  mailErrors: {
    smtp_server: 'Bitte den SMTP-Server als Rechnername:Port angeben, z. B. mail.stadt.example:587 (Port 1 bis 65535).',
    from: 'Bitte eine gültige E-Mail-Adresse als Absender angeben, z. B. termine@stadt.example.',
    starttls:
      'Ohne STARTTLS gingen Passwort und E-Mails unverschlüsselt durchs Netz: Das geht nur mit einem SMTP-Server auf diesem Rechner (localhost). Bitte STARTTLS einschalten.',
  } as Record<string, string>,

  // ---- Postausgang ----
  outboxTitle: 'Postausgang',
  outboxIntro: 'Die zuletzt eingereihten E-Mails (höchstens 100), ohne Namen und Adressen.',
  counts: {
    queued: 'Wartend',
    failed: 'Fehlgeschlagen',
    sent: 'Versendet',
    dropped: 'Verworfen',
  },
  filter: 'Anzeigen',
  filterAll: 'Alle',
  refresh: 'Aktualisieren',
  refreshing: 'Wird geladen …',
  outboxEmpty: 'Keine E-Mails.',
  outboxEmptyFilter: 'Keine E-Mails mit diesem Status.',
  colQueued: 'Eingereiht',
  colKind: 'Art',
  colBuilding: 'Gebäude',
  colStatus: 'Status',
  colAttempts: 'Fehlversuche',
  colNote: 'Letzter Fehler',
  kinds: {
    confirm_request: 'Bitte um Bestätigung',
    confirmation: 'Bestätigung',
    moved: 'Verlegung',
    cancelled: 'Absage',
    reminder: 'Erinnerung',
  } as Record<string, string>,
  unknownKind: (kind: string) => `Sonstige (${kind})`,
  status: {
    queued: 'wartend',
    failed: 'fehlgeschlagen',
    sent: 'versendet',
    dropped: 'verworfen',
  } as Record<string, string>,
  dropped: {
    purged: 'Daten gelöscht oder keine E-Mail-Adresse',
    obsolete: 'überholt: der Termin hat sich geändert oder ist vorbei',
  } as Record<string, string>,
  sentBy: (when: string, site: string) => `${when}, Standort ${site}`,
  nextAttempt: (when: string) => `nächster Versuch ${when}`,
  /** The no-break space keeps "08:05 Uhr" together when a narrow column breaks the line. */
  stamp: (day: string, time: string) => `${day}, ${time}\u00a0Uhr`,
  caption: (shown: number) => (shown === 1 ? '1 E-Mail' : `${shown} E-Mails`),

  // ---- Online-Termine ----
  rulesTitle: 'Online-Termine',
  rulesIntro: 'Regeln für Buchungen über die Bürgerseiten, je Gebäude.',
  building: 'Gebäude',
  confirmMinutes: 'Bestätigungsfrist (Minuten)',
  confirmMinutesHint: (min: number, max: number, def: number) =>
    `So lange hält eine online gebuchte, noch nicht bestätigte Buchung ihren Termin frei. ${min} bis ${max} Minuten (24 Stunden), Standard ${def}.`,
  maxActive: 'Aktive Termine je E-Mail-Adresse',
  maxActiveHint: (min: number, max: number, def: number) =>
    `So viele anstehende Online-Termine darf eine E-Mail-Adresse zugleich haben. ${min} bis ${max}, Standard ${def}.`,
  reminder: 'Erinnerung am Vortag',
  reminderHint: 'Am Morgen vor dem Termin (gegen 7 Uhr) geht eine Erinnerung per E-Mail hinaus.',
  privacyNotice: 'Datenschutzhinweis',
  privacyNoticeHint: (max: string) =>
    `Wird vor der Online-Buchung angezeigt, mit den Zeilenumbrüchen wie hier eingegeben. Höchstens ${max} Zeichen.`,
  privacyCount: (n: string, max: string) => `${n} von ${max} Zeichen`,
  saveRules: 'Regeln speichern',
  savedRules: (building: string) => `Gespeichert: Die Regeln gelten ab sofort für ${building}.`,
  noBuildings: 'Es gibt kein Gebäude, für das Sie diese Regeln ändern dürfen.',
  numberMissing: 'Bitte eine ganze Zahl eingeben.',

  /** Field errors of the rules form. */
  ruleErrors: {
    confirm_minutes: (min: number, max: number) => `Die Bestätigungsfrist muss zwischen ${min} und ${max} Minuten liegen.`,
    max_active_per_email: (min: number, max: number) => `Bitte eine ganze Zahl von ${min} bis ${max} angeben.`,
  },

  /** The German names of the fields, for the server's messages that name a field. */
  labels: {
    smtp_server: 'SMTP-Server',
    from: 'Absender',
    username: 'Benutzername',
    password: 'Passwort',
    starttls: 'STARTTLS',
    confirm_minutes: 'Bestätigungsfrist',
    max_active_per_email: 'Aktive Termine je E-Mail-Adresse',
    reminder_day_before: 'Erinnerung am Vortag',
    privacy_notice: 'Datenschutzhinweis',
  } as Record<string, string>,
};
