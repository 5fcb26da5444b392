import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIME_ZONE,
  ScheduleError,
  WEEKDAYS,
  currentClosing,
  isOpen,
  nextOpening,
  parseLocalTime,
  scheduleErrors,
  toDialWindow,
  type CampaignWindowFields,
  type WeeklySchedule,
} from '../../domain/schedule.ts';

const VN = 'Asia/Ho_Chi_Minh';
const NY = 'America/New_York';
const H = 3_600_000_000_000; // one hour in ns
const ns = (h: number, m = 0, s = 0) => (h * 3600 + m * 60 + s) * 1_000_000_000;
/** Local wall time → epoch ms. */
const t = (iso: string, zone = VN) => {
  const d = DateTime.fromISO(iso, { zone });
  if (!d.isValid) throw new Error(iso);
  return d.toMillis();
};
const iso = (ms: number | null, zone = VN) => (ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO());

const everyDay = (start: number, end: number): WeeklySchedule =>
  Object.fromEntries(
    WEEKDAYS.flatMap((d) => [
      [`${d}_start_time`, start],
      [`${d}_end_time`, end],
    ]),
  );

// The seed's schedule: 08:00–21:00 every day.
const SEED: CampaignWindowFields = { schedules: [everyDay(28800000000000, 75600000000000)] };

// 2024-01-01 is a Monday.
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07'];

describe('no schedule = always open', () => {
  it.each<[string, CampaignWindowFields]>([
    ['empty object', {}],
    ['schedules null', { schedules: null }],
    ['schedules []', { schedules: [] }],
    ['schedules [{}]', { schedules: [{}] }],
    ['all zero', { schedules: [everyDay(0, 0)] }],
    ['local times null', { local_start_time: null, local_end_time: null }],
    ['local times empty', { local_start_time: '', local_end_time: '' }],
    ['local 00:00:00 both', { local_start_time: '00:00:00', local_end_time: '00:00:00' }],
    ['only a start', { local_start_time: '08:00:00' }],
  ])('%s', (_n, f) => {
    const now = t('2024-01-03T03:00:00');
    expect(toDialWindow(f)).toEqual({ kind: 'always' });
    expect(isOpen(f, now, VN)).toBe(true);
    expect(nextOpening(f, now, VN)).toBe(now);
    expect(currentClosing(f, now, VN)).toBeNull();
  });
});

describe('seed schedule 08:00–21:00, every weekday, Asia/Ho_Chi_Minh', () => {
  it.each(DAYS)('%s edges', (day) => {
    expect(isOpen(SEED, t(`${day}T07:59:59.999`), VN)).toBe(false);
    expect(isOpen(SEED, t(`${day}T08:00:00`), VN)).toBe(true); // start inclusive
    expect(isOpen(SEED, t(`${day}T12:00:00`), VN)).toBe(true);
    expect(isOpen(SEED, t(`${day}T20:59:59.999`), VN)).toBe(true);
    expect(isOpen(SEED, t(`${day}T21:00:00`), VN)).toBe(false); // end exclusive
    expect(isOpen(SEED, t(`${day}T00:00:00`), VN)).toBe(false);
    expect(nextOpening(SEED, t(`${day}T07:00:00`), VN)).toBe(t(`${day}T08:00:00`));
    expect(nextOpening(SEED, t(`${day}T08:00:00`), VN)).toBe(t(`${day}T08:00:00`));
    const next = DateTime.fromISO(day).plus({ days: 1 }).toISODate();
    expect(nextOpening(SEED, t(`${day}T21:00:00`), VN)).toBe(t(`${next}T08:00:00`));
    expect(nextOpening(SEED, t(`${day}T23:59:59`), VN)).toBe(t(`${next}T08:00:00`));
    expect(currentClosing(SEED, t(`${day}T08:00:00`), VN)).toBe(t(`${day}T21:00:00`));
    expect(currentClosing(SEED, t(`${day}T20:59:59`), VN)).toBe(t(`${day}T21:00:00`));
    expect(currentClosing(SEED, t(`${day}T21:00:00`), VN)).toBeNull();
  });

  it('is 01:00Z–14:00Z in UTC terms', () => {
    expect(nextOpening(SEED, Date.UTC(2024, 0, 1, 0, 0), VN)).toBe(Date.UTC(2024, 0, 1, 1, 0));
    expect(currentClosing(SEED, Date.UTC(2024, 0, 1, 1, 0), VN)).toBe(Date.UTC(2024, 0, 1, 14, 0));
  });

  it('default zone is Asia/Ho_Chi_Minh', () => {
    expect(DEFAULT_TIME_ZONE).toBe(VN);
    expect(isOpen(SEED, t('2024-01-01T08:00:00'))).toBe(true);
    expect(isOpen(SEED, t('2024-01-01T08:00:00'), null)).toBe(true);
    expect(isOpen(SEED, t('2024-01-01T08:00:00'), '')).toBe(true);
  });
});

