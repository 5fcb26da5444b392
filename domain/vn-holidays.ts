// Vietnam's statutory public holidays, listed per year (used when a tenant turns
// `vn_public_holidays` on: domain/compliance.ts).
//
// Which days: Labour Code 2019 (Bộ luật Lao động 45/2019/QH14), Article 112(1) — New Year's Day
// (1 January), Tết (5 days), Hùng Kings' Commemoration (10th day of the 3rd lunar month), Victory
// Day (30 April), International Labour Day (1 May), National Day (2 September and the day before
// or after it: listed here as 1–2 September).
// The lunar dates (Tết = 1st day of the 1st lunar month, Hùng Kings = 10/3 lunar) were computed
// with Hồ Ngọc Đức's Vietnamese lunar calendar algorithm (new moons and solar terms after Jean
// Meeus, *Astronomical Algorithms*, at UTC+7 — Vietnam's calendar, which differs from China's
// UTC+8 one, e.g. Tết 2027 is 6 February in Vietnam, 7 February in China),
// https://www.informatik.uni-leipzig.de/~duc/amlich/ ; checked against the published dates of
// 2024–2026 (Tết 10 Feb 2024, 29 Jan 2025, 17 Feb 2026; Hùng Kings 18 Apr 2024, 7 Apr 2025).
// Tết is listed as the lunar year's last day and the first four days of the new year (5 days).
// Each year the Prime Minister's decision fixes which 5 days of Tết are off and may add bridge
// days or swap days for 2 September: a tenant adds those as ranges of its own (PUT /v3/holidays).
// Years beyond the table: no built-in holidays (extend the table; the test checks it is sorted).

/** Per year: Tết's first day (1/1 lunar) and Hùng Kings' day (10/3 lunar), as YYYY-MM-DD. */
// prettier-ignore
export const LUNAR_HOLIDAYS: Readonly<Record<number, { tet: string; hung_kings: string }>> = {
  2024: { tet: '2024-02-10', hung_kings: '2024-04-18' },
  2025: { tet: '2025-01-29', hung_kings: '2025-04-07' },
  2026: { tet: '2026-02-17', hung_kings: '2026-04-26' },
  2027: { tet: '2027-02-06', hung_kings: '2027-04-16' },
  2028: { tet: '2028-01-26', hung_kings: '2028-04-04' },
  2029: { tet: '2029-02-13', hung_kings: '2029-04-23' },
  2030: { tet: '2030-02-02', hung_kings: '2030-04-12' },
  2031: { tet: '2031-01-23', hung_kings: '2031-04-01' },
  2032: { tet: '2032-02-11', hung_kings: '2032-04-19' },
  2033: { tet: '2033-01-31', hung_kings: '2033-04-09' },
  2034: { tet: '2034-02-19', hung_kings: '2034-04-28' },
  2035: { tet: '2035-02-08', hung_kings: '2035-04-17' },
};

export interface DateRange {
  name: string;
  /** YYYY-MM-DD, inclusive */
  start: string;
  /** YYYY-MM-DD, inclusive */
  end: string;
}

const DAY_MS = 86_400_000;
const shift = (iso: string, days: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The statutory holidays of one year (empty for a year the table does not list). */
export function vnPublicHolidays(year: number): DateRange[] {
  const l = LUNAR_HOLIDAYS[year];
  if (!l) return [];
  return [
    { name: 'Tết Dương lịch', start: `${year}-01-01`, end: `${year}-01-01` },
    { name: 'Tết Nguyên Đán', start: shift(l.tet, -1), end: shift(l.tet, 3) },
    { name: 'Giỗ Tổ Hùng Vương', start: l.hung_kings, end: l.hung_kings },
    { name: 'Ngày Giải phóng miền Nam', start: `${year}-04-30`, end: `${year}-04-30` },
    { name: 'Quốc tế Lao động', start: `${year}-05-01`, end: `${year}-05-01` },
    { name: 'Quốc khánh', start: `${year}-09-01`, end: `${year}-09-02` },
  ];
}
