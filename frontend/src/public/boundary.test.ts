// The public bundle is served on the citizens' listener: it must never pull
// in staff screens. Outside src/public it may import only the two pure
// helpers below (they import nothing themselves) and npm packages.
import { describe, expect, it } from 'vitest';

const sources = import.meta.glob(['./**/*.ts', './**/*.svelte', '!./**/*.test.ts'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const shared = import.meta.glob(['../lib/time.ts', '../lib/dates.ts'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const ALLOWED_OUTSIDE = new Set(['../../lib/time', '../../lib/dates', '../lib/time', '../lib/dates']);
const importsOf = (src: string) => [...src.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);

describe('public bundle boundary', () => {
  it('imports from the staff app only the pure time and date helpers', () => {
    const bad: string[] = [];
    for (const [file, src] of Object.entries(sources)) {
      for (const spec of importsOf(src)) {
        if (!spec.startsWith('.')) continue;
        const depth = file.split('/').length - 2; // folders below src/public
        const up = spec.split('/').filter((p) => p === '..').length;
        if (up > depth && !ALLOWED_OUTSIDE.has(spec)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });

  it('the shared helpers import nothing', () => {
    for (const [file, src] of Object.entries(shared)) expect(importsOf(src), file).toEqual([]);
  });
});
