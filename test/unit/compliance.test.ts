// The pure rules of domain/compliance.ts (contact limits, the override that may only tighten,
// holidays) and the window's closed spans and allowed hours (domain/schedule.ts).
import { describe, expect, it } from 'vitest';
import {
  closedSpans,
  contactDecision,
  effectivePolicy,
  holidayErrors,
  localDay,
  loosenedFields,
  NO_POLICY,
  policyErrors,
  type Policy,
} from '../../domain/compliance.ts';
import { currentClosing, intersectHours, isOpen, nextOpening, toDialWindow } from '../../domain/schedule.ts';
import { LUNAR_HOLIDAYS, vnPublicHolidays } from '../../domain/vn-holidays.ts';

const H = 3_600_000;
const HCM = 'Asia/Ho_Chi_Minh';
/** An instant from a Hồ Chí Minh City wall time (UTC+7, no DST). */
const hcm = (iso: string) => Date.parse(`${iso}+07:00`);
const policy = (p: Partial<Policy>): Policy => ({ ...NO_POLICY, ...p });

describe('contact limits', () => {
  const now = hcm('2026-03-10T12:00:00');
  const call = (at: number, call_id = String(at)) => ({ at, call_id });

  it('rolling 24 h: allowed under the limit, refused at it until the oldest counted call is 24 h old', () => {
    const p = policy({ max_calls_per_number_24h: 2 });
    expect(contactDecision(p, [call(now - 3 * H)], now, HCM)).toEqual({ ok: true });
    expect(contactDecision(p, [call(now - 3 * H), call(now - 20 * H)], now, HCM)).toEqual({
      ok: false,
      next_at: now - 20 * H + 24 * H,
      rule: 'max_calls_per_number_24h',
    });
    // A call exactly 24 h old no longer counts; nor one from 30 h ago.
    expect(contactDecision(p, [call(now - 3 * H), call(now - 24 * H), call(now - 30 * H)], now, HCM).ok).toBe(true);
  });

  it('with 1 per 24 h the next call waits for the last one + 24 h', () => {
    const d = contactDecision(policy({ max_calls_per_number_24h: 1 }), [call(now - 5 * H), call(now - 1 * H)], now, HCM);
    expect(d).toEqual({ ok: false, next_at: now - 1 * H + 24 * H, rule: 'max_calls_per_number_24h' });
  });

  it('calendar day in the tenant zone: refused until local midnight', () => {
    const p = policy({ max_calls_per_number_day: 1 });
    // 11:00 today counts; 23:00 yesterday (local) does not.
    expect(contactDecision(p, [call(hcm('2026-03-09T23:00:00'))], now, HCM).ok).toBe(true);
    expect(contactDecision(p, [call(hcm('2026-03-10T11:00:00'))], now, HCM)).toEqual({
      ok: false,
      next_at: hcm('2026-03-11T00:00:00'),
      rule: 'max_calls_per_number_day',
    });
    // The same instants in another zone: 11:00 HCM is 04:00 UTC, today in UTC too; 23:00 HCM yesterday is 16:00 UTC yesterday.
    expect(localDay(now, 'UTC')).toEqual({ start: Date.parse('2026-03-10T00:00:00Z'), end: Date.parse('2026-03-11T00:00:00Z') });
  });

  it('both limits full: the later moment', () => {
    const p = policy({ max_calls_per_number_24h: 1, max_calls_per_number_day: 1 });
    const d = contactDecision(p, [call(now - 1 * H)], now, HCM);
    expect(d).toEqual({ ok: false, next_at: now + 23 * H, rule: 'max_calls_per_number_24h' });
    const late = hcm('2026-03-10T23:30:00');
    expect(contactDecision(p, [call(late - 2 * H)], late, HCM)).toEqual({
      ok: false,
      next_at: late - 2 * H + 24 * H,
      rule: 'max_calls_per_number_24h',
    });
  });

  it('a day limit over a DST change uses the local day (New York, spring forward)', () => {
    const at = Date.parse('2024-03-10T20:00:00Z'); // 16:00 EDT
    const day = localDay(at, 'America/New_York');
    expect(day.start).toBe(Date.parse('2024-03-10T05:00:00Z')); // 00:00 EST
    expect(day.end).toBe(Date.parse('2024-03-11T04:00:00Z')); // 00:00 EDT: a 23 h day
  });

  it('a call stamped after now (a worker whose clock runs ahead) counts', () => {
    expect(contactDecision(policy({ max_calls_per_number_24h: 1 }), [call(now + 500)], now, HCM)).toEqual({
      ok: false,
      next_at: now + 500 + 24 * H,
      rule: 'max_calls_per_number_24h',
    });
    expect(contactDecision(policy({ max_calls_per_number_day: 1 }), [call(now + 500)], now, HCM).ok).toBe(false);
  });

  it('no limit: always allowed', () => {
    expect(
      contactDecision(
        NO_POLICY,
        Array.from({ length: 50 }, (_, i) => call(now - i * 1000)),
        now,
        HCM,
      ).ok,
    ).toBe(true);
  });
});

