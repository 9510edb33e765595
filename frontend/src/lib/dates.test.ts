import { describe, expect, it } from 'vitest';
import { formatDate, keypadMask, parseDate } from './dates';

describe('parseDate', () => {
  it.each<[string, string, string | null]>([
    ['TT.MM.JJJJ', '12.03.1980', '1980-03-12'],
    ['TTMMJJJJ as typed on the keypad', '12031980', '1980-03-12'],
    ['single digits with dots', '1.3.1980', '1980-03-01'],
    ['spaces around', '  12.03.1980 ', '1980-03-12'],
    ['spaces as separators', '12 03 1980', '1980-03-12'],
    ['the API form passes', '1980-03-12', '1980-03-12'],
    ['29 February in a leap year', '29.02.2024', '2024-02-29'],
    ['29 February in a common year', '29.02.2023', null],
    ['29 February 2000 (divisible by 400)', '29.02.2000', '2000-02-29'],
    ['29 February 1900 (not a leap year)', '29.02.1900', null],
    ['31 February', '31.02.1980', null],
    ['31 April', '31.04.1980', null],
    ['month 13', '12.13.1980', null],
    ['day 0', '00.03.1980', null],
    ['two-digit year', '12.03.80', null],
    ['seven digits', '1203198', null],
    ['letters', 'zwölfter März', null],
    ['empty', '', null],
    ['American order is not guessed', '03/31/1980', null],
  ])('%s: %j', (_name, input, want) => {
    expect(parseDate(input)).toBe(want);
  });
});

describe('formatDate', () => {
  it('writes the German form', () => {
    expect(formatDate('1980-03-12')).toBe('12.03.1980');
  });
  it('leaves other text alone', () => {
    expect(formatDate('12.03.1980')).toBe('12.03.1980');
  });
});

describe('keypadMask', () => {
  it.each([
    ['', 'TT.MM.JJJJ'],
    ['1', '1T.MM.JJJJ'],
    ['1203', '12.03.JJJJ'],
    ['120319', '12.03.19JJ'],
    ['12031980', '12.03.1980'],
    ['1203198099', '12.03.1980'],
  ])('%j → %s', (digits, want) => {
    expect(keypadMask(digits)).toBe(want);
  });
});
