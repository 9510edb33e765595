// How every screen prints (PrintButton.svelte): what a failed print means
// for the person at the desk, and the desk's slip format for previews. The
// server decides which printer a document goes to and whether it can; this
// only reads its answers.

import { ApiError, getPrinterSettings, type PrintDocument, type PrinterSettings, type PrintTarget } from './api';
import { de, errorMessage } from './messages';

/**
 * Why a print did not go out:
 * no_printer: the desk has no printer for this document (400 field "printer");
 * waiting: the printer could not take it (503 printer_unavailable), the
 * document waits in the print queue as jobId;
 * failed: anything else (document gone, no connection).
 */
export type PrintProblem =
  | { kind: 'no_printer'; message: string; hint: string }
  | { kind: 'waiting'; message: string; jobId: string; printer: string }
  | { kind: 'failed'; message: string };

/** Reads a failed print (or retry) of a document. */
export function printProblem(err: unknown, document: PrintDocument): PrintProblem {
  if (err instanceof ApiError) {
    if (err.code === 'invalid_field' && err.field === 'printer') {
      return { kind: 'no_printer', message: de.print.noPrinter[document], hint: de.print.noPrinterHint[document] };
    }
    const jobId = err.extra.job_id;
    if (err.code === 'printer_unavailable' && typeof jobId === 'string' && jobId !== '') {
      const printer = typeof err.extra.printer === 'string' ? err.extra.printer : '';
      return { kind: 'waiting', message: errorMessage(err), jobId, printer };
    }
  }
  return { kind: 'failed', message: errorMessage(err) };
}

/** A slip without format in the desk's format, so its preview shows what the printer prints. */
export function withDeskFormat(t: PrintTarget, s: Pick<PrinterSettings, 'slip_format'> | null): PrintTarget {
  if (t.document !== 'slip' || t.format || !s?.slip_format) return t;
  return { ...t, format: s.slip_format };
}

// The desk's settings, read once for all the print buttons of a page and
// replaced when the settings screen saves: module state on purpose, like
// the clock offset.
let desk: Promise<PrinterSettings> | null = null;

/** This desk's printing settings, asked once per page. */
export function deskPrinterSettings(): Promise<PrinterSettings> {
  if (!desk) {
    desk = getPrinterSettings().catch((err: unknown) => {
      desk = null; // asked again next time
      throw err;
    });
  }
  return desk;
}

/** Takes the settings just saved, so previews follow them without asking again. */
export function rememberDeskPrinterSettings(s: PrinterSettings): void {
  desk = Promise.resolve(s);
}
