import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { appointmentStatusText, de, errorMessage, signInError, statusText } from './messages';

describe('errorMessage', () => {
  it.each<[string, unknown, string]>([
    [
      'missing contact gets the clear desk wording',
      new ApiError(400, 'invalid_field', 'contact', 'contact: mindestens eine Angabe nötig'),
      'Bitte Telefon, E-Mail oder Anschrift angeben.',
    ],
    [
      'host not chosen',
      new ApiError(400, 'invalid_field', 'host', 'unbekannter Gastgeber'),
      'Bitte einen Gastgeber aus der Liste wählen.',
    ],
    [
      'other fields keep the server message',
      new ApiError(400, 'invalid_field', 'email', 'Die E-Mail-Adresse ist ungültig.'),
      'Die E-Mail-Adresse ist ungültig.',
    ],
    [
      'a field without server message falls back to ours',
      new ApiError(400, 'invalid_field', 'name', ''),
      'Bitte den Namen angeben.',
    ],
    [
      'state conflicts keep the server message',
      new ApiError(409, 'invalid_state', '', 'Der Besuch ist bereits gegangen.'),
      'Der Besuch ist bereits gegangen.',
    ],
    [
      'state conflicts without message fall back by code',
      new ApiError(409, 'invalid_state', '', ''),
      'Das ist in diesem Zustand nicht mehr möglich.',
    ],
    ['no connection', new ApiError(0, 'network', '', 'Failed to fetch'), 'Keine Verbindung zum Pforte-Server. Bitte Netzwerk prüfen.'],
    ['unknown code shows the server message', new ApiError(409, 'slot_taken', '', 'Termin ist schon vergeben.'), 'Termin ist schon vergeben.'],
    ['server error without message', new ApiError(500, 'http_500', '', ''), 'Fehler auf dem Server. Bitte erneut versuchen.'],
    ['not an ApiError', new Error('boom'), 'Das hat nicht geklappt. Bitte erneut versuchen.'],
  ])('%s', (_name, err, want) => {
    expect(errorMessage(err)).toBe(want);
  });
});

describe('statusText', () => {
  it.each([
    ['waiting', 'wartet'],
    ['escorted', 'abgeholt'],
    ['left', 'gegangen'],
    ['unheard-of', 'unheard-of'],
  ])('%s → %s', (status, want) => {
    expect(statusText(status)).toBe(want);
  });
});

describe('reception texts', () => {
  it('confirms with the host', () => {
    expect(de.reception.registered('Frau Schmidt', 'Anna Müller')).toBe(
      'Frau Schmidt angemeldet — wartet auf Abholung durch Anna Müller',
    );
  });
  it('confirms without a host name', () => {
    expect(de.reception.registered('Frau Schmidt', '')).toBe('Frau Schmidt angemeldet');
  });
});

describe('appointment texts', () => {
  it.each([
    ['booked', 'gebucht'],
    ['checked_in', 'eingecheckt'],
    ['called', 'aufgerufen'],
    ['served', 'erledigt'],
    ['no_show', 'nicht erschienen'],
    ['cancelled', 'storniert'],
  ])('%s → %s', (status, want) => {
    expect(appointmentStatusText(status)).toBe(want);
  });

  it('has a German fallback for a taken slot without server text', () => {
    expect(errorMessage(new ApiError(409, 'slot_taken', '', ''))).toBe('Dieser Termin wurde soeben vergeben. Bitte einen anderen wählen.');
  });

  it('names the citizen fields the booking sends', () => {
    expect(errorMessage(new ApiError(400, 'invalid_field', 'citizen.birth_date', ''))).toBe(
      'Bitte das Geburtsdatum als TT.MM.JJJJ angeben.',
    );
  });

  it('writes the check-in messages', () => {
    expect(de.checkin.notFound).toBe('Kein Termin heute gefunden – bitte wenden Sie sich an die Information.');
    expect(de.dayview.called('A-017', 'Schalter 3')).toBe('A-017 → Schalter 3 aufgerufen');
    expect(de.dayview.waiting(1)).toBe('1 wartet');
    expect(de.dayview.waiting(3)).toBe('3 warten');
  });
});

describe('signInError', () => {
  it('a wrong password: the one message', () => {
    expect(signInError(new ApiError(401, 'unauthenticated', '', 'wrong'))).toBe(de.auth.wrong);
  });
  it('too many: how long to wait, in seconds', () => {
    expect(signInError(new ApiError(429, 'too_many_attempts', '', '', { retry_after: 31 }))).toBe(
      'Zu viele Fehlversuche. Bitte 31 Sekunden warten und dann erneut versuchen.',
    );
  });
  it('too many: in minutes when long', () => {
    expect(signInError(new ApiError(429, 'too_many_attempts', '', '', { retry_after: 300 }))).toContain('5 Minuten');
  });
  it('no connection: the network text', () => {
    expect(signInError(new ApiError(0, 'network', '', 'x'))).toContain('Keine Verbindung');
  });
});
