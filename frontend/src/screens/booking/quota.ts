// The booking screen's offline line: how many places of its allotment this
// site can still book today in the chosen building. Online, or for a
// building without capacity tokens, there is nothing to say.

import type { TokenSummary } from '../../lib/api.tokens';
import { de } from '../../lib/messages';

export function quotaText(offline: boolean, s: TokenSummary | null): string {
  if (!offline || !s || !s.escrowed) return '';
  if (s.owned_places === 0) return de.booking.offlineNoQuota;
  return de.booking.offlineQuota(s.free_places);
}
