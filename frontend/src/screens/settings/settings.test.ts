import { describe, expect, it } from 'vitest';
import type { Printer } from '../../lib/api';
import { formOf, printerChoices, printerLabel, updateOf } from './settings';

const printer = (name: string, more: Partial<Printer> = {}): Printer => ({
  name,
  info: '',
  location: '',
  make_model: '',
  state: 'idle',
  accepting: true,
  ...more,
});

describe('printerLabel', () => {
  it.each<[string, Printer, string]>([
    ['name alone', printer('beleg'), 'beleg'],
    ['with description and place', printer('beleg', { info: 'Bondrucker', location: 'Infotheke' }), 'beleg – Bondrucker, Infotheke'],
    ['a description that only repeats the name', printer('beleg', { info: 'beleg' }), 'beleg'],
    ['stopped', printer('a4', { state: 'stopped' }), 'a4 (angehalten)'],
    ['refusing jobs', printer('a4', { accepting: false }), 'a4 (nimmt keine Aufträge an)'],
  ])('%s', (_name, p, want) => {
    expect(printerLabel(p)).toBe(want);
  });
});

describe('printerChoices', () => {
  const list = [printer('a4-flur'), printer('beleg')];

  it('offers none first, then the queues', () => {
    expect(printerChoices(list, 'beleg', true).map((c) => c.value)).toEqual(['', 'a4-flur', 'beleg']);
    expect(printerChoices(list, '', true)[0]).toEqual({ value: '', label: 'kein Drucker' });
  });

  it('keeps a chosen printer the server does not list', () => {
    expect(printerChoices(list, 'alt', true).at(-1)).toEqual({ value: 'alt', label: 'alt (nicht in der Liste)' });
  });

  it('keeps the chosen printer as it is when the list is not available', () => {
    expect(printerChoices([], 'pforte-pdf', false)).toEqual([
      { value: '', label: 'kein Drucker' },
      { value: 'pforte-pdf', label: 'pforte-pdf' },
    ]);
  });
});

describe('the form', () => {
  it('reads the settings, the A6 default included, and saves every field trimmed', () => {
    const f = formOf({
      slip_printer: 'beleg',
      a4_printer: '',
      print_badge_on_register: true,
      print_daily_sheet_at_close: false,
      slip_format: '',
      cancel_phone: '02921 103-0',
      cups_server: '',
      cups_server_in_use: '127.0.0.1:631',
    });
    expect(f.slip_format).toBe('a6');
    f.cups_server = ' druck.rathaus.local:631 ';
    expect(updateOf(f)).toEqual({
      slip_printer: 'beleg',
      a4_printer: '',
      slip_format: 'a6',
      print_badge_on_register: true,
      print_daily_sheet_at_close: false,
      cancel_phone: '02921 103-0',
      cups_server: 'druck.rathaus.local:631',
    });
  });
});