describe('different hours per weekday', () => {
  const f: CampaignWindowFields = {
    schedules: [
      {
        monday_start_time: ns(8),
        monday_end_time: ns(12),
        tuesday_start_time: 0,
        tuesday_end_time: 0, // closed
        wednesday_start_time: ns(13),
        wednesday_end_time: ns(17, 30),
        // thursday missing: closed
        friday_start_time: ns(8),
        friday_end_time: ns(21),
        saturday_start_time: ns(9),
        saturday_end_time: ns(11),
        sunday_start_time: null,
        sunday_end_time: null,
      },
    ],
  };
  it.each([
    // now, open, next opening, current closing
    ['2024-01-01T07:00:00', false, '2024-01-01T08:00:00', null],
    ['2024-01-01T08:00:00', true, '2024-01-01T08:00:00', '2024-01-01T12:00:00'],
    ['2024-01-01T11:59:59', true, '2024-01-01T11:59:59', '2024-01-01T12:00:00'],
    ['2024-01-01T12:00:00', false, '2024-01-03T13:00:00', null],
    ['2024-01-02T10:00:00', false, '2024-01-03T13:00:00', null],
    ['2024-01-03T13:00:00', true, '2024-01-03T13:00:00', '2024-01-03T17:30:00'],
    ['2024-01-03T17:30:00', false, '2024-01-05T08:00:00', null],
    ['2024-01-04T10:00:00', false, '2024-01-05T08:00:00', null],
    ['2024-01-05T20:00:00', true, '2024-01-05T20:00:00', '2024-01-05T21:00:00'],
    ['2024-01-05T21:00:00', false, '2024-01-06T09:00:00', null],
    ['2024-01-06T10:30:00', true, '2024-01-06T10:30:00', '2024-01-06T11:00:00'],
    ['2024-01-06T11:00:00', false, '2024-01-08T08:00:00', null],
    ['2024-01-07T12:00:00', false, '2024-01-08T08:00:00', null],
  ] as const)('at %s', (now, open, next, closing) => {
    expect(isOpen(f, t(now), VN)).toBe(open);
    expect(nextOpening(f, t(now), VN)).toBe(t(next));
    expect(currentClosing(f, t(now), VN)).toBe(closing === null ? null : t(closing));
  });
});

