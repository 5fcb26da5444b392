// Dialing windows: when may a campaign place calls, in its own time zone.
// Pure: the caller passes `nowMs`; luxon only converts between instants and wall clocks.
//
// Decisions (README design section):
// - Times are WALL-CLOCK times of the campaign's zone: "08:00" on a DST day is 08:00 local,
//   not 8 h after midnight. A wall time inside a spring-forward gap moves forward by the gap
//   (luxon's rule: 02:30 New York on 2024-03-10 is 03:30 EDT); an ambiguous fall-back time is
//   luxon's pick, the second (standard-time) occurrence: 01:30 on 2024-11-03 is 01:30 EST.
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

import { DateTime } from 'luxon';

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

type NsValue = number | bigint | string | null | undefined;
/** One element of the campaign's `schedules` array. */
export type WeeklySchedule = Partial<Record<`${Weekday}_start_time` | `${Weekday}_end_time`, NsValue>>;

/** The campaign fields that define its window. */
export interface CampaignWindowFields {
  schedules?: WeeklySchedule[] | null;
  local_start_time?: string | null;
  local_end_time?: string | null;
}

/** One open span of a day, ms after local midnight; `end` may pass 24 h (spans midnight). */
export interface DaySpan {
  start: number;
  end: number;
}

/** Normalised window: `days[0]` is Monday … `days[6]` Sunday. */
export type DialWindow = { kind: 'always' } | { kind: 'weekly'; days: DaySpan[][] };
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
  if (tz && !DateTime.now().setZone(tz).isValid) errs.push(`unknown time zone ${tz}`);
  return errs;
}

function normalise(w: WindowSpec): DialWindow {
  return 'kind' in w && (w.kind === 'always' || w.kind === 'weekly') ? w : toDialWindow(w as CampaignWindowFields);
}

function zoneOf(tz: string | null | undefined): string {
  const zone = tz && tz.trim() ? tz.trim() : DEFAULT_TIME_ZONE;
  if (!DateTime.fromMillis(0, { zone }).isValid) throw new ScheduleError(`unknown time zone ${zone}`);
  return zone;
}

/** The instant of wall time `ms` after midnight on local date `d` (ms may exceed a day). */
function at(d: DateTime, ms: number, zone: string): number {
  const date = d.plus({ days: Math.floor(ms / DAY_MS) });
  const rest = ms % DAY_MS;
  return DateTime.fromObject(
    {
      year: date.year,
      month: date.month,
      day: date.day,
      hour: Math.floor(rest / 3_600_000),
      minute: Math.floor(rest / 60_000) % 60,
      second: Math.floor(rest / 1000) % 60,
      millisecond: rest % 1000,
    },
    { zone },
  ).toMillis();
}

interface Interval {
  start: number;
  end: number;
}

/** Open intervals (merged, sorted) from yesterday to 8 days ahead: enough for a weekly pattern. */
function intervalsAround(w: { days: DaySpan[][] }, nowMs: number, zone: string): Interval[] {
  // A calendar date carried as a UTC DateTime, so adding days never meets a DST edge.
  const local = DateTime.fromMillis(nowMs, { zone });
  const today = DateTime.utc(local.year, local.month, local.day);
  const raw: Interval[] = [];
  for (let off = -1; off <= 8; off++) {
    const d = today.plus({ days: off });
    for (const sp of w.days[d.weekday - 1] ?? []) {
      const start = at(d, sp.start, zone);
      const end = at(d, sp.end, zone);
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

/** May we dial at `nowMs`? */
export function isOpen(window: WindowSpec, nowMs: number, tz?: string | null): boolean {
  const w = normalise(window);
  if (w.kind === 'always') return true;
  const zone = zoneOf(tz);
  return intervalsAround(w, nowMs, zone).some((iv) => iv.start <= nowMs && nowMs < iv.end);
}

/** `nowMs` when open, else the next opening instant; null if the window never opens. */
export function nextOpening(window: WindowSpec, nowMs: number, tz?: string | null): number | null {
  const w = normalise(window);
  if (w.kind === 'always') return nowMs;
  const zone = zoneOf(tz);
  let best: number | null = null;
  for (const iv of intervalsAround(w, nowMs, zone)) {
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
  if (w.kind === 'always') return null;
  const zone = zoneOf(tz);
  const iv = intervalsAround(w, nowMs, zone).find((i) => i.start <= nowMs && nowMs < i.end);
  if (!iv) return null;
  // We build 10 days of intervals. A weekly pattern with any gap yields runs of at most
  // 7 days (+1 h of DST), so a longer run means there is no gap at all.
  if (iv.end - iv.start >= 8 * DAY_MS) return null;
  return iv.end;
}