describe('the override only tightens', () => {
  const tenant = policy({ max_calls_per_number_24h: 1, max_calls_per_number_day: 5, allowed_hours: { start: '08:00', end: '17:00' } });

  it('names each looser field', () => {
    const errs = loosenedFields(tenant, policy({ max_calls_per_number_24h: 2, allowed_hours: { start: '07:30', end: '12:00' } }));
    expect(errs.map((e) => Object.keys(e)[0])).toEqual(['max_calls_per_number_24h', 'allowed_hours']);
    expect(errs[0]!.max_calls_per_number_24h).toContain("at most the tenant's 1");
  });

  it('accepts tighter or unset values, and the tenant without a rule lets any value in', () => {
    expect(loosenedFields(tenant, policy({ max_calls_per_number_day: 3, allowed_hours: { start: '09:00', end: '17:00' } }))).toEqual([]);
    expect(loosenedFields(tenant, NO_POLICY)).toEqual([]);
    expect(loosenedFields(NO_POLICY, policy({ max_calls_per_number_24h: 7 }))).toEqual([]);
  });

  it('effective policy: the tighter of both', () => {
    const e = effectivePolicy(tenant, policy({ max_calls_per_number_day: 3, allowed_hours: { start: '09:15', end: '18:00' } }));
    expect(e).toEqual({ max_calls_per_number_24h: 1, max_calls_per_number_day: 3, allowed_hours: { start: '09:15', end: '17:00' } });
    expect(effectivePolicy(tenant, null)).toBe(tenant);
  });

  it('allowed hours must run forward within a day', () => {
    expect(policyErrors(policy({ allowed_hours: { start: '17:00', end: '08:00' } }))).toEqual([
      { allowed_hours: 'allowed_hours.end must be after allowed_hours.start' },
    ]);
    expect(policyErrors(policy({ allowed_hours: { start: '25:00', end: '26:00' } }))[0]!.allowed_hours).toMatch(/between/);
  });
});

describe('holidays', () => {
  it('overlapping entries name both; malformed dates are per entry', () => {
    const errs = holidayErrors([
      { name: 'Tết', start: '2026-02-16', end: '2026-02-22' },
      { name: 'x', start: '2026-02-22', end: '2026-02-23' },
      { name: 'bad', start: '2026-02-30', end: '2026-03-01' },
      { name: 'mixed', start: '2026-05-01', end: '2026-05-01T10:00' },
      { name: 'backwards', start: '2026-06-02', end: '2026-06-01' },
    ]);
    expect(errs).toEqual([
      { 'holidays.2': 'start must be a date YYYY-MM-DD or a local date-time YYYY-MM-DDTHH:MM[:SS]' },
      { 'holidays.3': 'start and end must both be dates or both be date-times' },
      { 'holidays.4': 'end must not be before start' },
      { 'holidays.1': 'overlaps holidays.0 (2026-02-16 – 2026-02-22)' },
    ]);
    // Back to back is fine: date ranges are inclusive, date-times end-exclusive.
    expect(
      holidayErrors([
        { name: 'a', start: '2026-02-16', end: '2026-02-22' },
        { name: 'b', start: '2026-02-23', end: '2026-02-23' },
        { name: 'c', start: '2026-02-24T08:00', end: '2026-02-24T12:00' },
        { name: 'd', start: '2026-02-24T12:00', end: '2026-02-24T13:00' },
      ]),
    ).toEqual([]);
  });

  it('closed spans: local dates in the tenant zone, merged, with the public holidays when asked', () => {
    const from = hcm('2026-01-01T00:00:00');
    const spans = closedSpans([{ name: 'a', start: '2026-02-10', end: '2026-02-12' }], {
      vn_public_holidays: true,
      time_zone: HCM,
      from,
      to: hcm('2026-03-01T00:00:00'),
    });
    expect(spans).toEqual([
      { start: hcm('2026-01-01T00:00:00'), end: hcm('2026-01-02T00:00:00') },
      { start: hcm('2026-02-10T00:00:00'), end: hcm('2026-02-13T00:00:00') },
      // Tết 2026: 17 Feb is the 1st day of the lunar year; its eve to the 4th day.
      { start: hcm('2026-02-16T00:00:00'), end: hcm('2026-02-21T00:00:00') },
    ]);
  });

  it('the lunar table: Tết and Hùng Kings as published, Vietnam not China (2027), years in order', () => {
    expect(LUNAR_HOLIDAYS[2025]).toEqual({ tet: '2025-01-29', hung_kings: '2025-04-07' });
    expect(LUNAR_HOLIDAYS[2027]!.tet).toBe('2027-02-06');
    const years = Object.keys(LUNAR_HOLIDAYS).map(Number);
    expect(years).toEqual([...years].sort((a, b) => a - b));
    expect(vnPublicHolidays(2026).find((h) => h.name === 'Quốc khánh')).toEqual({
      name: 'Quốc khánh',
      start: '2026-09-01',
      end: '2026-09-02',
    });
    expect(vnPublicHolidays(1999)).toEqual([]);
  });
});

