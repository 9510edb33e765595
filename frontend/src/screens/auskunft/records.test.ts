import { describe, expect, it } from 'vitest';
import type { PersonalData } from '../../lib/api/privacy';
import { erasableIds, hasQuery, keepSelected, recordCount } from './records';

const data = {
  visits: [{ id: 'v1' }, { id: 'v2' }],
  appointments: [{ id: 'a1' }],
  inbox: [{ id: 'i1' }],
  print_jobs: [],
} as unknown as PersonalData;

describe('data-subject records', () => {
  it('erases visits and appointments by id', () => {
    expect(erasableIds(data)).toEqual(['v1', 'v2', 'a1']);
    expect(recordCount(data)).toBe(4);
  });
  it('keeps only the selection still found', () => {
    expect(keepSelected(['v2', 'gone', 'a1'], data)).toEqual(['v2', 'a1']);
  });
  it('needs one field', () => {
    expect(hasQuery({ name: '  ' })).toBe(false);
    expect(hasQuery({ phone: '0171' })).toBe(true);
  });
});
