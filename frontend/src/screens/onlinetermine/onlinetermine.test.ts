import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api/client';
import { listOutbox, saveMailSettings, saveOnlineRules, type MailSettings, type OutboxEntry } from '../../lib/api/mail';
import {
  fieldError,
  formatStamp,
  kindLabel,
  mailBodyOf,
  mailFormOf,
  mailStatus,
  nextAttemptText,
  noteText,
  rulesBodyOf,
  savedText,
  sentText,
  statusDetail,
  takeOverNote,
  type MailForm,
} from './onlinetermine';

const unset: MailSettings = {
  configured: false,
  config: { site: '', smtp_server: '', from: '', starttls: false },
  password_set: false,
  mail_site: '',
  this_site: 'rathaus',
  may_send: false,
  awaiting_release: [],
  outbox: { queued: 2, failed: 0, sent: 0, dropped: 0 },
};

const here: MailSettings = {
  ...unset,
  configured: true,
  config: { site: 'rathaus', smtp_server: 'mail.soest.example:587', from: 'termine@soest.example', username: 'termine', starttls: true },
  password_set: true,
  mail_site: 'rathaus',
  may_send: true,
};

const form: MailForm = {
  smtp_server: ' mail.soest.example:587 ',
  from: 'termine@soest.example ',
  username: '',
  password: '',
  removePassword: false,
  starttls: true,
};

describe('the mail form', () => {
  it('starts with STARTTLS on and nothing else before mail is set up', () => {
    expect(mailFormOf(unset)).toEqual({ smtp_server: '', from: '', username: '', password: '', removePassword: false, starttls: true });
  });
  it('shows the configuration, never a password', () => {
    expect(mailFormOf(here)).toEqual({
      smtp_server: 'mail.soest.example:587', from: 'termine@soest.example', username: 'termine', password: '', removePassword: false, starttls: true,
    });
    expect(mailFormOf({ ...here, config: { ...here.config, starttls: false, username: undefined } })).toMatchObject({ username: '', starttls: false });
  });
});

describe('the PUT body of the mail settings', () => {
  it('leaves the password out when none is typed: the stored one stays', () => {
    const body = mailBodyOf(form, true);
    expect(body).toEqual({ smtp_server: 'mail.soest.example:587', from: 'termine@soest.example', username: '', starttls: true });
    expect('password' in body).toBe(false);
  });
  it('sends a typed password as it is, spaces and all', () => {
    expect(mailBodyOf({ ...form, password: ' geheim ' }, true).password).toBe(' geheim ');
    expect(mailBodyOf({ ...form, password: 'geheim' }, false).password).toBe('geheim');
  });
  it('sends "" to remove the stored password, whatever is typed', () => {
    expect(mailBodyOf({ ...form, removePassword: true }, true).password).toBe('');
    expect(mailBodyOf({ ...form, removePassword: true, password: 'neu' }, true).password).toBe('');
  });
  it('removes nothing when no password is stored', () => {
    expect('password' in mailBodyOf({ ...form, removePassword: true }, false)).toBe(false);
  });
  it('sends STARTTLS off when unticked (the server then allows only localhost)', () => {
    expect(mailBodyOf({ ...form, starttls: false }, false).starttls).toBe(false);
  });
});

