// Dialing windows: when may a campaign place calls, in its own time zone.
// Pure: the caller passes `nowMs`; luxon's IANAZone only gives a zone's UTC offset at an instant.
//
// Decisions (docs/decisions.md, Pure rules):
// - Times are WALL-CLOCK times of the campaign's zone: "08:00" on a DST day is 08:00 local,
//   not 8 h after midnight. A wall time inside a spring-forward gap moves forward by the gap
//   (02:30 New York on 2024-03-10 is 03:30 EDT); an ambiguous fall-back time is its first
//   occurrence (01:30 on 2024-11-03 is 01:30 EDT). luxon supplies only the zone offsets.
// - Intervals are [start, end): start inclusive, end exclusive.
// - `schedules` (per weekday, nanoseconds after local midnight):
//   * a day whose start and end are both 0 or missing is closed that day;
//   * end < start spans midnight: open from start to end on the next day (end 0 = until midnight),
//     even if the next day is itself closed;
//   * start == end (non-zero) is an empty window: closed that day;
//   * an entry where NO day has a time (a blank form) counts as no schedule at all;
//   * several entries are a union.
// - `local_start_time`/`local_end_time` (`HH:MM[:SS]`, every day) apply when `schedules` says
//   nothing. end < start spans midnight; equal times (the "00:00:00"/"00:00:00" default) or a
//   missing one mean no restriction.
// - Neither given: always open.
// - Malformed values throw ScheduleError (validate at the API with scheduleErrors()).

import { IANAZone } from 'luxon';

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A schedule value: nanoseconds after local midnight. The API stores numbers; a MongoDB Long
 * (bigint) or a numeric string reads the same; null or missing = not set.
 */
export type NsValue = number | bigint | string | null | undefined;
/**
 * One element of a campaign's `schedules`: per weekday, nanoseconds after local midnight
 * (28800000000000 = 08:00). `V` is how the values are held: numbers as the API writes them (the
 * campaign document, domain/campaign.ts), or any NsValue (what the window functions here read).
 */
export type WeeklySchedule<V = number> = Partial<Record<`${Weekday}_start_time` | `${Weekday}_end_time`, V>>;

/** The campaign fields that define its window. */
export interface CampaignWindowFields {
  schedules?: WeeklySchedule<NsValue>[] | null;
  local_start_time?: string | null;
  local_end_time?: string | null;
}

/** One open span of a day, ms after local midnight; `end` may pass 24 h (spans midnight). */
export interface DaySpan {
  start: number;
  end: number;
}

/** A closed span between two instants (ms, [start, end)): a holiday or restricted period. */
export interface ClosedSpan {
  start: number;
  end: number;
}

/** Normalised window: `days[0]` is Monday … `days[6]` Sunday. `closed`: instants when it is shut
 *  whatever the weekly pattern says (tenant holidays and restricted periods, domain/compliance.ts),
 *  sorted and merged. */
export type DialWindow = ({ kind: 'always' } | { kind: 'weekly'; days: DaySpan[][] }) & { closed?: ClosedSpan[] };
export type WindowSpec = DialWindow | CampaignWindowFields;

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000;

/** Nanoseconds after midnight → ms; null for 0/missing. Throws on anything else out of range. */
function nsToMs(v: NsValue, field: string): number | null {
  if (v === null || v === undefined || v === '') return null;
  let ms: number;
  if (typeof v === 'bigint') {
    ms = Number(v / BigInt(NS_PER_MS));
  } else {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw new ScheduleError(`${field} must be a number of nanoseconds`);
    ms = Math.floor(n / NS_PER_MS);
  }
  if (ms < 0 || ms > DAY_MS) throw new ScheduleError(`${field} must be between 0 and 86400000000000 (24:00)`);
  return ms === 0 ? null : ms;
}

/** `HH:MM` or `HH:MM:SS` → ms after midnight (24:00:00 allowed). Throws when malformed. */
export function parseLocalTime(s: string, field = 'time'): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
  if (!m) throw new ScheduleError(`${field} must be HH:MM:SS`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  const sec = Number(m[3] ?? 0);
  if (min > 59 || sec > 59 || h > 24 || (h === 24 && (min > 0 || sec > 0)))
    throw new ScheduleError(`${field} must be a time between 00:00:00 and 24:00:00`);
  return ((h * 60 + min) * 60 + sec) * 1000;
}

