import { describe, expect, it } from 'vitest';
import { hrefOf, routeOf } from './router';

describe('routeOf', () => {
  it.each([
    ['#/empfang', 'empfang'],
    ['#/Empfang', 'empfang'],
    ['#empfang', 'empfang'],
    ['#/empfang?building=rathaus-2', 'empfang'],
    ['#/empfang/extra', 'empfang'],
    ['', ''],
    ['#/', ''],
  ])('%s → %s', (hash, want) => {
    expect(routeOf(hash)).toBe(want);
  });

  it('round-trips with hrefOf', () => {
    expect(routeOf(hrefOf('empfang'))).toBe('empfang');
  });
});
