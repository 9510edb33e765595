// Printing: the documents' addresses (PDF previews in a new tab), print
// jobs through CUPS, the print queue and the desk's printer settings. Part
// of the one API client; screens import it from ../api.

import { query, request } from './client';

const seg = encodeURIComponent;

/** The documents Pforte prints. */
export type PrintDocument = 'slip' | 'badge' | 'daily-sheet' | 'attendance' | 'evacuation';

/** A slip on A6 paper or on an 80 mm receipt roll. */
export type SlipFormat = 'a6' | 'receipt';

/**
 * One document to show or print: an appointment's slip or a visit's badge
 * by id, a building's daily sheet (visitors) or attendance list
 * (appointments) of a day. A slip without format is printed in the desk's.
 */
export type PrintTarget =
  | { document: 'slip'; id: string; format?: SlipFormat }
  | { document: 'badge'; id: string }
  | { document: 'daily-sheet' | 'attendance'; building: string; day: string }
  | { document: 'evacuation'; building: string };

/** Body of POST /api/print/jobs; without printer the desk's printer for the document is used. */
export interface PrintJobRequest {
  document: PrintDocument;
  id?: string;
  building?: string;
  day?: string;
  format?: SlipFormat;
  printer?: string;
}

/** 202 of POST /api/print/jobs and of a retry: CUPS has the job. */
export interface PrintResult {
  job_id: string;
  printer: string;
  cups_job_id: number;
  status: string;
}

/** A document waiting in the print queue (GET /api/print/jobs). */
export interface PrintJob {
  job_id: string;
  document: PrintDocument | string;
  ref: string;
  title: string;
  printer: string;
  created_at: string;
  attempts: number;
  last_try?: string;
  last_error?: string;
}

/** A CUPS queue (GET /api/print/printers). */
export interface Printer {
  name: string;
  info: string;
  location: string;
  make_model: string;
  device_uri?: string;
  /** idle, processing or stopped */
  state: string;
  state_message?: string;
  accepting: boolean;
}

/** This desk's printing settings (GET /api/settings/printers). "" means not set. */
export interface PrinterSettings {
  /** Slips and badges. */
  slip_printer: string;
  /** Daily sheets and attendance lists. */
  a4_printer: string;
  print_badge_on_register: boolean;
  print_daily_sheet_at_close: boolean;
  /** "" is A6. */
  slip_format: SlipFormat | '';
  cancel_phone: string;
  /** "" leaves it to PFORTE_CUPS and the default. */
  cups_server: string;
  /** The print server actually used, after PFORTE_CUPS and the default. */
  cups_server_in_use?: string;
}

/** Body of PUT /api/settings/printers: what is left out keeps its value. */
export type PrinterSettingsUpdate = Partial<Omit<PrinterSettings, 'cups_server_in_use'>>;

/** Address of the visitor badge PDF (opened in a new tab, not fetched). */
export function badgeUrl(id: string): string {
  return `/api/print/badge/${seg(id)}.pdf`;
}

/** Address of a building's daily registration sheet (visitors) of a day. */
export function dailySheetUrl(building: string, day: string): string {
  return `/api/print/daily-sheet.pdf${query({ building, day })}`;
}

/** Address of a building's attendance list (appointments) of a day. */
export function attendanceUrl(building: string, day: string): string {
  return `/api/print/attendance.pdf${query({ building, day })}`;
}

/** Address of a document's PDF, to open in a new tab as its preview. */
export function documentUrl(t: PrintTarget): string {
  switch (t.document) {
    case 'slip':
      return slipUrl(t.id, t.format);
    case 'badge':
      return badgeUrl(t.id);
    case 'daily-sheet':
      return dailySheetUrl(t.building, t.day);
    case 'attendance':
      return attendanceUrl(t.building, t.day);
    case 'evacuation':
      return evacuationUrl(t.building);
  }
}

/** The body of POST /api/print/jobs for a document; printer "" leaves it to the desk's settings. */
export function printJobBody(t: PrintTarget, printer = ''): PrintJobRequest {
  const body: PrintJobRequest = { document: t.document };
  if (t.document === 'slip' || t.document === 'badge') body.id = t.id;
  else {
    body.building = t.building;
    if (t.document !== 'evacuation') body.day = t.day;
  }
  if (t.document === 'slip' && t.format) body.format = t.format;
  if (printer) body.printer = printer;
  return body;
}

/**
 * Prints a document. 400 field "printer" when the desk has no printer for
 * it; 503 printer_unavailable when the printer cannot take it now: then the
 * document waits in the print queue, and the error's extra names job_id.
 */
export function printDocument(t: PrintTarget, printer = ''): Promise<PrintResult> {
  return request('POST', '/api/print/jobs', printJobBody(t, printer));
}

/** The documents waiting for a printer, oldest first. */
export async function listPrintJobs(): Promise<PrintJob[]> {
  return (await request<PrintJob[] | null>('GET', '/api/print/jobs')) ?? [];
}

/** Sends a waiting document again, to its printer or another; answers like printDocument. 404 when gone. */
export function retryPrintJob(jobId: string, printer = ''): Promise<PrintResult> {
  return request('POST', `/api/print/jobs/${seg(jobId)}/retry`, printer ? { printer } : {});
}

/** Discards a waiting document. */
export function deletePrintJob(jobId: string): Promise<void> {
  return request('DELETE', `/api/print/jobs/${seg(jobId)}`);
}

/** The print server's queues; 503 printer_unavailable when the print server cannot be reached. */
export async function listPrinters(): Promise<Printer[]> {
  return (await request<Printer[] | null>('GET', '/api/print/printers')) ?? [];
}

export function getPrinterSettings(): Promise<PrinterSettings> {
  return request('GET', '/api/settings/printers');
}

/** Saves what is set in u; answers the whole settings. 400 names the bad field. */
export function savePrinterSettings(u: PrinterSettingsUpdate): Promise<PrinterSettings> {
  return request('PUT', '/api/settings/printers', u);
}

/** Address of the appointment slip PDF (opened in a new tab, not fetched); without format A6. */
export function slipUrl(id: string, format?: SlipFormat): string {
  return `/api/print/slip/${seg(id)}.pdf${query({ format })}`;
}

/** Address of the evacuation list: everyone in the building now. */
export function evacuationUrl(building: string): string {
  return `/api/print/evacuation.pdf${query({ building })}`;
}
