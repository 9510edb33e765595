import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { m } from '../messages';
import { bookingProblem, fieldOf, focusTarget, tokenProblem, validEmail, validPhone } from './errors';

describe('fieldOf', () => {
  const cases: [string, string][] = [
    ['citizen.name', 'name'],
    ['citizen.birth_date', 'birth_date'],
    ['citizen.email', 'email'],
    ['citizen.phone', 'phone'],
    ['privacy_accepted', 'privacy'],
    ['altcha', 'altcha'],
    ['start', 'start'],
    ['services', 'services'],
    ['building', 'building'],
    ['', ''],
    ['something.else', ''],
  ];
  for (const [server, want] of cases) {
    it(`${server || '(none)'} → ${want || '(none)'}`, () => expect(fieldOf(server)).toBe(want));
  }
});

describe('bookingProblem', () => {
  const e = (status: number, code: string, field = '') => new ApiError(status, code, field, 'server text');

  it('puts a 400 next to the field it names', () => {
    expect(bookingProblem(e(400, 'invalid_field', 'citizen.email'))).toEqual({ field: 'email', message: m.errors.emailInvalid, reloadSlots: false });
    expect(bookingProblem(e(400, 'invalid_field', 'citizen.birth_date')).field).toBe('birth_date');
    expect(bookingProblem(e(400, 'invalid_field', 'privacy_accepted')).message).toBe(m.errors.privacyRequired);
    expect(bookingProblem(e(400, 'invalid_field', 'altcha')).message).toBe(m.errors.altchaInvalid);
  });

  it('sends a bad start back to choosing a time', () => {
    expect(bookingProblem(e(400, 'invalid_field', 'start'))).toMatchObject({ field: 'start', reloadSlots: true });
  });

  it('reloads the slots when the time was just taken', () => {
    expect(bookingProblem(e(409, 'slot_taken', 'start'))).toEqual({ field: 'start', message: m.errors.slotTaken, reloadSlots: true });
    expect(bookingProblem(e(409, 'slot_taken'))).toMatchObject({ reloadSlots: true });
  });

  it('tells too many open bookings (e-mail) from too many requests', () => {
    expect(bookingProblem(e(429, 'too_many', 'citizen.email'))).toEqual({ field: 'email', message: m.errors.tooManyEmail, reloadSlots: false });
    expect(bookingProblem(e(429, 'too_many'))).toEqual({ field: '', message: m.errors.tooMany, reloadSlots: false });
  });

  it('falls back to a general message', () => {
    expect(bookingProblem(e(500, 'internal')).field).toBe('');
    expect(bookingProblem(e(400, 'bad_json')).message).toBe(m.errors.generic);
    expect(bookingProblem(new ApiError(0, 'network', '', '')).message).toBe(m.errors.network);
    expect(bookingProblem(new Error('x')).message).toBe(m.errors.generic);
  });
});

describe('tokenProblem', () => {
  it('names what happened to the booking', () => {
    expect(tokenProblem(new ApiError(404, 'not_found', '', ''))).toBe(m.errors.notFound);
    expect(tokenProblem(new ApiError(409, 'expired', '', ''))).toBe(m.errors.expired);
    expect(tokenProblem(new ApiError(409, 'appointment_cancelled', '', ''))).toBe(m.errors.appointmentCancelled);
  });
});

describe('checks before sending', () => {
  it('accepts plain addresses and refuses obvious typos', () => {
    expect(validEmail('erika@beispiel.de')).toBe(true);
    expect(validEmail(' erika.m+termin@mail.soest.de ')).toBe(true);
    expect(validEmail('erika@beispiel')).toBe(false);
    expect(validEmail('erika beispiel.de')).toBe(false);
    expect(validEmail('')).toBe(false);
  });

  it('takes an empty phone and German ways of writing numbers', () => {
    expect(validPhone('')).toBe(true);
    expect(validPhone('02921 103-0')).toBe(true);
    expect(validPhone('+49 (2921) 1030')).toBe(true);
    expect(validPhone('abc')).toBe(false);
    expect(validPhone('12')).toBe(false);
  });

  it('focuses the ALTCHA checkbox for an altcha error', () => {
    expect(focusTarget('email')).toBe('#f-email');
    expect(focusTarget('altcha')).toBe('#f-altcha-widget input[type="checkbox"]');
  });
});
