import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { printProblem, withDeskFormat } from './printing';

describe('printProblem', () => {
  it('reads "no printer set" (400 field printer) as a hint to the settings, per document', () => {
    const err = new ApiError(400, 'invalid_field', 'printer', 'Bitte Drucker angeben.');
    expect(printProblem(err, 'badge')).toEqual({
      kind: 'no_printer',
      message: 'Für Besucherausweise ist an diesem Arbeitsplatz kein Drucker eingestellt.',
      hint: 'Bitte in den Einstellungen einen Belegdrucker wählen.',
    });
    expect(printProblem(err, 'attendance')).toMatchObject({
      kind: 'no_printer',
      hint: 'Bitte in den Einstellungen einen A4-Drucker wählen.',
    });
  });

  it('reads 503 printer_unavailable as a waiting document, with the server message', () => {
    const message = 'Drucker „pforte-pdf“ ist nicht erreichbar: der Druckserver 127.0.0.1:9 antwortet nicht.';
    const err = new ApiError(503, 'printer_unavailable', 'printer', message, { job_id: 'j1', printer: 'pforte-pdf' });
    expect(printProblem(err, 'slip')).toEqual({ kind: 'waiting', message, jobId: 'j1', printer: 'pforte-pdf' });
  });

  it('keeps a waiting document without printer waiting (badge printed at registration with none set)', () => {
    const err = new ApiError(503, 'printer_unavailable', 'printer', 'Für dieses Dokument ist kein Drucker eingestellt.', { job_id: 'j2', printer: '' });
    expect(printProblem(err, 'badge')).toMatchObject({ kind: 'waiting', jobId: 'j2', printer: '' });
  });

  it.each<[string, unknown, string]>([
    ['a 503 without a job (the print server is down)', new ApiError(503, 'printer_unavailable', 'printer', 'Der Druckserver x ist nicht erreichbar.'), 'Der Druckserver x ist nicht erreichbar.'],
    ['a cancelled appointment', new ApiError(409, 'invalid_state', '', 'Der Termin ist storniert.'), 'Der Termin ist storniert.'],
    ['no connection', new ApiError(0, 'network', '', 'Failed to fetch'), 'Keine Verbindung zum Pforte-Server. Bitte Netzwerk prüfen.'],
    ['not an ApiError', new Error('boom'), 'Das hat nicht geklappt. Bitte erneut versuchen.'],
  ])('anything else fails with its message: %s', (_name, err, message) => {
    expect(printProblem(err, 'slip')).toEqual({ kind: 'failed', message });
  });
});

describe('withDeskFormat', () => {
  it('gives a slip the desk format', () => {
    expect(withDeskFormat({ document: 'slip', id: 'a1' }, { slip_format: 'receipt' })).toEqual({ document: 'slip', id: 'a1', format: 'receipt' });
  });
  it('keeps a chosen format, no format set, and other documents', () => {
    expect(withDeskFormat({ document: 'slip', id: 'a1', format: 'a6' }, { slip_format: 'receipt' })).toEqual({ document: 'slip', id: 'a1', format: 'a6' });
    expect(withDeskFormat({ document: 'slip', id: 'a1' }, { slip_format: '' })).toEqual({ document: 'slip', id: 'a1' });
    expect(withDeskFormat({ document: 'slip', id: 'a1' }, null)).toEqual({ document: 'slip', id: 'a1' });
    expect(withDeskFormat({ document: 'badge', id: 'v1' }, { slip_format: 'receipt' })).toEqual({ document: 'badge', id: 'v1' });
  });
});
