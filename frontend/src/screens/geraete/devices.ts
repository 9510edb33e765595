// The Geräte screen's rules that need no DOM: what state a device is in.

import type { Device } from '../../lib/api';
import { de } from '../../lib/messages';
import { berlinDay, formatDay, formatTime } from '../../lib/time';

export type DeviceState = 'waiting' | 'expired' | 'paired' | 'revoked';

/** A moment as the lists show it: "Mi 18.11. 09:30". */
export function when(t: string | undefined): string {
  if (!t) return '';
  return `${formatDay(berlinDay(new Date(t)))} ${formatTime(t)}`;
}

/** Revoked beats paired beats a pairing code that still works. */
export function deviceState(d: Device, now: Date): DeviceState {
  if (d.revoked_at) return 'revoked';
  if (d.paired_at) return 'paired';
  if (d.pairing_expires_at && new Date(d.pairing_expires_at).getTime() > now.getTime()) return 'waiting';
  return 'expired';
}

export function deviceStateText(d: Device, now: Date): string {
  switch (deviceState(d, now)) {
    case 'revoked':
      return de.devices.revoked(when(d.revoked_at));
    case 'paired':
      return de.devices.paired(when(d.paired_at));
    case 'waiting':
      return de.devices.waiting(when(d.pairing_expires_at));
    case 'expired':
      return de.devices.expired;
  }
}
