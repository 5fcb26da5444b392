// The report's time arithmetic: range decomposition into rollup buckets and the report dates.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  decomposeRange,
  LEVEL_SECONDS,
  LEVELS,
  parseReportDate,
  ReportDateError,
  reportRange,
  type Bucket,
} from '../../domain/report-range.ts';

const DAY = 86_400;
const utc = (iso: string) => Math.floor(DateTime.fromISO(iso, { zone: 'UTC' }).toSeconds());

/** Every second of [from, to) in exactly one bucket, none outside, buckets aligned. */
function checkCover(from: number, to: number, buckets: Bucket[]) {
  let t = from;
  for (const b of buckets) {
    expect(b.start % LEVEL_SECONDS[b.level]).toBe(0);
    expect(b.start).toBe(t);
    t += LEVEL_SECONDS[b.level];
  }
  expect(t).toBe(Math.max(from, to));
}

const count = (bs: Bucket[]) => Object.fromEntries(LEVELS.map((l) => [l, bs.filter((b) => b.level === l).length]));

describe('decomposeRange', () => {
  it('an aligned day is one day bucket; aligned days are day buckets', () => {
    const d = utc('2024-05-01T00:00:00');
    expect(decomposeRange(d, d + DAY)).toEqual([{ level: 'day', start: d }]);
    expect(count(decomposeRange(d, d + 30 * DAY))).toEqual({ day: 30, hour: 0, minute: 0, second: 0 });
  });

  it('one second, one minute, one hour', () => {
    const t = utc('2024-05-01T10:17:23');
    expect(decomposeRange(t, t + 1)).toEqual([{ level: 'second', start: t }]);
    const m = utc('2024-05-01T10:17:00');
    expect(decomposeRange(m, m + 60)).toEqual([{ level: 'minute', start: m }]);
    const h = utc('2024-05-01T10:00:00');
    expect(decomposeRange(h, h + 3600)).toEqual([{ level: 'hour', start: h }]);
    expect(decomposeRange(t, t)).toEqual([]);
  });

  it('odd edges: 10:17:23 → 16:42:09 inclusive', () => {
    const from = utc('2024-05-01T10:17:23');
    const to = utc('2024-05-01T16:42:09') + 1;
    const bs = decomposeRange(from, to);
    checkCover(from, to, bs);
    // 37 s + 42 min to 11:00, 5 h to 16:00, 42 min + 10 s.
    expect(count(bs)).toEqual({ day: 0, hour: 5, minute: 42 + 42, second: 37 + 10 });
  });

  it('across days: edges in hours/minutes/seconds, whole days in the middle', () => {
    const from = utc('2024-05-01T23:59:58');
    const to = utc('2024-05-04T00:00:03');
    const bs = decomposeRange(from, to);
    checkCover(from, to, bs);
    expect(count(bs)).toEqual({ day: 2, hour: 0, minute: 0, second: 5 });
  });

  it('worst case stays within D + 46 + 118 + 118 buckets', () => {
    const from = utc('2024-05-01T00:00:01');
    const to = utc('2024-05-31T23:59:59');
    const bs = decomposeRange(from, to);
    checkCover(from, to, bs);
    const c = count(bs);
    expect(c.hour).toBeLessThanOrEqual(46);
    expect(c.minute).toBeLessThanOrEqual(118);
    expect(c.second).toBeLessThanOrEqual(118);
    expect(bs.length).toBeLessThanOrEqual(29 + 46 + 118 + 118);
  });

  it('random ranges are covered exactly', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const base = utc('2024-01-01T00:00:00');
    for (let i = 0; i < 300; i++) {
      const from = base + rnd(40 * DAY);
      const to = from + rnd(i % 3 === 0 ? 200 : i % 3 === 1 ? 5 * DAY : 40 * DAY);
      const bs = decomposeRange(from, to);
      checkCover(from, to, bs);
      expect(bs.length).toBeLessThanOrEqual(Math.ceil((to - from) / DAY) + 46 + 118 + 118);
    }
  });

  it('a local day in a whole-hour zone and in Asia/Kolkata (+05:30)', () => {
    const vn = reportRange('2024-05-01 00:00:00', '2024-05-01 23:59:59', 'Asia/Ho_Chi_Minh');
    expect(vn.to - vn.from).toBe(DAY);
    expect(count(decomposeRange(vn.from, vn.to))).toEqual({ day: 0, hour: 24, minute: 0, second: 0 });
    const ist = reportRange('2024-05-01 00:00:00', '2024-05-01 23:59:59', 'Asia/Kolkata');
    expect(ist.from).toBe(utc('2024-04-30T18:30:00'));
    const bs = decomposeRange(ist.from, ist.to);
    checkCover(ist.from, ist.to, bs);
    expect(count(bs)).toEqual({ day: 0, hour: 23, minute: 60, second: 0 });
    // A week in Kolkata: six whole UTC days in the middle.
    const week = reportRange('2024-05-01 00:00:00', '2024-05-07 23:59:59', 'Asia/Kolkata');
    expect(count(decomposeRange(week.from, week.to))).toEqual({ day: 6, hour: 23, minute: 60, second: 0 });
  });

  it('bucketOf aligns down', () => {
    const t = utc('2024-05-01T10:17:23');
    expect(bucketOf('day', t).start).toBe(utc('2024-05-01T00:00:00'));
    expect(bucketOf('hour', t).start).toBe(utc('2024-05-01T10:00:00'));
    expect(bucketOf('minute', t).start).toBe(utc('2024-05-01T10:17:00'));
    expect(bucketOf('second', t).start).toBe(t);
  });
});

