// Finding staff by a few typed letters, as the reception types them: case,
// accents and the German spelling of umlauts without dots ("mueller",
// "strasse") do not matter.

import type { Staff } from './api';

/** Lower case, accents removed, ß → ss: "Müller" → "muller". */
export function fold(s: string): string {
  return s
    .toLocaleLowerCase('de-DE')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** Lower case with umlauts spelled out: "Müller" → "mueller". */
function spellOut(s: string): string {
  return fold(
    s
      .toLocaleLowerCase('de-DE')
      .replace(/ä/g, 'ae')
      .replace(/ö/g, 'oe')
      .replace(/ü/g, 'ue'),
  );
}

/** "Anna Müller — Bürgerservice": how a host is shown in lists and in the field. */
export function staffLabel(s: Pick<Staff, 'name' | 'department'>): string {
  return s.department ? `${s.name} — ${s.department}` : s.name;
}

function words(s: string): string[] {
  return s.split(/[\s\-—–,./()]+/).filter(Boolean);
}

/**
 * Scores how well one query word matches a text: 3 for the start of the
 * name, 2 for the start of a later word, 1 anywhere inside, 0 for no match.
 */
function scoreWord(q: string, text: string): number {
  let best = 0;
  for (const variant of [fold(text), spellOut(text)]) {
    if (variant.startsWith(q)) return 3;
    if (words(variant).some((w) => w.startsWith(q))) best = Math.max(best, 2);
    else if (variant.includes(q)) best = Math.max(best, 1);
  }
  return best;
}

/**
 * The items whose name or secondary text contains every word of the query,
 * best matches first (name before secondary, word starts before inner
 * matches), then by name. An empty query gives everything, sorted by name.
 */
export function filterByName<T>(
  items: readonly T[],
  query: string,
  name: (t: T) => string,
  secondary: (t: T) => string,
  limit = Infinity,
): T[] {
  const qs = words(fold(query.trim()));
  const scored: { t: T; score: number }[] = [];
  for (const t of items) {
    let total = 0;
    let ok = true;
    for (const q of qs) {
      // A name match counts double so "bürger" finds Herr Bürger before the Bürgerservice.
      const score = Math.max(scoreWord(q, name(t)) * 2, scoreWord(q, secondary(t)));
      if (score === 0) {
        ok = false;
        break;
      }
      total += score;
    }
    if (ok) scored.push({ t, score: total });
  }
  scored.sort((a, b) => b.score - a.score || name(a.t).localeCompare(name(b.t), 'de'));
  return scored.slice(0, limit).map((x) => x.t);
}

/** Staff by name or department (see filterByName). */
export function filterStaff(staff: readonly Staff[], query: string, limit = Infinity): Staff[] {
  return filterByName(staff, query, (s) => s.name, (s) => s.department ?? '', limit);
}