function span(start: number, end: number): DaySpan | null {
  if (start === end) return null;
  return { start, end: end > start ? end : end + DAY_MS };
}

/** Campaign fields → normalised window (throws ScheduleError on malformed values). */
export function toDialWindow(fields: CampaignWindowFields): DialWindow {
  const days: DaySpan[][] = WEEKDAYS.map(() => []);
  let anyDaySet = false;
  for (const entry of fields.schedules ?? []) {
    if (!entry) continue;
    WEEKDAYS.forEach((day, i) => {
      const s = nsToMs(entry[`${day}_start_time`], `${day}_start_time`);
      const e = nsToMs(entry[`${day}_end_time`], `${day}_end_time`);
      if (s === null && e === null) return;
      anyDaySet = true;
      const sp = span(s ?? 0, e ?? 0);
      if (sp) days[i]!.push(sp);
    });
  }
  if (anyDaySet) return { kind: 'weekly', days };

  const { local_start_time: ls, local_end_time: le } = fields;
  if (ls && le && ls.trim() && le.trim()) {
    const s = parseLocalTime(ls, 'local_start_time');
    const e = parseLocalTime(le, 'local_end_time');
    const sp = span(s % DAY_MS, e % DAY_MS);
    if (!sp) return { kind: 'always' };
    return { kind: 'weekly', days: WEEKDAYS.map(() => [sp]) };
  }
  return { kind: 'always' };
}

/** Validation messages for the API (empty when fine). */
export function scheduleErrors(fields: CampaignWindowFields, tz?: string | null): string[] {
  const errs: string[] = [];
  try {
    toDialWindow(fields);
  } catch (e) {
    errs.push((e as Error).message);
  }
  if (tz && !IANAZone.isValidZone(tz.trim())) errs.push(`unknown time zone ${tz}`);
  return errs;
}

function normalise(w: WindowSpec): DialWindow {
  return 'kind' in w && (w.kind === 'always' || w.kind === 'weekly') ? w : toDialWindow(w as CampaignWindowFields);
}

function zoneOf(tz: string | null | undefined): IANAZone {
  const name = tz && tz.trim() ? tz.trim() : DEFAULT_TIME_ZONE;
  if (!IANAZone.isValidZone(name)) throw new ScheduleError(`unknown time zone ${name}`);
  return IANAZone.create(name);
}

/**
 * Wall time (given as ms on a UTC-based calendar) → instant. Explicit rules rather than luxon's
 * DateTime.fromObject, whose pick for an ambiguous time depends on the CURRENT clock's offset
 * (it would make Temporal replays non-deterministic): a time in a gap moves forward by the gap, an
 * ambiguous time is its first occurrence.
 */
export function wallToInstant(zone: IANAZone, wall: number): number {
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  const a = wall - before * 60_000;
  const b = wall - after * 60_000;
  const aOk = zone.offset(a) === before;
  const bOk = zone.offset(b) === after;
  if (aOk && bOk) return Math.min(a, b);
  if (aOk) return a;
  if (bOk) return b;
  return a; // in a gap: read with the offset before the change, which lands after it
}

interface Interval {
  start: number;
  end: number;
}

/** Open intervals (merged, sorted) for local days `from`..`to` around now (0 = today). */
function intervalsAround(w: { days: DaySpan[][] }, nowMs: number, zone: IANAZone, from: number, to: number): Interval[] {
  const localNow = nowMs + zone.offset(nowMs) * 60_000;
  const today = localNow - (((localNow % DAY_MS) + DAY_MS) % DAY_MS); // local midnight on the UTC calendar
  const raw: Interval[] = [];
  for (let off = from; off <= to; off++) {
    const day = today + off * DAY_MS;
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    for (const sp of w.days[weekday] ?? []) {
      const start = wallToInstant(zone, day + sp.start);
      const end = wallToInstant(zone, day + sp.end);
      if (end > start) raw.push({ start, end });
    }
  }
  raw.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const iv of raw) {
    const last = merged[merged.length - 1];
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else merged.push({ ...iv });
  }
  return merged;
}

