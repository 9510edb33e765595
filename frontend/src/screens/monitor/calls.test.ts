import { describe, expect, it } from 'vitest';
import type { Call } from '../../lib/api';
import { addCall, board, mergeCalls } from './calls';

const call = (ticket: string, at: string, counter = 'c1', appointment_id = ticket): Call => ({
  ticket,
  counter,
  counter_name: `Schalter ${counter.slice(1)}`,
  at,
  appointment_id,
});

describe('mergeCalls', () => {
  it('keeps the newest first and drops a call reported twice', () => {
    const known = [call('A-002', '2026-11-18T08:20:00+01:00'), call('A-001', '2026-11-18T08:10:00+01:00')];
    const merged = mergeCalls(known, [call('A-003', '2026-11-18T08:30:00+01:00'), call('A-002', '2026-11-18T08:20:00+01:00')]);
    expect(merged.map((c) => c.ticket)).toEqual(['A-003', 'A-002', 'A-001']);
  });

  it('keeps a call again of the same ticket as a new call', () => {
    const merged = mergeCalls([call('A-001', '2026-11-18T08:10:00+01:00')], [call('A-001', '2026-11-18T08:12:00+01:00')]);
    expect(merged).toHaveLength(2);
  });

  it('keeps the order of the list for calls in the same second', () => {
    const known = [call('A-001', '2026-11-18T08:10:00+01:00')];
    const merged = mergeCalls(known, [call('A-003', '2026-11-18T08:10:00+01:00'), call('A-002', '2026-11-18T08:10:00+01:00')]);
    expect(merged.map((c) => c.ticket)).toEqual(['A-003', 'A-002', 'A-001']);
  });

  it('keeps at most `keep`', () => {
    const many = Array.from({ length: 10 }, (_, i) => call(`A-${i}`, `2026-11-18T08:${String(10 + i)}:00+01:00`));
    expect(mergeCalls([], many, 4).map((c) => c.ticket)).toEqual(['A-9', 'A-8', 'A-7', 'A-6']);
  });
});

describe('addCall', () => {
  it('puts a streamed call on top even when it carries the same second', () => {
    const known = [call('A-003', '2026-11-18T08:10:00+01:00'), call('A-002', '2026-11-18T08:10:00+01:00')];
    const got = addCall(known, call('A-001', '2026-11-18T08:10:00+01:00'));
    expect(got.map((c) => c.ticket)).toEqual(['A-001', 'A-003', 'A-002']);
  });

  it('does not list a call twice', () => {
    const c = call('A-001', '2026-11-18T08:10:00+01:00');
    expect(addCall([c], c)).toEqual([c]);
  });
});

describe('board', () => {
  it('shows the newest big and each earlier ticket once', () => {
    const calls = [
      call('A-003', '2026-11-18T08:30:00+01:00'),
      call('A-002', '2026-11-18T08:25:00+01:00'),
      call('A-003', '2026-11-18T08:20:00+01:00'),
      call('A-002', '2026-11-18T08:15:00+01:00'),
      call('A-001', '2026-11-18T08:10:00+01:00'),
    ];
    const b = board(calls, 6);
    expect(b.current?.ticket).toBe('A-003');
    expect(b.previous.map((c) => [c.ticket, c.at])).toEqual([
      ['A-002', '2026-11-18T08:25:00+01:00'],
      ['A-001', '2026-11-18T08:10:00+01:00'],
    ]);
  });

  it('limits the earlier ones', () => {
    const calls = Array.from({ length: 9 }, (_, i) => call(`A-${9 - i}`, `2026-11-18T08:${String(30 - i)}:00+01:00`));
    expect(board(calls, 6).previous).toHaveLength(6);
  });

  it('is empty before the first call', () => {
    expect(board([], 6)).toEqual({ current: undefined, previous: [] });
  });
});
