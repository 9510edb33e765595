// Dates as people type them (a birth date, the day to show): "12.03.1980",
// "12031980", "1.3.1980", or the API's "1980-03-12". The API wants
// YYYY-MM-DD. The browser's date field is not used: it shows the format of
// the machine's locale, not the German one.

/** YYYY-MM-DD for a typed date; null when it is no real calendar date. */
export function parseDate(input: string): string | null {
  const s = input.trim();
  let d: number, m: number, y: number;
  let match: RegExpMatchArray | null;
  if ((match = s.match(/^(\d{1,2})[.\s/-](\d{1,2})[.\s/-](\d{4})$/))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = s.match(/^(\d{2})(\d{2})(\d{4})$/))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = s.match(/^(\d{4})-(\d{2})-(\d{2})$/))) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    return null;
  }
  if (y < 1000 || m < 1 || m > 12 || d < 1) return null;
  // Date.UTC rolls 31.02. over into March: a real date survives the round trip.
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "12.03.1980" for "1980-03-12"; other text unchanged. */
export function formatDate(iso: string): string {
  const m = iso.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/**
 * The digits typed on the check-in keypad (up to 8, TTMMJJJJ) shown in the
 * boxes "TT.MM.JJJJ": unfilled places keep their letter.
 */
export function keypadMask(digits: string): string {
  const mask = 'TTMMJJJJ';
  const filled = digits.slice(0, 8) + mask.slice(digits.length);
  return `${filled.slice(0, 2)}.${filled.slice(2, 4)}.${filled.slice(4)}`;
}
