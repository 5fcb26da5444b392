// Calling within the rules: the pure decisions behind the tenant policy (contact limits per
// number, allowed hours), its per-campaign override, and holidays / restricted periods.
// No I/O: storage/ keeps the documents, activities/compliance.ts asks these functions what to do.
// Tests: test/unit/compliance.test.ts. Docs: docs/compliance.md.
import { IANAZone } from 'luxon';
import { DEFAULT_TIME_ZONE, parseLocalTime, wallToInstant, type ClosedSpan, type DaySpan } from './schedule.ts';
import { vnPublicHolidays } from './vn-holidays.ts';

const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** A rolling limit counts the calls of the last 24 h. */
export const ROLLING_MS = 24 * HOUR_MS;
/** Limits accepted per number (per 24 h or per day). */
export const MAX_LIMIT = 100;

export interface AllowedHours {
  /** HH:MM, inclusive */
  start: string;
  /** HH:MM, exclusive; after start (no span past midnight) */
  end: string;
}

/** The tenant's policy, and a campaign's override (same fields; null = no rule of its own). */
export interface Policy {
  /** At most this many calls to one number in any 24 h (rolling), over every campaign of the tenant. */
  max_calls_per_number_24h: number | null;
  /** At most this many calls to one number per calendar day in the tenant's time zone. */
  max_calls_per_number_day: number | null;
  /** Calls only between these local times, every day (narrows every campaign's window). */
  allowed_hours: AllowedHours | null;
}

export const NO_POLICY: Policy = { max_calls_per_number_24h: null, max_calls_per_number_day: null, allowed_hours: null };

