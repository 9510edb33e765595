import { describe, expect, it } from 'vitest';
import { draftOf, holdState, mayEditRetention, mayManageHolds, mayReadHolds, retentionChanged, ruleOf } from './retention';

const rule = { visit_days: 28, appointment_days: 14, audit_days: 365, tracing_margin_minutes: 15, idle_lock_minutes: 10 };

describe('retention form', () => {
  it('round-trips a rule', () => {
    expect(ruleOf(draftOf(rule))).toEqual(rule);
  });
  it('sends what is not a whole number as 0, for the server to refuse', () => {
    expect(
      ruleOf({ visit_days: ' 30 ', appointment_days: '1.5', audit_days: '', tracing_margin_minutes: 'x', idle_lock_minutes: '' }),
    ).toEqual({
      visit_days: 30,
      appointment_days: 0,
      audit_days: 0,
      tracing_margin_minutes: -1, // not 0: that would quietly mean the default
      idle_lock_minutes: -1,
    });
  });
  it('takes what a number input holds', () => {
    expect(ruleOf({ visit_days: 21, appointment_days: null, audit_days: 365, tracing_margin_minutes: 0, idle_lock_minutes: 5 })).toEqual({
      visit_days: 21,
      appointment_days: 0,
      audit_days: 365,
      tracing_margin_minutes: 0,
      idle_lock_minutes: 5,
    });
  });
  it('sees a change', () => {
    expect(retentionChanged(draftOf(rule), rule)).toBe(false);
    expect(retentionChanged({ ...draftOf(rule), visit_days: '21' }, rule)).toBe(true);
    expect(retentionChanged({ ...draftOf(rule), tracing_margin_minutes: 20 }, rule)).toBe(true);
    expect(retentionChanged({ ...draftOf(rule), idle_lock_minutes: '5' }, rule)).toBe(true);
  });
});

describe('holds and roles', () => {
  it('tells a hold in force from a lifted and an expired one', () => {
    expect(holdState({ active: true, lifted: false })).toBe('active');
    expect(holdState({ active: false, lifted: true })).toBe('lifted');
    expect(holdState({ active: false, lifted: false })).toBe('expired');
  });
  it('lets admin and privacy change rules, only privacy manage holds', () => {
    expect(mayEditRetention(['admin'])).toBe(true);
    expect(mayEditRetention(['datenschutz'])).toBe(true);
    expect(mayEditRetention(['leitung'])).toBe(false);
    expect(mayManageHolds(['admin'])).toBe(false);
    expect(mayManageHolds(['datenschutz', 'leitung'])).toBe(true);
  });
  it('shows the holds to data protection and admin, not to the management', () => {
    expect(mayReadHolds(['leitung'])).toBe(false);
    expect(mayReadHolds(['admin'])).toBe(true);
    expect(mayReadHolds(['datenschutz'])).toBe(true);
  });
});