describe('midnight', () => {
  it('end < start spans midnight into a closed day', () => {
    const f = { schedules: [{ friday_start_time: ns(22), friday_end_time: ns(2) }] };
    expect(isOpen(f, t('2024-01-05T21:59:59'), VN)).toBe(false);
    expect(isOpen(f, t('2024-01-05T22:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-06T00:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-06T01:59:59'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-06T02:00:00'), VN)).toBe(false);
    expect(currentClosing(f, t('2024-01-05T23:00:00'), VN)).toBe(t('2024-01-06T02:00:00'));
    expect(nextOpening(f, t('2024-01-06T02:00:00'), VN)).toBe(t('2024-01-12T22:00:00'));
    // Thursday night is not open: the span belongs to Friday.
    expect(isOpen(f, t('2024-01-05T01:00:00'), VN)).toBe(false);
  });

  it('end 0 means until midnight', () => {
    const f = { schedules: [{ monday_start_time: ns(20), monday_end_time: 0 }] };
    expect(isOpen(f, t('2024-01-01T23:59:59.999'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-02T00:00:00'), VN)).toBe(false);
    expect(currentClosing(f, t('2024-01-01T20:00:00'), VN)).toBe(t('2024-01-02T00:00:00'));
  });

  it('start 0 means from midnight', () => {
    const f = { schedules: [{ monday_start_time: 0, monday_end_time: ns(6) }] };
    expect(isOpen(f, t('2024-01-01T00:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-01T06:00:00'), VN)).toBe(false);
    expect(isOpen(f, t('2023-12-31T23:59:59'), VN)).toBe(false);
    expect(nextOpening(f, t('2024-01-01T06:00:00'), VN)).toBe(t('2024-01-08T00:00:00'));
  });

  it('24:00 end and joined days merge into one run', () => {
    const f = {
      schedules: [
        {
          monday_start_time: ns(8),
          monday_end_time: ns(24),
          tuesday_start_time: 0,
          tuesday_end_time: ns(24),
          wednesday_start_time: 0,
          wednesday_end_time: ns(10),
        },
      ],
    };
    expect(isOpen(f, t('2024-01-02T00:00:00'), VN)).toBe(true);
    expect(currentClosing(f, t('2024-01-01T09:00:00'), VN)).toBe(t('2024-01-03T10:00:00'));
  });

  it('spill overlapping the next day merges', () => {
    const f = {
      schedules: [{ monday_start_time: ns(22), monday_end_time: ns(3), tuesday_start_time: ns(1), tuesday_end_time: ns(5) }],
    };
    expect(currentClosing(f, t('2024-01-01T23:00:00'), VN)).toBe(t('2024-01-02T05:00:00'));
    expect(nextOpening(f, t('2024-01-02T05:00:00'), VN)).toBe(t('2024-01-08T22:00:00'));
  });

  it('every day 00:00–24:00 never closes', () => {
    const f = { schedules: [everyDay(0, ns(24))] };
    for (const d of DAYS) {
      expect(isOpen(f, t(`${d}T00:00:00`), VN)).toBe(true);
      expect(currentClosing(f, t(`${d}T13:00:00`), VN)).toBeNull();
    }
  });

  it('every day 00:00–23:59:59 closes for a second', () => {
    const f = { schedules: [everyDay(0, ns(23, 59, 59))] };
    expect(currentClosing(f, t('2024-01-01T13:00:00'), VN)).toBe(t('2024-01-01T23:59:59'));
    expect(nextOpening(f, t('2024-01-01T23:59:59'), VN)).toBe(t('2024-01-02T00:00:00'));
  });
});

describe('degenerate and never-open windows', () => {
  it('start == end (non-zero) is closed; all days so → never opens', () => {
    const f = { schedules: [everyDay(ns(8), ns(8))] };
    expect(isOpen(f, t('2024-01-01T08:00:00'), VN)).toBe(false);
    expect(nextOpening(f, t('2024-01-01T08:00:00'), VN)).toBeNull();
    expect(currentClosing(f, t('2024-01-01T08:00:00'), VN)).toBeNull();
  });

  it('only one day open once a week', () => {
    const f = { schedules: [{ sunday_start_time: ns(9), sunday_end_time: ns(10) }] };
    expect(nextOpening(f, t('2024-01-07T10:00:00'), VN)).toBe(t('2024-01-14T09:00:00'));
    expect(nextOpening(f, t('2024-01-01T10:00:00'), VN)).toBe(t('2024-01-07T09:00:00'));
  });

  it('several schedule entries are a union', () => {
    const f = {
      schedules: [
        { monday_start_time: ns(8), monday_end_time: ns(10) },
        { monday_start_time: ns(14), monday_end_time: ns(16) },
      ],
    };
    expect(isOpen(f, t('2024-01-01T09:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-01T12:00:00'), VN)).toBe(false);
    expect(nextOpening(f, t('2024-01-01T12:00:00'), VN)).toBe(t('2024-01-01T14:00:00'));
  });
});

describe('local_start_time / local_end_time', () => {
  const daily: CampaignWindowFields = { local_start_time: '08:00:00', local_end_time: '17:30:00' };
  it.each(DAYS)('%s', (day) => {
    expect(isOpen(daily, t(`${day}T07:59:59`), VN)).toBe(false);
    expect(isOpen(daily, t(`${day}T08:00:00`), VN)).toBe(true);
    expect(isOpen(daily, t(`${day}T17:29:59`), VN)).toBe(true);
    expect(isOpen(daily, t(`${day}T17:30:00`), VN)).toBe(false);
    expect(currentClosing(daily, t(`${day}T09:00:00`), VN)).toBe(t(`${day}T17:30:00`));
  });

  it('night window spans midnight', () => {
    const f = { local_start_time: '22:00:00', local_end_time: '06:00:00' };
    expect(isOpen(f, t('2024-01-01T23:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-01T05:59:59'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-01T06:00:00'), VN)).toBe(false);
    expect(currentClosing(f, t('2024-01-01T23:00:00'), VN)).toBe(t('2024-01-02T06:00:00'));
    expect(nextOpening(f, t('2024-01-01T12:00:00'), VN)).toBe(t('2024-01-01T22:00:00'));
  });

  it('HH:MM is accepted', () => {
    expect(isOpen({ local_start_time: '8:00', local_end_time: '9:30' }, t('2024-01-01T09:29:00'), VN)).toBe(true);
  });

  it('schedules win over local times', () => {
    const f = { ...daily, schedules: [{ monday_start_time: ns(18), monday_end_time: ns(19) }] };
    expect(isOpen(f, t('2024-01-01T09:00:00'), VN)).toBe(false);
    expect(isOpen(f, t('2024-01-01T18:30:00'), VN)).toBe(true);
  });

  it('a blank schedules entry falls back to local times', () => {
    const f = { ...daily, schedules: [everyDay(0, 0)] };
    expect(isOpen(f, t('2024-01-01T07:00:00'), VN)).toBe(false);
    expect(isOpen(f, t('2024-01-01T09:00:00'), VN)).toBe(true);
  });
});

describe('value formats', () => {
  it('accepts bigint and numeric strings (MongoDB Long, JSON strings)', () => {
    const f = { schedules: [{ monday_start_time: 28800000000000n, monday_end_time: '75600000000000' }] };
    expect(isOpen(f, t('2024-01-01T08:00:00'), VN)).toBe(true);
    expect(isOpen(f, t('2024-01-01T21:00:00'), VN)).toBe(false);
  });

  it('sub-millisecond nanoseconds are truncated', () => {
    const f = { schedules: [{ monday_start_time: ns(8) + 999_999, monday_end_time: ns(9) }] };
    expect(isOpen(f, t('2024-01-01T08:00:00'), VN)).toBe(true);
  });

  it.each([
    ['-1 ns', { schedules: [{ monday_start_time: -1_000_000, monday_end_time: ns(9) }] }],
    ['> 24h', { schedules: [{ monday_start_time: ns(8), monday_end_time: ns(24) + 1_000_000 }] }],
    ['NaN string', { schedules: [{ monday_start_time: 'abc', monday_end_time: ns(9) }] }],
    ['bad local time', { local_start_time: '8am', local_end_time: '17:00:00' }],
    ['25:00', { local_start_time: '08:00:00', local_end_time: '25:00:00' }],
    ['24:30', { local_start_time: '08:00:00', local_end_time: '24:30:00' }],
    ['minutes 60', { local_start_time: '08:60:00', local_end_time: '17:00:00' }],
  ] as Array<[string, CampaignWindowFields]>)('%s throws ScheduleError', (_n, f) => {
    expect(() => isOpen(f, 0, VN)).toThrow(ScheduleError);
    expect(scheduleErrors(f).length).toBe(1);
  });

  it('unknown time zone throws', () => {
    expect(() => isOpen(SEED, 0, 'Mars/Olympus_Mons')).toThrow(ScheduleError);
    expect(scheduleErrors(SEED, 'Mars/Olympus_Mons')).toEqual(['unknown time zone Mars/Olympus_Mons']);
    expect(scheduleErrors(SEED, NY)).toEqual([]);
  });

  it('parseLocalTime', () => {
    expect(parseLocalTime('00:00:00')).toBe(0);
    expect(parseLocalTime('08:00:00')).toBe(8 * 3_600_000);
    expect(parseLocalTime('17:30')).toBe(17.5 * 3_600_000);
    expect(parseLocalTime('24:00:00')).toBe(24 * 3_600_000);
    expect(parseLocalTime(' 23:59:59 ')).toBe(86_399_000);
  });

  it('accepts a normalised window too', () => {
    const w = toDialWindow(SEED);
    expect(w.kind).toBe('weekly');
    expect(isOpen(w, t('2024-01-01T08:00:00'), VN)).toBe(true);
    expect(isOpen({ kind: 'always' }, 0, VN)).toBe(true);
  });
});

describe('DST zones', () => {
  it('America/New_York: 08:00 local across spring forward (2024-03-10)', () => {
    expect(nextOpening(SEED, t('2024-03-09T21:00:00', NY), NY)).toBe(Date.UTC(2024, 2, 10, 12, 0)); // EDT
    expect(nextOpening(SEED, t('2024-03-08T21:00:00', NY), NY)).toBe(Date.UTC(2024, 2, 9, 13, 0)); // EST
    expect(currentClosing(SEED, t('2024-03-10T09:00:00', NY), NY)).toBe(Date.UTC(2024, 2, 11, 1, 0));
  });

  it('America/New_York: 08:00 local across fall back (2024-11-03)', () => {
    expect(nextOpening(SEED, t('2024-11-02T21:00:00', NY), NY)).toBe(Date.UTC(2024, 10, 3, 13, 0)); // EST
    expect(currentClosing(SEED, t('2024-11-02T09:00:00', NY), NY)).toBe(Date.UTC(2024, 10, 3, 1, 0)); // 21:00 EDT
  });

  it('a window over the spring gap is an hour shorter', () => {
    const f = { schedules: [{ sunday_start_time: ns(1), sunday_end_time: ns(3) }] };
    const open = nextOpening(f, t('2024-03-09T12:00:00', NY), NY)!;
    const close = currentClosing(f, open, NY)!;
    expect(open).toBe(Date.UTC(2024, 2, 10, 6, 0)); // 01:00 EST
    expect(close).toBe(Date.UTC(2024, 2, 10, 7, 0)); // 03:00 EDT
    expect(close - open).toBe(3_600_000);
  });

  it('a start inside the spring gap moves forward by the gap', () => {
    const f = { schedules: [{ sunday_start_time: ns(2, 30), sunday_end_time: ns(4) }] };
    expect(nextOpening(f, t('2024-03-09T12:00:00', NY), NY)).toBe(Date.UTC(2024, 2, 10, 7, 30)); // 03:30 EDT
  });

  it('a window over the fall-back hour is an hour longer', () => {
    const f = { schedules: [{ sunday_start_time: ns(0), sunday_end_time: ns(3) }] };
    const open = nextOpening(f, t('2024-11-02T12:00:00', NY), NY)!;
    expect(currentClosing(f, open, NY)! - open).toBe(4 * 3_600_000);
    // Both 01:30s are inside.
    expect(isOpen(f, Date.UTC(2024, 10, 3, 5, 30), NY)).toBe(true); // 01:30 EDT
    expect(isOpen(f, Date.UTC(2024, 10, 3, 6, 30), NY)).toBe(true); // 01:30 EST
  });

  it('an ambiguous fall-back start is its first occurrence (EDT), whatever the current date', () => {
    const f = { schedules: [{ sunday_start_time: ns(1, 30), sunday_end_time: ns(4) }] };
    const open = nextOpening(f, t('2024-11-02T12:00:00', NY), NY);
    expect(open).toBe(Date.UTC(2024, 10, 3, 5, 30)); // 01:30 EDT
    expect(currentClosing(f, open!, NY)).toBe(Date.UTC(2024, 10, 3, 9, 0)); // 04:00 EST
  });

  it('Europe/London and Australia/Sydney', () => {
    expect(nextOpening(SEED, t('2024-03-30T22:00:00', 'Europe/London'), 'Europe/London')).toBe(Date.UTC(2024, 2, 31, 7, 0));
    expect(nextOpening(SEED, t('2024-04-06T22:00:00', 'Australia/Sydney'), 'Australia/Sydney')).toBe(
      Date.UTC(2024, 3, 6, 22, 0), // 08:00 AEST (+10) on 2024-04-07, DST ended that morning
    );
  });

  it('UTC and a half-hour zone', () => {
    expect(nextOpening(SEED, Date.UTC(2024, 0, 1, 0), 'UTC')).toBe(Date.UTC(2024, 0, 1, 8));
    expect(nextOpening(SEED, Date.UTC(2024, 0, 1, 0), 'Asia/Kolkata')).toBe(Date.UTC(2024, 0, 1, 2, 30));
  });
});

describe('consistency over a grid of instants', () => {
  const windows: Array<[string, CampaignWindowFields, string]> = [
    ['seed VN', SEED, VN],
    ['seed NY', SEED, NY],
    ['night NY', { local_start_time: '22:00:00', local_end_time: '02:30:00' }, NY],
    [
      'mixed NY',
      {
        schedules: [
          {
            monday_start_time: ns(8),
            monday_end_time: ns(12),
            wednesday_start_time: ns(1),
            wednesday_end_time: ns(3),
            saturday_start_time: ns(23),
            saturday_end_time: ns(2, 30),
            sunday_start_time: ns(1, 30),
            sunday_end_time: ns(2, 45),
          },
        ],
      },
      NY,
    ],
    ['seed Sydney', SEED, 'Australia/Sydney'],
  ];
  const starts = [Date.UTC(2024, 2, 5), Date.UTC(2024, 9, 29), Date.UTC(2024, 2, 26)];
  it.each(windows)(
    '%s',
    (_n, f, tz) => {
      let checked = 0;
      for (const s of starts) {
        for (let now = s; now < s + 14 * 86_400_000; now += 73 * 60_000 + 13_000) {
          const open = isOpen(f, now, tz);
          const next = nextOpening(f, now, tz)!;
          const close = currentClosing(f, now, tz);
          if (open) {
            expect(next).toBe(now);
            expect(close).not.toBeNull();
            expect(close!).toBeGreaterThan(now);
            expect(isOpen(f, close! - 1, tz)).toBe(true);
            expect(isOpen(f, close!, tz)).toBe(false);
          } else {
            expect(close).toBeNull();
            expect(next).toBeGreaterThan(now);
            expect(next - now).toBeLessThanOrEqual(7 * 86_400_000 + 3_600_000);
            expect(isOpen(f, next, tz)).toBe(true);
            expect(isOpen(f, next - 1, tz)).toBe(false);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(800);
    },
    30_000,
  );
});

describe('determinism', () => {
  it('same inputs, same outputs', () => {
    const now = t('2024-01-01T21:00:00');
    expect(iso(nextOpening(SEED, now, VN))).toBe(iso(nextOpening(SEED, now, VN)));
    expect(H).toBe(ns(1));
  });
});