describe('the status line', () => {
  const cases: { name: string; s: MailSettings; tone: string; text: string }[] = [
    { name: 'not set up', s: unset, tone: 'none', text: 'E-Mail ist noch nicht eingerichtet. Die E-Mails warten im Postausgang, bis ein Standort den Versand übernimmt.' },
    { name: 'this site sends', s: here, tone: 'here', text: 'Dieser Standort versendet' },
    { name: 'another site sends', s: { ...here, mail_site: 'filiale', may_send: false }, tone: 'other', text: 'Versand über Standort filiale' },
    {
      name: 'this site waits for one hand-over',
      s: { ...here, may_send: false, awaiting_release: ['filiale'] },
      tone: 'waiting',
      text: 'Dieser Standort versendet – wartet auf Übergabe von Standort filiale',
    },
    {
      name: 'another site waits for two',
      s: { ...here, mail_site: 'filiale', may_send: false, awaiting_release: ['alt', 'rathaus'] },
      tone: 'waiting',
      text: 'Versand über Standort filiale – wartet auf Übergabe von Standorte alt und rathaus',
    },
    {
      name: 'three sites are named with commas and "und"',
      s: { ...here, may_send: false, awaiting_release: ['a', 'b', 'c'] },
      tone: 'waiting',
      text: 'Dieser Standort versendet – wartet auf Übergabe von Standorte a, b und c',
    },
    {
      name: 'this site may not send yet, nobody named',
      s: { ...here, may_send: false },
      tone: 'waiting',
      text: 'Dieser Standort versendet – wartet auf die Übergabe',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(mailStatus(c.s)).toEqual({ tone: c.tone, text: c.text });
    });
  }

  it('says before saving that this site becomes the sending one', () => {
    expect(takeOverNote(unset)).toMatch(/^Beim Speichern wird dieser Standort \(rathaus\) zum versendenden Standort/);
    expect(takeOverNote({ ...here, mail_site: 'filiale' })).toMatch(/übernimmt den Versand von Standort filiale/);
    expect(takeOverNote(here)).toBe('Dieser Standort (rathaus) versendet schon; beim Speichern gelten die neuen Angaben.');
  });

  it('says after saving whether this site sends now or waits', () => {
    expect(savedText(here)).toBe('Gespeichert. Dieser Standort versendet jetzt die E-Mails.');
    expect(savedText({ ...here, may_send: false, awaiting_release: ['filiale'] })).toBe(
      'Gespeichert. Dieser Standort versendet, sobald Standort filiale den Versand übergeben hat.',
    );
  });
});

describe('the outbox', () => {
  const entry: OutboxEntry = {
    id: 'confirm_request:a1',
    kind: 'confirm_request',
    appointment: 'a1',
    building: 'buergerbuero',
    queued_at: '2026-11-18T08:05:00+01:00',
    status: 'failed',
    attempts: 2,
    next_attempt: '2026-11-18T08:09:30+01:00',
    last_error: 'dial tcp 127.0.0.1:25: connection refused',
  };

  it('names every kind in German, and an unknown one as it is', () => {
    expect(['confirm_request', 'confirmation', 'moved', 'cancelled', 'reminder'].map(kindLabel)).toEqual([
      'Bitte um Bestätigung', 'Bestätigung', 'Verlegung', 'Absage', 'Erinnerung',
    ]);
    expect(kindLabel('survey')).toBe('Sonstige (survey)');
  });

  it('writes times in Berlin, German style', () => {
    expect(formatStamp('2026-11-18T07:05:00Z')).toBe('18.11.2026, 08:05\u00a0Uhr');
    expect(formatStamp('2026-06-30T22:30:00Z')).toBe('01.07.2026, 00:30\u00a0Uhr'); // summer time: the next day in Berlin
    expect(formatStamp(undefined)).toBe('');
    expect(formatStamp('0001-01-01T00:00:00Z')).toBe('');
  });

  it('shows the next attempt only for a mail that failed', () => {
    expect(nextAttemptText(entry)).toBe('nächster Versuch 18.11.2026, 08:09\u00a0Uhr');
    expect(nextAttemptText({ ...entry, status: 'queued', attempts: 0 })).toBe('');
    expect(nextAttemptText({ ...entry, status: 'sent' })).toBe('');
    expect(statusDetail(entry)).toBe(nextAttemptText(entry));
  });

  it('says when and by which site a mail went', () => {
    const sent = { ...entry, status: 'sent' as const, sent_at: '2026-11-18T08:06:00+01:00', sent_by: 'rathaus' };
    expect(sentText(sent)).toBe('18.11.2026, 08:06\u00a0Uhr, Standort rathaus');
    expect(statusDetail(sent)).toBe(sentText(sent));
    expect(sentText(entry)).toBe('');
  });

  it('shows the last error, or why a mail is dropped', () => {
    expect(noteText(entry)).toBe('dial tcp 127.0.0.1:25: connection refused');
    expect(noteText({ ...entry, status: 'dropped', dropped: 'purged', last_error: undefined })).toBe('Daten gelöscht oder keine E-Mail-Adresse');
    expect(noteText({ ...entry, status: 'dropped', dropped: 'obsolete' })).toMatch(/^überholt/);
    expect(noteText({ ...entry, last_error: undefined })).toBe('');
  });
});

