// The settings form's pure parts: the choices of a printer field and the
// body the form saves. What is valid (printer names, the print server's
// address, the phone number) the server decides on saving.

import type { Printer, PrinterSettings, PrinterSettingsUpdate, SlipFormat } from '../../lib/api';
import { de } from '../../lib/messages';

/** One option of a printer field; value "" is "kein Drucker". */
export interface PrinterChoice {
  value: string;
  label: string;
}

/** "pforte-pdf – Infotheke, Rathaus I (angehalten)" */
export function printerLabel(p: Printer): string {
  const t = de.settings;
  const about = [p.info && p.info !== p.name ? p.info : '', p.location].filter(Boolean).join(', ');
  const state = p.state === 'stopped' ? t.stopped : !p.accepting ? t.notAccepting : '';
  return `${p.name}${about ? ` – ${about}` : ''}${state ? ` (${state})` : ''}`;
}

/**
 * The options of a printer field: none, the print server's queues, and the
 * chosen one when the server does not list it (listed: the list came; when
 * it did not, the chosen printer is just kept as it is).
 */
export function printerChoices(printers: readonly Printer[], current: string, listed: boolean): PrinterChoice[] {
  const out: PrinterChoice[] = [{ value: '', label: de.settings.noPrinter }];
  for (const p of printers) out.push({ value: p.name, label: printerLabel(p) });
  if (current && !printers.some((p) => p.name === current)) {
    out.push({ value: current, label: listed ? de.settings.notListed(current) : current });
  }
  return out;
}

/** What the form edits; the slip format is always one of the two. */
export interface SettingsForm {
  slip_printer: string;
  a4_printer: string;
  slip_format: SlipFormat;
  print_badge_on_register: boolean;
  print_daily_sheet_at_close: boolean;
  cancel_phone: string;
  cups_server: string;
}

export function formOf(s: PrinterSettings): SettingsForm {
  return {
    slip_printer: s.slip_printer ?? '',
    a4_printer: s.a4_printer ?? '',
    slip_format: s.slip_format === 'receipt' ? 'receipt' : 'a6',
    print_badge_on_register: !!s.print_badge_on_register,
    print_daily_sheet_at_close: !!s.print_daily_sheet_at_close,
    cancel_phone: s.cancel_phone ?? '',
    cups_server: s.cups_server ?? '',
  };
}

/** The PUT body: every field of the form, the texts trimmed. */
export function updateOf(f: SettingsForm): PrinterSettingsUpdate {
  return {
    slip_printer: f.slip_printer.trim(),
    a4_printer: f.a4_printer.trim(),
    slip_format: f.slip_format,
    print_badge_on_register: f.print_badge_on_register,
    print_daily_sheet_at_close: f.print_daily_sheet_at_close,
    cancel_phone: f.cancel_phone.trim(),
    cups_server: f.cups_server.trim(),
  };
}
