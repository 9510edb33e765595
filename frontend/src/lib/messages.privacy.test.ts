import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { errorMessage } from './messages';
import { auditActionLabel, dp, erasedKindLabel, erasedSummary, privacyError } from './messages.privacy';

describe('erased counts', () => {
  it('names the kinds in German', () => {
    expect(erasedKindLabel('visits')).toBe('Besuche');
    expect(erasedKindLabel('print_jobs')).toBe('Druckaufträge');
    expect(erasedKindLabel('new_kind')).toBe('new_kind');
  });
  it('lists only what was erased, in a fixed order', () => {
    expect(erasedSummary({ audit: 2, visits: 3, appointments: 0, print_jobs: 1 })).toBe(
      'Besuche: 3, Protokolleinträge: 2, Druckaufträge: 1',
    );
    expect(erasedSummary({ visits: 0 })).toBe('');
  });
});

describe('audit actions', () => {
  it('reads in German', () => {
    expect(auditActionLabel('search')).toBe('Gesucht');
    expect(auditActionLabel('change')).toBe('Geändert');
    expect(auditActionLabel('sign_in_failed')).toBe('Anmeldung fehlgeschlagen');
    expect(auditActionLabel('other')).toBe('other');
  });
});

describe('privacy errors', () => {
  it('says who may use the screen at a 403', () => {
    expect(privacyError(new ApiError(403, 'forbidden', '', 'Dafür fehlt Ihnen die Berechtigung.'))).toBe(dp.forbidden);
    expect(privacyError(new ApiError(403, 'forbidden', '', ''), 'nur Datenschutz')).toBe('nur Datenschutz');
  });
  it('names the building for a building the person may not work in', () => {
    const err = new ApiError(403, 'forbidden', 'building', 'Für dieses Gebäude fehlt Ihnen die Berechtigung.');
    expect(privacyError(err)).toBe(errorMessage(err));
    expect(privacyError(err)).toMatch(/Gebäude/);
  });
  it('names the range of a retention field', () => {
    expect(privacyError(new ApiError(400, 'invalid_field', 'visit_days', 'visit_days liegt außerhalb'))).toBe(
      'Besuche: bitte eine ganze Zahl von 1 bis 3650 Tagen angeben.',
    );
  });
  it('asks to sign in at a 401', () => {
    expect(privacyError(new ApiError(401, 'unauthenticated', '', 'x'))).toBe(dp.signedOut);
  });
});
