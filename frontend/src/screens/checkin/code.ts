// The appointment code as a citizen types it from the slip, or as a QR
// scanner (a keyboard to the browser) types "PFORTE:K7M2QX". Codes are made
// of an alphabet without the look-alikes 0/O and 1/I; a character outside it
// is refused with a message, never silently changed into another one.

/** The characters a code is made of. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** How long the codes on the slips are. */
export const CODE_LENGTH = 6;

const QR_PREFIX = 'PFORTE:';

export interface NormalizedCode {
  /** Upper case, spaces, hyphens and the QR prefix removed. */
  code: string;
  /** The characters outside the alphabet, each once, in typed order. */
  invalid: string[];
}

export function normalizeCode(raw: string): NormalizedCode {
  let s = raw.toLocaleUpperCase('de-DE').replace(/[\s\-–.]+/g, '');
  if (s.startsWith(QR_PREFIX)) s = s.slice(QR_PREFIX.length);
  const invalid: string[] = [];
  for (const ch of s) {
    if (!CODE_ALPHABET.includes(ch) && !invalid.includes(ch)) invalid.push(ch);
  }
  return { code: s, invalid };
}
