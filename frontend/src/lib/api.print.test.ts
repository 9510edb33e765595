import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  attendanceUrl,
  dailySheetUrl,
  deletePrintJob,
  documentUrl,
  listPrinters,
  listPrintJobs,
  printDocument,
  printJobBody,
  retryPrintJob,
  savePrinterSettings,
  slipUrl,
  type PrintTarget,
} from './api';

type Call = { url: string; init: RequestInit };

function mockFetch(status: number, body: string | null) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const sentBody = (c: Call) => JSON.parse(String(c.init.body)) as unknown;

describe('printJobBody', () => {
  it.each<[string, PrintTarget, string, unknown]>([
    ['a slip by appointment id, in the desk format', { document: 'slip', id: 'a1' }, '', { document: 'slip', id: 'a1' }],
    ['a slip in a chosen format', { document: 'slip', id: 'a1', format: 'receipt' }, '', { document: 'slip', id: 'a1', format: 'receipt' }],
    ['a badge by visit id', { document: 'badge', id: 'v1' }, '', { document: 'badge', id: 'v1' }],
    [
      'the daily sheet by building and day',
      { document: 'daily-sheet', building: 'rathaus-1', day: '2026-11-18' },
      '',
      { document: 'daily-sheet', building: 'rathaus-1', day: '2026-11-18' },
    ],
    [
      'the attendance list on another printer',
      { document: 'attendance', building: 'buergerbuero', day: '2026-11-18' },
      'a4-flur',
      { document: 'attendance', building: 'buergerbuero', day: '2026-11-18', printer: 'a4-flur' },
    ],
  ])('%s', (_name, target, printer, want) => {
    expect(printJobBody(target, printer)).toEqual(want);
  });
});

describe('document addresses', () => {
  it.each<[PrintTarget, string]>([
    [{ document: 'slip', id: 'a 1' }, '/api/print/slip/a%201.pdf'],
    [{ document: 'slip', id: 'a1', format: 'receipt' }, '/api/print/slip/a1.pdf?format=receipt'],
    [{ document: 'badge', id: 'v1' }, '/api/print/badge/v1.pdf'],
    [{ document: 'daily-sheet', building: 'rathaus-1', day: '2026-11-18' }, '/api/print/daily-sheet.pdf?building=rathaus-1&day=2026-11-18'],
    [{ document: 'attendance', building: 'buergerbuero', day: '2026-11-18' }, '/api/print/attendance.pdf?building=buergerbuero&day=2026-11-18'],
  ])('%j → %s', (target, want) => {
    expect(documentUrl(target)).toBe(want);
  });

  it('leaves unset parts out', () => {
    expect(slipUrl('a1', undefined)).toBe('/api/print/slip/a1.pdf');
    expect(dailySheetUrl('', '')).toBe('/api/print/daily-sheet.pdf');
    expect(attendanceUrl('b', '')).toBe('/api/print/attendance.pdf?building=b');
  });
});

describe('print api', () => {
  it('posts the job and reads the 202', async () => {
    const calls = mockFetch(202, JSON.stringify({ job_id: 'j1', printer: 'beleg', cups_job_id: 7, status: 'sent' }));
    const r = await printDocument({ document: 'badge', id: 'v1' });
    expect(r).toEqual({ job_id: 'j1', printer: 'beleg', cups_job_id: 7, status: 'sent' });
    expect(calls[0].url).toBe('/api/print/jobs');
    expect(calls[0].init.method).toBe('POST');
    expect(sentBody(calls[0])).toEqual({ document: 'badge', id: 'v1' });
  });

  it('keeps the waiting job of a 503 printer_unavailable beside the error', async () => {
    mockFetch(
      503,
      JSON.stringify({
        error: { code: 'printer_unavailable', field: 'printer', message: 'Drucker „beleg“ ist nicht erreichbar: der Druckserver 127.0.0.1:9 antwortet nicht.' },
        job_id: 'j2',
        printer: 'beleg',
      }),
    );
    let err: unknown;
    try {
      await printDocument({ document: 'slip', id: 'a1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.field]).toEqual([503, 'printer_unavailable', 'printer']);
    expect(e.message).toMatch(/^Drucker „beleg“ ist nicht erreichbar/);
    expect(e.extra).toEqual({ job_id: 'j2', printer: 'beleg' });
  });

  it('retries with or without another printer', async () => {
    const calls = mockFetch(202, JSON.stringify({ job_id: 'j 1', printer: 'beleg', cups_job_id: 8, status: 'sent' }));
    await retryPrintJob('j 1');
    await retryPrintJob('j 1', 'beleg-2');
    expect(calls.map((c) => c.url)).toEqual(['/api/print/jobs/j%201/retry', '/api/print/jobs/j%201/retry']);
    expect(calls.map(sentBody)).toEqual([{}, { printer: 'beleg-2' }]);
  });

  it('discards a job with DELETE and takes the 204', async () => {
    const calls = mockFetch(204, null);
    await expect(deletePrintJob('j1')).resolves.toBeUndefined();
    expect([calls[0].url, calls[0].init.method]).toEqual(['/api/print/jobs/j1', 'DELETE']);
  });

  it('reads empty lists as []', async () => {
    mockFetch(200, 'null');
    expect(await listPrintJobs()).toEqual([]);
    expect(await listPrinters()).toEqual([]);
  });

  it('puts only the settings given', async () => {
    const calls = mockFetch(200, JSON.stringify({ slip_printer: 'beleg' }));
    await savePrinterSettings({ slip_printer: 'beleg' });
    expect([calls[0].url, calls[0].init.method]).toEqual(['/api/settings/printers', 'PUT']);
    expect(sentBody(calls[0])).toEqual({ slip_printer: 'beleg' });
  });
});
