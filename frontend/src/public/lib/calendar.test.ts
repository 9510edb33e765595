import { describe, expect, it } from 'vitest';
import { daysInMonth, monthWeeks, moveFocus, shiftMonth } from './calendar';

describe('monthWeeks', () => {
  it('starts the grid on Monday and pads with empty cells', () => {
    // 1 December 2026 is a Tuesday.
    const weeks = monthWeeks('2026-12');
    expect(weeks[0]).toEqual([null, '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    expect(weeks.at(-1)).toEqual(['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', null, null, null]);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
  });

  it('knows February and leap years', () => {
    expect(daysInMonth('2027-02')).toBe(28);
    expect(daysInMonth('2028-02')).toBe(29);
    // February 2027 starts on a Monday: four full weeks, no padding.
    expect(monthWeeks('2027-02')).toHaveLength(4);
  });

  it('shifts months across the year', () => {
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2027-01', -1)).toBe('2026-12');
    expect(shiftMonth('2026-05', 12)).toBe('2027-05');
  });
});

describe('moveFocus', () => {
  const min = '2026-12-05';
  const max = '2027-03-04';
  const cases: [string, string, string, boolean, string | null][] = [
    ['right: next day', '2026-12-08', 'ArrowRight', false, '2026-12-09'],
    ['left: day before', '2026-12-08', 'ArrowLeft', false, '2026-12-07'],
    ['down: a week later, into the next month', '2026-12-28', 'ArrowDown', false, '2027-01-04'],
    ['up: a week earlier', '2026-12-15', 'ArrowUp', false, '2026-12-08'],
    ['up: not before the first day', '2026-12-08', 'ArrowUp', false, '2026-12-05'],
    ['left: not before the first day', '2026-12-05', 'ArrowLeft', false, '2026-12-05'],
    ['Home: Monday of the week', '2026-12-10', 'Home', false, '2026-12-07'],
    ['End: Sunday of the week', '2026-12-10', 'End', false, '2026-12-13'],
    ['PageDown: same day next month', '2026-12-10', 'PageDown', false, '2027-01-10'],
    ['PageDown: clamped to the month end', '2027-01-31', 'PageDown', false, '2027-02-28'],
    ['PageDown: not after the last day', '2027-02-20', 'PageDown', false, '2027-03-04'],
    ['PageUp: a month back, clamped to the first day', '2027-01-03', 'PageUp', false, '2026-12-05'],
    ['Shift+PageDown: a year, clamped', '2026-12-10', 'PageDown', true, '2027-03-04'],
    ['other keys: not handled', '2026-12-10', 'Enter', false, null],
    ['Tab: not handled', '2026-12-10', 'Tab', false, null],
  ];
  for (const [name, day, key, shift, want] of cases) {
    it(name, () => {
      expect(moveFocus(day, key, min, max, shift)).toBe(want);
    });
  }
});