/** HH:MM → ms after midnight, or an error message. */
export function hoursOf(h: AllowedHours): { span: DaySpan } | { error: string } {
  try {
    const start = parseLocalTime(h.start, 'allowed_hours.start');
    const end = parseLocalTime(h.end, 'allowed_hours.end');
    if (end <= start) return { error: 'allowed_hours.end must be after allowed_hours.start' };
    return { span: { start, end } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** What is wrong with a policy on its own: [{field: message}]. */
export function policyErrors(p: Policy): Array<Record<string, string>> {
  const errs: Array<Record<string, string>> = [];
  if (p.allowed_hours) {
    const h = hoursOf(p.allowed_hours);
    if ('error' in h) errs.push({ allowed_hours: h.error });
  }
  return errs;
}

/**
 * A campaign override may only tighten the tenant's policy: each limit at most the tenant's, the
 * allowed hours inside the tenant's (null: no rule of its own, the tenant's applies). A looser
 * value is named: [{field: message}].
 */
export function loosenedFields(tenant: Policy, campaign: Policy): Array<Record<string, string>> {
  const errs: Array<Record<string, string>> = [];
  for (const f of ['max_calls_per_number_24h', 'max_calls_per_number_day'] as const) {
    const t = tenant[f];
    const c = campaign[f];
    if (t !== null && c !== null && c > t)
      errs.push({ [f]: `must be at most the tenant's ${t} (an override may only tighten the policy)` });
  }
  const th = tenant.allowed_hours ? hoursOf(tenant.allowed_hours) : null;
  const ch = campaign.allowed_hours ? hoursOf(campaign.allowed_hours) : null;
  if (th && 'span' in th && ch && 'span' in ch && (ch.span.start < th.span.start || ch.span.end > th.span.end))
    errs.push({
      allowed_hours: `must lie within the tenant's ${tenant.allowed_hours!.start}–${tenant.allowed_hours!.end} (an override may only tighten the policy)`,
    });
  return errs;
}

const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** The rules a campaign's calls follow: the tighter of the tenant's and the campaign's. */
export function effectivePolicy(tenant: Policy, campaign: Policy | null): Policy {
  if (!campaign) return tenant;
  const t = tenant.allowed_hours ? hoursOf(tenant.allowed_hours) : null;
  const c = campaign.allowed_hours ? hoursOf(campaign.allowed_hours) : null;
  let allowed_hours = tenant.allowed_hours ?? campaign.allowed_hours;
  if (t && c && 'span' in t && 'span' in c) {
    const start = Math.max(t.span.start, c.span.start);
    // Disjoint hours (an override stored before the tenant moved its own): never open.
    const end = Math.max(start, Math.min(t.span.end, c.span.end));
    allowed_hours = { start: clock(start), end: clock(end) };
  }
  return {
    max_calls_per_number_24h: minOf(tenant.max_calls_per_number_24h, campaign.max_calls_per_number_24h),
    max_calls_per_number_day: minOf(tenant.max_calls_per_number_day, campaign.max_calls_per_number_day),
    allowed_hours,
  };
}

/** ms after midnight → HH:MM (HH:MM:SS when it has seconds). */
function clock(ms: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const sec = Math.floor(ms / 1000);
  const hm = `${pad(Math.floor(sec / 3600))}:${pad(Math.floor(sec / 60) % 60)}`;
  return sec % 60 ? `${hm}:${pad(sec % 60)}` : hm;
}

export const hasLimit = (p: Policy): boolean => p.max_calls_per_number_24h !== null || p.max_calls_per_number_day !== null;

// ---- contact limits ------------------------------------------------------------------------------

/** A call to the number, as its reservation records it. */
export interface ContactCall {
  at: number;
  call_id: string;
}

export type ContactDecision = { ok: true } | { ok: false; next_at: number; rule: 'max_calls_per_number_24h' | 'max_calls_per_number_day' };

/** Local midnight before `now` and the next one, as instants, in zone `tz`. */
export function localDay(now: number, tz: string | null | undefined): { start: number; end: number } {
  const zone = IANAZone.create(tz && IANAZone.isValidZone(tz) ? tz : DEFAULT_TIME_ZONE);
  const local = now + zone.offset(now) * 60_000;
  const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  return { start: wallToInstant(zone, midnight), end: wallToInstant(zone, midnight + DAY_MS) };
}

/**
 * May one more call go to a number now? `calls`: the number's calls (any campaign of the tenant)
 * of at least the last 25 h, any order (a call stamped after `now`, by a worker whose clock runs
 * ahead, counts too). Refused: when the earliest next call is allowed — the
 * oldest call that fills the rolling limit + 24 h, or the next local midnight for the day limit
 * (the later of the two when both are full).
 */
export function contactDecision(p: Policy, calls: ContactCall[], now: number, tz: string | null | undefined): ContactDecision {
  let refusal: ContactDecision = { ok: true };
  const n24 = p.max_calls_per_number_24h;
  if (n24 !== null) {
    const recent = calls
      .filter((c) => c.at > now - ROLLING_MS)
      .map((c) => c.at)
      .sort((a, b) => b - a);
    if (recent.length >= n24) refusal = { ok: false, next_at: recent[n24 - 1]! + ROLLING_MS, rule: 'max_calls_per_number_24h' };
  }
  const nDay = p.max_calls_per_number_day;
  if (nDay !== null) {
    const day = localDay(now, tz);
    const today = calls.filter((c) => c.at >= day.start).length;
    if (today >= nDay && (refusal.ok || day.end > refusal.next_at))
      refusal = { ok: false, next_at: day.end, rule: 'max_calls_per_number_day' };
  }
  return refusal;
}

/** How far back a check must read a number's calls (the day limit's day can be 25 h in DST zones). */
export const LOOKBACK_MS = 25 * HOUR_MS;

// ---- holidays and restricted periods ---------------------------------------------------------------

/** A tenant's holiday: whole local dates (YYYY-MM-DD, end inclusive) or local date-times
 *  (YYYY-MM-DDTHH:MM[:SS], end exclusive) — a restricted period. */
export interface Holiday {
  name: string;
  start: string;
  end: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A local date or date-time → wall ms on the UTC calendar (null when malformed or impossible). */
function wallOf(s: string): { wall: number; dateOnly: boolean } | null {
  const m = DATE.exec(s) ?? DATE_TIME.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[];
  if (h! > 23 || mi! > 59 || se! > 59) return null;
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi, se);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d) return null;
  return { wall, dateOnly: m[4] === undefined };
}

/** A holiday as local wall ms [start, end). */
function wallSpan(h: Holiday): { start: number; end: number } | { error: string } {
  const s = wallOf(h.start);
  const e = wallOf(h.end);
  if (!s) return { error: 'start must be a date YYYY-MM-DD or a local date-time YYYY-MM-DDTHH:MM[:SS]' };
  if (!e) return { error: 'end must be a date YYYY-MM-DD or a local date-time YYYY-MM-DDTHH:MM[:SS]' };
  if (s.dateOnly !== e.dateOnly) return { error: 'start and end must both be dates or both be date-times' };
  const end = e.dateOnly ? e.wall + DAY_MS : e.wall;
  if (end <= s.wall) return { error: e.dateOnly ? 'end must not be before start' : 'end must be after start' };
  return { start: s.wall, end };
}

/** What is wrong with a list of holidays: [{`holidays.i.field`: message}]; overlapping entries
 *  are an error naming both. */
export function holidayErrors(list: Holiday[]): Array<Record<string, string>> {
  const errs: Array<Record<string, string>> = [];
  const spans: Array<{ i: number; start: number; end: number }> = [];
  list.forEach((h, i) => {
    const sp = wallSpan(h);
    if ('error' in sp) errs.push({ [`holidays.${i}`]: sp.error });
    else spans.push({ i, ...sp });
  });
  spans.sort((a, b) => a.start - b.start);
  for (let k = 1; k < spans.length; k++) {
    const a = spans[k - 1]!;
    const b = spans[k]!;
    if (b.start < a.end) {
      const [x, y] = a.i < b.i ? [a.i, b.i] : [b.i, a.i];
      errs.push({ [`holidays.${y}`]: `overlaps holidays.${x} (${list[x]!.start} – ${list[x]!.end})` });
    }
  }
  return errs;
}

/**
 * The instants when no campaign of the tenant dials between `from` and `to`: its holidays and, when
 * asked, Vietnam's public holidays (domain/vn-holidays.ts), in the tenant's zone; sorted, merged.
 * Malformed entries (refused at the API) are skipped.
 */
export function closedSpans(
  holidays: Holiday[],
  opts: { vn_public_holidays: boolean; time_zone: string | null | undefined; from: number; to: number },
): ClosedSpan[] {
  const zone = IANAZone.create(opts.time_zone && IANAZone.isValidZone(opts.time_zone) ? opts.time_zone : DEFAULT_TIME_ZONE);
  const all: Holiday[] = [...holidays];
  if (opts.vn_public_holidays) {
    const y0 = new Date(opts.from).getUTCFullYear() - 1;
    const y1 = new Date(opts.to).getUTCFullYear() + 1;
    for (let y = y0; y <= y1; y++) all.push(...vnPublicHolidays(y));
  }
  const spans: ClosedSpan[] = [];
  for (const h of all) {
    const w = wallSpan(h);
    if ('error' in w) continue;
    const start = wallToInstant(zone, w.start);
    const end = wallToInstant(zone, w.end);
    if (end > opts.from && start < opts.to && end > start) spans.push({ start, end });
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: ClosedSpan[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged;
}
