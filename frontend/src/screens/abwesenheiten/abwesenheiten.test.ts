import { describe, expect, it } from 'vitest';
import type { AbsenceMove } from '../../lib/api/absences';
import { draftKey, newTimeText, notifyText, rangeOf, rangeText, reasonOf, summary, upcoming, type AbsenceDraft } from './abwesenheiten';

const draft: AbsenceDraft = { counter: 'bb-1', from: '2026-11-25', to: '', choice: 'Krankheit', other: '' };

describe('summary', () => {
  it('says the totals in one sentence', () => {
    expect(summary({ moves: 3, unplaced: 1, emails: 2, calls: 1, unreachable: 1, others: 0 })).toBe(
      '3 Termine werden verlegt, 1 findet keinen Ersatz; 2 Bürgerinnen und Bürger bekommen eine E-Mail, 1 muss angerufen werden, 1 ist nicht erreichbar.',
    );
    expect(summary({ moves: 3, unplaced: 1, emails: 2, calls: 1, unreachable: 0, others: 0 })).toBe(
      '3 Termine werden verlegt, 1 findet keinen Ersatz; 2 Bürgerinnen und Bürger bekommen eine E-Mail, 1 muss angerufen werden.',
    );
  });
  it('speaks of one in the singular and leaves out what is none', () => {
    expect(summary({ moves: 1, unplaced: 0, emails: 0, calls: 1, unreachable: 0, others: 0 })).toBe(
      '1 Termin wird verlegt; 1 Bürgerin oder Bürger muss angerufen werden.',
    );
    expect(summary({ moves: 0, unplaced: 2, emails: 2, calls: 0, unreachable: 0, others: 1 })).toBe(
      'Kein Termin wird verlegt, 2 finden keinen Ersatz; 2 Bürgerinnen und Bürger bekommen eine E-Mail. 1 Termin verlegt der Standort, der ihn gebucht hat.',
    );
  });
  it('says when nothing is affected', () => {
    expect(summary({ moves: 0, unplaced: 0, emails: 0, calls: 0, unreachable: 0, others: 0 })).toMatch(/^Keine Termine betroffen/);
  });
});

describe('the draft', () => {
  it('sends the choice, or the text typed for Sonstiges', () => {
    expect(reasonOf(draft)).toBe('Krankheit');
    expect(reasonOf({ ...draft, choice: 'Sonstiges', other: '  Umzug der Abteilung ' })).toBe('Umzug der Abteilung');
    expect(reasonOf({ ...draft, choice: 'Sonstiges' })).toBe('Sonstiges');
    expect(reasonOf({ ...draft, other: 'Grippe' })).toBe('Krankheit'); // no health details from a hidden field
  });
  it('leaves out a last day equal to the first', () => {
    expect(rangeOf({ ...draft, to: '2026-11-25' })).toEqual({ from: '2026-11-25', to: '', reason: 'Krankheit' });
  });
  it('keys exactly the inputs', () => {
    expect(draftKey({ ...draft, to: '2026-11-25' })).toBe(draftKey(draft));
    expect(draftKey({ ...draft, to: '2026-11-26' })).not.toBe(draftKey(draft));
    expect(draftKey({ ...draft, counter: 'bb-2' })).not.toBe(draftKey(draft));
    expect(draftKey({ ...draft, choice: 'Urlaub' })).not.toBe(draftKey(draft));
  });
});

describe('upcoming', () => {
  it('keeps what has not ended before today, earliest first', () => {
    const list = [
      { from: '2026-12-01', to: '2026-12-04', reason: 'Urlaub' },
      { from: '2026-11-10', to: '2026-11-12' },
      { from: '2026-11-17', to: '2026-11-19' },
      { from: '2026-11-18' },
    ];
    expect(upcoming(list, '2026-11-18').map((a) => a.from)).toEqual(['2026-11-17', '2026-11-18', '2026-12-01']);
    expect(upcoming(undefined, '2026-11-18')).toEqual([]);
  });
  it('writes a range in German', () => {
    expect(rangeText({ from: '2026-11-25', to: '2026-11-27' })).toBe('25.11.2026 – 27.11.2026');
    expect(rangeText({ from: '2026-11-25' })).toBe('25.11.2026');
  });
});

describe('a row', () => {
  const m: AbsenceMove = {
    id: 'a', code: 'K7M2QX', start: '2026-11-25T09:00:00+01:00', end: '2026-11-25T09:10:00+01:00', services: ['Wohnsitz anmelden'],
    citizen: { name: 'Klaus Becker', email: 'klaus@example.org', phone: '02921 555-3' },
    moves_to: '2026-11-25T09:00:00+01:00', moves_to_counter: 'Schalter 2', same_time: true, notify: 'email',
  };
  it('says where it goes', () => {
    expect(newTimeText(m)).toBe('09:00 Uhr (gleiche Zeit, Schalter 2)');
    expect(newTimeText({ ...m, moves_to: '2026-11-25T09:20:00+01:00', same_time: false })).toBe('09:20 Uhr (Schalter 2)');
    expect(newTimeText({ ...m, moves_to: '2026-11-26T08:00:00+01:00', same_time: false })).toBe('Do., 26.11.2026, 08:00 Uhr (Schalter 2)');
    expect(newTimeText({ ...m, moves_to: null, same_time: false })).toBe('kein Ersatz gefunden');
    expect(newTimeText({ ...m, moves_to: null, same_time: false, moved_by: 'rathaus-2-pforte' })).toBe('verlegt Standort rathaus-2-pforte');
  });
  it('says how the citizen is told', () => {
    expect(notifyText(m)).toBe('E-Mail an klaus@example.org');
    expect(notifyText({ ...m, notify: 'phone' })).toBe('Anruf: 02921 555-3');
    expect(notifyText({ ...m, notify: 'none' })).toBe('nicht erreichbar');
  });
});