describe('the online rules', () => {
  const rules = { confirm_minutes: 45, max_active_per_email: 3, reminder_day_before: true, privacy_notice: 'Zeile 1\r\nZeile 2' };

  it('sends every field, line breaks as \\n', () => {
    expect(rulesBodyOf(rules)).toEqual({ body: { ...rules, privacy_notice: 'Zeile 1\nZeile 2' } });
  });
  it('asks for a whole number instead of sending an empty field (which would keep the old value)', () => {
    expect(rulesBodyOf({ ...rules, confirm_minutes: null })).toEqual({ error: { field: 'confirm_minutes', message: 'Bitte eine ganze Zahl eingeben.' } });
    expect(rulesBodyOf({ ...rules, max_active_per_email: 2.5 })).toMatchObject({ error: { field: 'max_active_per_email' } });
  });
  it('leaves the range to the server', () => {
    expect(rulesBodyOf({ ...rules, confirm_minutes: 5000 })).toMatchObject({ body: { confirm_minutes: 5000 } });
  });
});

describe('field errors', () => {
  const invalid = (field: string, message: string) => new ApiError(400, 'invalid_field', field, message);

  it('puts a building rule under its field, saying the range', () => {
    expect(fieldError(invalid('booking.confirm_minutes', 'booking.confirm_minutes liegt außerhalb des erlaubten Bereichs.'))).toEqual({
      field: 'confirm_minutes',
      message: 'Die Bestätigungsfrist muss zwischen 1 und 1440 Minuten liegen.',
    });
    expect(fieldError(invalid('booking.max_active_per_email', 'x')).message).toBe('Bitte eine ganze Zahl von 1 bis 50 angeben.');
  });
  it('says what the mail fields want', () => {
    expect(fieldError(invalid('smtp_server', 'smtp_server ist ungültig.'))).toMatchObject({ field: 'smtp_server', message: expect.stringMatching(/Rechnername:Port/) });
    // The server says "Tag bitte als JJJJ-MM-TT angeben." for any bad "from".
    expect(fieldError(invalid('from', 'Tag bitte als JJJJ-MM-TT angeben.')).message).toMatch(/gültige E-Mail-Adresse als Absender/);
    expect(fieldError(invalid('starttls', 'starttls ist ungültig.')).message).toMatch(/localhost/);
  });
  it('names other fields in German in the server text', () => {
    expect(fieldError(invalid('privacy_notice', 'privacy_notice enthält unzulässige Steuerzeichen.'))).toEqual({
      field: 'privacy_notice',
      message: 'Datenschutzhinweis enthält unzulässige Steuerzeichen.',
    });
  });
  it('shows what names no field of the form as the form\'s error', () => {
    expect(fieldError(new ApiError(403, 'forbidden', 'building', ''))).toEqual({ field: '', message: 'In diesem Gebäude dürfen Sie das nicht.' });
    expect(fieldError(new ApiError(0, 'network', '', 'x')).field).toBe('');
    expect(fieldError(new Error('boom')).field).toBe('');
  });
});

describe('the API calls', () => {
  afterEach(() => vi.unstubAllGlobals());

  function stubFetch(answer: unknown) {
    const calls: { url: string; method: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    return calls;
  }

  it('asks for the outbox by status, all without one', async () => {
    const calls = stubFetch([]);
    await listOutbox('failed');
    await listOutbox();
    expect(calls.map((c) => c.url)).toEqual(['/api/settings/mail/outbox?status=failed', '/api/settings/mail/outbox']);
  });
  it('PUTs the mail settings and a building\'s rules', async () => {
    const calls = stubFetch({});
    await saveMailSettings({ smtp_server: 'h:25', from: 'a@b.example', username: '', starttls: true });
    await saveOnlineRules('bürger büro', { confirm_minutes: 45 });
    expect(calls).toEqual([
      { url: '/api/settings/mail', method: 'PUT', body: { smtp_server: 'h:25', from: 'a@b.example', username: '', starttls: true } },
      { url: '/api/buildings/b%C3%BCrger%20b%C3%BCro/online', method: 'PUT', body: { confirm_minutes: 45 } },
    ]);
  });
});
