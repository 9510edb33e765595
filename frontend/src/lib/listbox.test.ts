import { describe, expect, it } from 'vitest';
import { keepInView } from './listbox';

// A list 100 px high showing options of 30 px each.
function list(scrollTop: number) {
  return { scrollTop, clientHeight: 100 } as HTMLElement;
}
const option = (i: number) => ({ offsetTop: 30 * i, offsetHeight: 30 }) as HTMLElement;

describe('keepInView', () => {
  it('leaves a visible option alone', () => {
    const l = list(0);
    keepInView(l, option(2));
    expect(l.scrollTop).toBe(0);
  });
  it('scrolls down just far enough for an option below', () => {
    const l = list(0);
    keepInView(l, option(5)); // 150–180
    expect(l.scrollTop).toBe(80);
  });
  it('scrolls up to an option above', () => {
    const l = list(120);
    keepInView(l, option(1));
    expect(l.scrollTop).toBe(30);
  });
  it('does nothing without an option', () => {
    const l = list(40);
    keepInView(l, null);
    expect(l.scrollTop).toBe(40);
  });
});
