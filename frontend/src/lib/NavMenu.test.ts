import { describe, expect, it } from 'vitest';
import { focusTarget } from './NavMenu.svelte';

describe('focusTarget', () => {
  const cases: { name: string; key: string; from: number; count: number; want: number | null }[] = [
    { name: 'ArrowDown on the button: the first entry', key: 'ArrowDown', from: -1, count: 3, want: 0 },
    { name: 'ArrowUp on the button: the last entry', key: 'ArrowUp', from: -1, count: 3, want: 2 },
    { name: 'ArrowDown: the next entry', key: 'ArrowDown', from: 0, count: 3, want: 1 },
    { name: 'ArrowDown on the last entry wraps to the first', key: 'ArrowDown', from: 2, count: 3, want: 0 },
    { name: 'ArrowUp on the first entry wraps to the last', key: 'ArrowUp', from: 0, count: 3, want: 2 },
    { name: 'Home: the first entry', key: 'Home', from: 2, count: 3, want: 0 },
    { name: 'End: the last entry', key: 'End', from: 0, count: 3, want: 2 },
    { name: 'other keys do not move the focus', key: 'a', from: 1, count: 3, want: null },
    { name: 'Tab is left to the browser', key: 'Tab', from: 1, count: 3, want: null },
    { name: 'no entries: nowhere to go', key: 'ArrowDown', from: -1, count: 0, want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(focusTarget(c.key, c.from, c.count)).toBe(c.want);
    });
  }
});
