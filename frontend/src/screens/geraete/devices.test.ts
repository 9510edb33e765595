import { describe, expect, it } from 'vitest';
import type { Device } from '../../lib/api';
import { deviceState } from './devices';

describe('deviceState', () => {
  const now = new Date('2026-11-18T09:00:00+01:00');
  const base: Device = { id: 'd1', name: 'Kiosk Foyer', kind: 'kiosk', building: 'rathaus-1' };
  const cases: { name: string; d: Device; want: string }[] = [
    { name: 'a code that still works', d: { ...base, pairing_expires_at: '2026-11-19T09:00:00+01:00' }, want: 'waiting' },
    { name: 'a code that ran out', d: { ...base, pairing_expires_at: '2026-11-18T08:59:00+01:00' }, want: 'expired' },
    { name: 'paired', d: { ...base, paired_at: '2026-11-18T08:00:00+01:00' }, want: 'paired' },
    {
      name: 'revoked after pairing',
      d: { ...base, paired_at: '2026-11-18T08:00:00+01:00', revoked_at: '2026-11-18T08:30:00+01:00' },
      want: 'revoked',
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(deviceState(c.d, now)).toBe(c.want));
  }
});
