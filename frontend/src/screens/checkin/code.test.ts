import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, normalizeCode } from './code';

describe('normalizeCode', () => {
  it.each<[string, string, string, string[]]>([
    ['as printed', 'K7M2QX', 'K7M2QX', []],
    ['lower case is raised', 'k7m2qx', 'K7M2QX', []],
    ['spaces are dropped', ' K7M 2QX ', 'K7M2QX', []],
    ['hyphens are dropped', 'K7M-2QX', 'K7M2QX', []],
    ['the QR code text', 'PFORTE:K7M2QX', 'K7M2QX', []],
    ['the QR code text in lower case', 'pforte:k7m2qx', 'K7M2QX', []],
    ['letter O is refused, not turned into anything', 'K7MOQX', 'K7MOQX', ['O']],
    ['digit 0 is refused', 'K7M0QX', 'K7M0QX', ['0']],
    ['letter I and digit 1 are refused', 'KI1M2Q', 'KI1M2Q', ['I', '1']],
    ['each bad character once', 'OOO0', 'OOO0', ['O', '0']],
    ['umlauts and signs are refused', 'KÄ#2', 'KÄ#2', ['Ä', '#']],
    ['empty', '', '', []],
  ])('%s: %j', (_name, input, code, invalid) => {
    expect(normalizeCode(input)).toEqual({ code, invalid });
  });

  it('has 32 characters without the look-alikes', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    for (const ch of '0O1I') expect(CODE_ALPHABET).not.toContain(ch);
  });
});
