// The German texts of the enrolled sites on the Standorte screen (sites
// table, invitations, revoking, refused changes, cluster key) and the
// default home site on Kontingente: kept beside messages.ts so that file
// does not grow past a screenful of screens.

export const sites = {
  title: 'Beigetretene Standorte',
  intro: 'Welche Standorte zum Verbund gehören und mit welchem Schlüssel sie sich ausweisen (Fingerabdruck: zum Vergleichen, etwa am Telefon).',
  loadError: 'Die Standorte können nicht geladen werden:',
  colSite: 'Standort',
  colBuilding: 'Gebäude',
  colFingerprint: 'Schlüssel',
  colEnrolled: 'Beigetreten',
  colHome: 'Heimat für',
  colStatus: 'Status',
  colActions: 'Aktionen',
  root: 'Gründungsstandort',
  self: 'dieser Standort',
  by: (who: string) => `von ${who}`,
  invitedBy: (site: string) => `eingeladen von ${site}`,
  homeNone: '–',
  active: 'aktiv',
  /** from is the first change no longer accepted (last_seq + 1). */
  revoked: (from: number, reason: string) => `widerrufen ab Nr. ${from}: ${reason}`,
  revokedDetail: (lastSeq: number, when: string, by: string) =>
    `Änderungen bis Nr. ${lastSeq} bleiben gültig. Widerrufen ${when}${by ? ` von ${by}` : ''}.`,
  empty: 'Noch kein Standort eingetragen.',
  revoke: 'Widerrufen',
  revokeOf: (site: string) => `Standort ${site} widerrufen`,

  invite: {
    title: 'Standort einladen',
    intro: 'Ein neuer Standort braucht eine Einladung. Sie gilt für einen Standortnamen und ein Gebäude und funktioniert nur einmal.',
    site: 'Name des neuen Standorts',
    siteHint: 'ohne Leerzeichen, z. B. rathaus-2; so heißt er später bei --site',
    building: 'Gebäude',
    submit: 'Einladung erstellen',
    submitting: 'Wird erstellt …',
    siteMissing: 'Bitte einen Namen für den Standort angeben.',
    siteSpaces: 'Der Name darf keine Leerzeichen enthalten.',
    siteTooLong: (max: number) => `Der Name darf höchstens ${max} Zeichen lang sein.`,
    buildingMissing: 'Bitte ein Gebäude wählen.',
    noBuildings: 'Es ist noch kein Gebäude eingerichtet.',
    createdTitle: (site: string) => `Einladung für „${site}“`,
    token: 'Einladungscode',
    command: 'Befehl für den neuen Standort',
    commandHint: 'Auf dem Rechner des neuen Standorts in einer Konsole ausführen.',
    copy: 'Befehl kopieren',
    copied: 'Kopiert.',
    copyFailed: 'Kopieren ging nicht. Bitte den Befehl markieren und von Hand kopieren.',
    validUntil: (when: string) => `Gültig bis ${when}.`,
    once: 'Der Code wird nur jetzt angezeigt und funktioniert nur einmal.',
    close: 'Schließen',
    pendingTitle: 'Einladungen',
    pendingEmpty: 'Keine Einladungen.',
    colSite: 'Standort',
    colBuilding: 'Gebäude',
    colCreated: 'Erstellt',
    colState: 'Status',
    pending: (until: string) => `offen, gültig bis ${until}`,
    expired: (at: string) => `abgelaufen ${at}`,
    used: 'eingelöst',
    usedAt: (at: string) => `eingelöst ${at}`,
  },

  revokeDialog: {
    title: (site: string) => `Standort ${site} widerrufen`,
    explain: 'Ein widerrufener Standort gehört nicht mehr zum Verbund:',
    keep: (n: number) =>
      n > 0
        ? `Seine Änderungen bis Nr. ${n} bleiben gültig, spätere werden nicht mehr angenommen.`
        : 'Keine seiner Änderungen wird mehr angenommen, auch keine früheren.',
    refuse: 'Seine Verbindungen werden abgelehnt.',
    capacity: 'Seine Kontingente fallen an den Heimatstandort des Gebäudes zurück.',
    final: 'Das lässt sich nicht rückgängig machen.',
    lastSeq: 'Gültig bis Änderung Nr.',
    lastSeqHint: (held: number) => `Dieser Standort hat seine Änderungen bis Nr. ${held}.`,
    lastSeqAbove: (held: number) =>
      `Mehr als dieser Standort kennt (bis Nr. ${held}): Änderungen, die hier noch fehlen, würden später angenommen.`,
    lastSeqInvalid: 'Bitte eine ganze Zahl ab 0 angeben.',
    reason: 'Grund',
    reasonHint: 'z. B. Rechner gestohlen, Standort aufgegeben',
    reasonMissing: 'Bitte einen Grund angeben.',
    confirm: 'Endgültig widerrufen',
    confirming: 'Wird widerrufen …',
    cancel: 'Abbrechen',
    done: (site: string) => `Standort ${site} ist widerrufen.`,
  },

  refused: {
    title: 'Abgelehnte Änderungen',
    intro: 'Änderungen anderer Standorte, die dieser Standort nicht übernommen hat.',
    empty: 'Keine abgelehnten Änderungen.',
    colWhen: 'Wann',
    colWho: 'Wer',
    colWhat: 'Was',
    colWhy: 'Warum',
    what: (kind: string, entity: string) => (entity ? `${kind} ${entity}` : kind),
    from: (origin: string, seq: number) => `von ${origin}, Nr. ${seq}`,
    unknownAuthor: 'unbekannt',
  },

  key: {
    title: 'Clusterschlüssel',
    intro: 'Mit dem Clusterschlüssel erkennen sich die Standorte. Beim Wechsel bekommt jeder erreichbare Standort einen neuen Schlüssel; danach wird der alte entfernt.',
    primary: 'In Verwendung',
    count: (n: number) => (n === 1 ? '1 Schlüssel installiert' : `${n} Schlüssel installiert`),
    none: 'Dieser Standort hat keinen Clusterschlüssel (Replikation aus).',
    rotate: 'Clusterschlüssel wechseln',
    rotating: 'Wird gewechselt …',
    confirm:
      'Clusterschlüssel jetzt wechseln? Nur erreichbare Standorte bekommen den neuen Schlüssel. Wer gerade nicht erreichbar ist, kann sich danach mit dem alten nicht mehr verbinden.',
    done: (primary: string, n: number) =>
      `Gewechselt. Neuer Schlüssel: ${primary} (${n === 1 ? '1 Schlüssel installiert' : `${n} Schlüssel installiert`}).`,
  },

  /** Kontingente: the home site when the admin has not chosen one. */
  homeDefault: (site: string) =>
    `Heimatstandort: ${site} (Standard: der erste Standort des Gebäudes; ohne eigenen Standort der erste Standort des Verbunds)`,
  homeDefaultNone: 'Heimatstandort: noch keiner (Standard: der erste Standort des Gebäudes; ohne eigenen Standort der erste Standort des Verbunds)',
};