describe('the window with closed spans and allowed hours', () => {
  const w = toDialWindow({ local_start_time: '07:00:00', local_end_time: '21:00:00' });
  const closed = { start: hcm('2026-03-10T00:00:00'), end: hcm('2026-03-11T00:00:00') };
  const withHoliday = { ...w, closed: [closed] };

  it('a holiday closes an open window and the next opening is the first one after it', () => {
    const t = hcm('2026-03-10T10:00:00');
    expect(isOpen(w, t, HCM)).toBe(true);
    expect(isOpen(withHoliday, t, HCM)).toBe(false);
    expect(nextOpening(withHoliday, t, HCM)).toBe(hcm('2026-03-11T07:00:00'));
    // Before it, the window closes at the holiday's start if that comes first.
    expect(
      currentClosing({ ...withHoliday, closed: [{ start: hcm('2026-03-09T15:00:00'), end: closed.end }] }, hcm('2026-03-09T10:00:00'), HCM),
    ).toBe(hcm('2026-03-09T15:00:00'));
    expect(currentClosing(withHoliday, hcm('2026-03-09T10:00:00'), HCM)).toBe(hcm('2026-03-09T21:00:00'));
  });

  it('an always-open campaign is closed on a holiday too; spans back to back are skipped in one go', () => {
    const always = { kind: 'always' as const, closed: [closed, { start: closed.end, end: closed.end + 2 * H }] };
    expect(isOpen(always, hcm('2026-03-10T10:00:00'), HCM)).toBe(false);
    expect(nextOpening(always, hcm('2026-03-10T10:00:00'), HCM)).toBe(closed.end + 2 * H);
    expect(currentClosing(always, hcm('2026-03-09T10:00:00'), HCM)).toBe(closed.start);
  });

  it('allowed hours narrow every day, including a span past midnight', () => {
    const eight = 8 * H;
    const narrowed = intersectHours(w, { start: eight, end: 17 * H });
    expect(isOpen(narrowed, hcm('2026-03-09T07:30:00'), HCM)).toBe(false);
    expect(isOpen(narrowed, hcm('2026-03-09T16:59:59'), HCM)).toBe(true);
    expect(isOpen(narrowed, hcm('2026-03-09T17:00:00'), HCM)).toBe(false);
    expect(nextOpening(narrowed, hcm('2026-03-09T18:00:00'), HCM)).toBe(hcm('2026-03-10T08:00:00'));
    const night = toDialWindow({ local_start_time: '20:00:00', local_end_time: '09:00:00' });
    const n = intersectHours(night, { start: 7 * H, end: 21 * H });
    expect(isOpen(n, hcm('2026-03-09T20:30:00'), HCM)).toBe(true);
    expect(isOpen(n, hcm('2026-03-09T22:00:00'), HCM)).toBe(false);
    expect(isOpen(n, hcm('2026-03-10T07:30:00'), HCM)).toBe(true);
    expect(isOpen(intersectHours({ kind: 'always' }, { start: eight, end: 17 * H }), hcm('2026-03-09T12:00:00'), HCM)).toBe(true);
    // Empty hours (disjoint tenant and override): never open.
    expect(nextOpening(intersectHours(w, { start: 0, end: 0 }), hcm('2026-03-09T12:00:00'), HCM)).toBeNull();
  });
});