/** The closed span holding `t`, if any. */
function closedAt(w: DialWindow, t: number): ClosedSpan | undefined {
  return w.closed?.find((c) => c.start <= t && t < c.end);
}

/** May we dial at `nowMs`? */
export function isOpen(window: WindowSpec, nowMs: number, tz?: string | null): boolean {
  const w = normalise(window);
  if (closedAt(w, nowMs)) return false;
  if (w.kind === 'always') return true;
  const zone = zoneOf(tz);
  return intervalsAround(w, nowMs, zone, -1, 0).some((iv) => iv.start <= nowMs && nowMs < iv.end);
}

/** `nowMs` when open, else the next opening instant; null if the window never opens (or not
 *  within the next ~10 years of closed spans). */
export function nextOpening(window: WindowSpec, nowMs: number, tz?: string | null): number | null {
  const w = normalise(window);
  let t: number | null = nowMs;
  // Alternate: the weekly pattern's next opening, then past the closed span holding it.
  for (let i = 0; t !== null && i < 5_000; i++) {
    const c = closedAt(w, t);
    if (c) {
      t = c.end;
      continue;
    }
    const open = weeklyOpening(w, t, tz);
    if (open === t || open === null) return open;
    t = open;
  }
  return null;
}

function weeklyOpening(w: DialWindow, nowMs: number, tz?: string | null): number | null {
  if (w.kind === 'always') return nowMs;
  const zone = zoneOf(tz);
  let best: number | null = null;
  for (const iv of intervalsAround(w, nowMs, zone, -1, 8)) {
    if (iv.start <= nowMs && nowMs < iv.end) return nowMs;
    if (iv.start > nowMs && (best === null || iv.start < best)) best = iv.start;
  }
  return best;
}

/**
 * When the window we are in now closes (exclusive end). null when closed now, or when it never
 * closes (always open, or every day joined end to end).
 */
export function currentClosing(window: WindowSpec, nowMs: number, tz?: string | null): number | null {
  const w = normalise(window);
  if (closedAt(w, nowMs)) return null;
  const weekly = weeklyClosing(w, nowMs, tz);
  if (weekly === undefined) return null;
  // A closed span that starts before the weekly pattern closes ends the open time first.
  const next = w.closed?.find((c) => c.start > nowMs)?.start ?? null;
  if (next !== null && (weekly === null || next < weekly)) return next;
  return weekly;
}

/** The weekly pattern's closing: undefined when closed now, null when it never closes. */
function weeklyClosing(w: DialWindow, nowMs: number, tz?: string | null): number | null | undefined {
  if (w.kind === 'always') return null;
  const zone = zoneOf(tz);
  const iv = intervalsAround(w, nowMs, zone, -1, 8).find((i) => i.start <= nowMs && nowMs < i.end);
  if (!iv) return undefined;
  // We build 10 days of intervals. A weekly pattern with any gap yields runs of at most
  // 7 days (+1 h of DST), so a longer run means there is no gap at all.
  if (iv.end - iv.start >= 8 * DAY_MS) return null;
  return iv.end;
}

/**
 * The window narrowed to allowed hours `[start, end)` of every local day (ms after midnight,
 * start < end ≤ 24 h): a tenant's compliance hours (domain/compliance.ts). A span that runs past
 * midnight keeps only what falls in the next day's allowed hours. Closed spans are kept.
 */
export function intersectHours(window: WindowSpec, hours: DaySpan): DialWindow {
  const w = normalise(window);
  const base: DaySpan[][] = w.kind === 'always' ? WEEKDAYS.map(() => [{ start: 0, end: DAY_MS }]) : w.days;
  const allowed = [hours, { start: hours.start + DAY_MS, end: hours.end + DAY_MS }];
  const days = base.map((spans) =>
    spans.flatMap((sp) =>
      allowed.flatMap((a) => {
        const start = Math.max(sp.start, a.start);
        const end = Math.min(sp.end, a.end);
        return end > start ? [{ start, end }] : [];
      }),
    ),
  );
  return { kind: 'weekly', days, ...(w.closed ? { closed: w.closed } : {}) };
}
