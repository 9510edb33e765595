import { describe, expect, it } from 'vitest';
import { hrefOf, isKiosk, paramsOf, routeOf } from './router';

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

describe('paramsOf', () => {
  it('reads the query of the hash', () => {
    expect(paramsOf('#/aufruf?building=rathaus-2').get('building')).toBe('rathaus-2');
    expect(paramsOf('#/aufruf?building=r%C3%BC&ton=aus').get('building')).toBe('rü');
    expect(paramsOf('#/aufruf').get('building')).toBeNull();
    expect(paramsOf('').get('building')).toBeNull();
  });
});

describe('isKiosk', () => {
  it.each([
    ['checkin', true],
    ['aufruf', true],
    ['empfang', false],
    ['termin', false],
    ['tag', false],
  ])('%s → %s', (route, want) => {
    expect(isKiosk(route)).toBe(want);
  });
});
