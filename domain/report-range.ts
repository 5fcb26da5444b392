// The autocall report's time arithmetic (pure): the rollup levels, the decomposition of a range of
// seconds into whole rollup buckets, and the report's `YYYY-MM-DD HH:mm:ss` dates in a tenant's zone.
//
// Rollup buckets are aligned in UTC epoch seconds (a day bucket is a UTC day), so they do not
// depend on any tenant's zone: a range in the tenant's local time is converted to epoch seconds
// first, then covered by whole buckets — days in the middle, then hours, minutes and seconds at
// the edges (at most D + 2·23 + 2·59 + 2·59 buckets). A zone at a non-whole-hour offset (e.g.
// Asia/Kolkata, +05:30) only means more minute buckets at the edges; the sums stay exact.
import { DateTime, IANAZone } from 'luxon';
import { wallToInstant } from './schedule.ts';

export const LEVELS = ['day', 'hour', 'minute', 'second'] as const;
export type Level = (typeof LEVELS)[number];
export const LEVEL_SECONDS: Record<Level, number> = { day: 86_400, hour: 3_600, minute: 60, second: 1 };

export interface Bucket {
  level: Level;
  /** Epoch seconds (UTC), a multiple of the level's size. */
  start: number;
}

/** The bucket of `level` that holds second `t`. */
export function bucketOf(level: Level, t: number): Bucket {
  const size = LEVEL_SECONDS[level];
  return { level, start: Math.floor(t / size) * size };
}

/**
 * Cover the half-open range of epoch seconds [from, to) with the fewest aligned buckets: each
 * second of the range lies in exactly one bucket returned, no second outside it does.
 * Greedy from the left: the largest level aligned at the cursor that still fits.
 */
export function decomposeRange(from: number, to: number): Bucket[] {
  if (!Number.isInteger(from) || !Number.isInteger(to)) throw new RangeError('range bounds must be whole seconds');
  const out: Bucket[] = [];
  let t = from;
  while (t < to) {
    let chosen: Level = 'second';
    for (const level of LEVELS) {
      const size = LEVEL_SECONDS[level];
      if (t % size === 0 && t + size <= to) {
        chosen = level;
        break;
      }
    }
    out.push({ level: chosen, start: t });
    t += LEVEL_SECONDS[chosen];
  }
  return out;
}

// ---------------------------------------------------------------- report dates

export const REPORT_DATE_FORMAT = 'YYYY-MM-DD HH:mm:ss';
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export class ReportDateError extends Error {
  override readonly name = 'ReportDateError';
  constructor(
    message: string,
    /** The query parameter at fault. */
    readonly field = '',
  ) {
    super(message);
  }
}

/**
 * `YYYY-MM-DD HH:mm:ss`, wall-clock time in `zone`, to epoch seconds. Throws ReportDateError for
 * another format or a date that does not exist (2022-02-30, 24:00:00). In zones with daylight
 * saving time, a wall time inside the spring-forward gap moves forward by the gap and an ambiguous
 * fall-back time is its first occurrence (as for the dialing windows, domain/schedule.ts).
 */
export function parseReportDate(value: string, zone: string): number {
  const m = DATE_RE.exec(value);
  if (!m) throw new ReportDateError(`Does not match format '${REPORT_DATE_FORMAT}'`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // Validate the calendar fields in UTC (no zone rules involved), then place the wall time in the
  // zone with the dialing windows' explicit rules (luxon's own pick for an ambiguous time depends
  // on the machine's current offset).
  const dt = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: 'UTC' });
  if (!dt.isValid || hour > 23 || dt.day !== day || dt.month !== month) {
    throw new ReportDateError(`is not a valid date (${dt.invalidExplanation ?? 'out of range'})`);
  }
  if (!IANAZone.isValidZone(zone)) throw new ReportDateError(`unknown time zone ${zone}`);
  return Math.floor(wallToInstant(IANAZone.create(zone), dt.toMillis()) / 1000);
}

/**
 * The report's range, inclusive of both dates to the second: `start_date` 10:00:00 and `end_date`
 * 10:59:59 cover exactly one hour; equal dates cover one second. Returned half-open, [from, to).
 * Either date may be absent (undefined or ""): that end is open, `-Infinity` / `+Infinity` (the
 * caller clamps the range to what can hold calls: the campaign's life).
 */
export function reportRange(start_date: string | undefined, end_date: string | undefined, zone: string): { from: number; to: number } {
  const at = (v: string, field: string) => {
    try {
      return parseReportDate(v, zone);
    } catch (e) {
      throw e instanceof ReportDateError ? new ReportDateError(e.message, field) : e;
    }
  };
  const from = start_date ? at(start_date, 'start_date') : Number.NEGATIVE_INFINITY;
  const end = end_date ? at(end_date, 'end_date') : Number.POSITIVE_INFINITY;
  if (end < from) throw new ReportDateError('end_date is before start_date', 'end_date');
  return { from, to: end + 1 };
}
