// From the server's error (or a check made here) to the form field it names
// and the German text shown next to it. The server checks everything again;
// these checks only save a round trip.
import { ApiError } from '../api';
import { m } from '../messages';

/** The parts of the booking flow an error can point at. */
export type FormField = 'name' | 'birth_date' | 'email' | 'phone' | 'privacy' | 'altcha' | 'start' | 'services' | 'building' | '';

/** The input id each field of the details form has (the target of focus). */
export const FIELD_IDS: Record<Exclude<FormField, ''>, string> = {
  name: 'f-name',
  birth_date: 'f-birth',
  email: 'f-email',
  phone: 'f-phone',
  privacy: 'f-privacy',
  altcha: 'f-altcha-widget',
  start: 'slot-heading',
  services: 'services-heading',
  building: 'building-heading',
};

/** The element to focus for a field: the ALTCHA widget's own checkbox for "altcha". */
export function focusTarget(field: Exclude<FormField, ''>): string {
  return field === 'altcha' ? `#${FIELD_IDS.altcha} input[type="checkbox"]` : `#${FIELD_IDS[field]}`;
}

/** The server's field path ("citizen.email") as a form field. */
export function fieldOf(serverField: string): FormField {
  switch (serverField) {
    case 'citizen.name':
      return 'name';
    case 'citizen.birth_date':
      return 'birth_date';
    case 'citizen.email':
      return 'email';
    case 'citizen.phone':
      return 'phone';
    case 'privacy_accepted':
      return 'privacy';
    case 'altcha':
      return 'altcha';
    case 'start':
      return 'start';
    case 'services':
      return 'services';
    case 'building':
      return 'building';
    default:
      return '';
  }
}

const FIELD_TEXT: Record<Exclude<FormField, ''>, string> = {
  name: m.errors.nameRequired,
  birth_date: m.errors.birthDateInvalid,
  email: m.errors.emailInvalid,
  phone: m.errors.phoneInvalid,
  privacy: m.errors.privacyRequired,
  altcha: m.errors.altchaInvalid,
  start: m.errors.startInvalid,
  services: m.errors.servicesInvalid,
  building: m.errors.buildingInvalid,
};

/** What the flow does with a failed booking request. */
export interface BookingProblem {
  field: FormField;
  message: string;
  /** The chosen time is gone: reload the slots and go back to choosing. */
  reloadSlots: boolean;
}

export function bookingProblem(err: unknown): BookingProblem {
  if (!(err instanceof ApiError)) return { field: '', message: m.errors.generic, reloadSlots: false };
  if (err.status === 0) return { field: '', message: m.errors.network, reloadSlots: false };
  if (err.status === 409 && err.code === 'slot_taken') {
    return { field: 'start', message: m.errors.slotTaken, reloadSlots: true };
  }
  if (err.status === 429) {
    const field = fieldOf(err.field);
    return field === 'email'
      ? { field, message: m.errors.tooManyEmail, reloadSlots: false }
      : { field: '', message: m.errors.tooMany, reloadSlots: false };
  }
  if (err.status === 400) {
    const field = fieldOf(err.field);
    if (field) return { field, message: FIELD_TEXT[field], reloadSlots: field === 'start' };
  }
  return { field: '', message: m.errors.generic, reloadSlots: false };
}

/** The German text for an error on the token pages (view, confirm, cancel). */
export function tokenProblem(err: unknown): string {
  if (!(err instanceof ApiError)) return m.errors.generic;
  if (err.status === 0) return m.errors.network;
  if (err.status === 404) return m.errors.notFound;
  if (err.code === 'expired') return m.errors.expired;
  if (err.code === 'appointment_cancelled') return m.errors.appointmentCancelled;
  // Other states (already checked in, served …): the server says it in German.
  if (err.status === 409 && err.message) return err.message;
  if (err.status === 429) return m.errors.tooMany;
  return m.errors.generic;
}

// A deliberately loose check: one @, something on both sides, a dot in the
// domain. The server has the last word.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validEmail(s: string): boolean {
  return EMAIL.test(s.trim());
}

/** Digits, spaces and + ( ) / - only, at least 5 digits; empty is fine (optional). */
export function validPhone(s: string): boolean {
  const t = s.trim();
  if (!t) return true;
  return /^[+\d\s()/-]+$/.test(t) && (t.match(/\d/g)?.length ?? 0) >= 5;
}