describe('report dates', () => {
  it('parses YYYY-MM-DD HH:mm:ss in the zone', () => {
    expect(parseReportDate('2022-01-01 10:00:00', 'Asia/Ho_Chi_Minh')).toBe(utc('2022-01-01T03:00:00'));
    expect(parseReportDate('2022-01-01 10:00:00', 'UTC')).toBe(utc('2022-01-01T10:00:00'));
    expect(parseReportDate('2022-01-01 10:00:00', 'Asia/Kolkata')).toBe(utc('2022-01-01T04:30:00'));
  });

  it('rejects other formats and dates that do not exist', () => {
    for (const bad of [
      '2022-01-01',
      '2022-01-01T10:00:00',
      '2022-1-01 10:00:00',
      ' 2022-01-01 10:00:00',
      '2022-01-01 10:00',
      'yesterday',
      '',
    ]) {
      expect(() => parseReportDate(bad, 'UTC'), bad).toThrow("Does not match format 'YYYY-MM-DD HH:mm:ss'");
    }
    for (const bad of ['2022-02-30 10:00:00', '2022-13-01 10:00:00', '2022-01-01 24:00:00', '2022-01-01 10:60:00', '2022-01-01 10:00:60']) {
      expect(() => parseReportDate(bad, 'UTC'), bad).toThrow(ReportDateError);
      expect(() => parseReportDate(bad, 'UTC'), bad).toThrow('is not a valid date');
    }
  });

  it('the range is inclusive to the second; end before start names end_date', () => {
    expect(reportRange('2022-01-01 10:00:00', '2022-01-01 10:59:59', 'UTC')).toEqual({
      from: utc('2022-01-01T10:00:00'),
      to: utc('2022-01-01T11:00:00'),
    });
    const one = reportRange('2022-01-01 10:00:00', '2022-01-01 10:00:00', 'UTC');
    expect(one.to - one.from).toBe(1);
    try {
      reportRange('2022-01-02 00:00:00', '2022-01-01 23:59:59', 'UTC');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ReportDateError);
      expect((e as ReportDateError).field).toBe('end_date');
    }
    try {
      reportRange('2022-01-02', '2022-01-01 23:59:59', 'UTC');
      expect.unreachable();
    } catch (e) {
      expect((e as ReportDateError).field).toBe('start_date');
    }
  });

  it('DST: a gap time moves forward, an ambiguous time is its first occurrence', () => {
    // 2024-03-10 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
    expect(parseReportDate('2024-03-10 02:30:00', 'America/New_York')).toBe(utc('2024-03-10T07:30:00'));
    // 2024-11-03 01:30 happens twice (EDT, then EST): the first is 05:30Z.
    expect(parseReportDate('2024-11-03 01:30:00', 'America/New_York')).toBe(utc('2024-11-03T05:30:00'));
  });
});
