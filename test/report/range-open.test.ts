// reportRange with open ends (docs/api-contract.md §2 leaves both dates not required): an absent or empty date is
// an open end (±Infinity, clamped by the API to the campaign's life); a given one is still checked.
import { describe, expect, it } from 'vitest';
import { parseReportDate, ReportDateError, reportRange } from '../../domain/report-range.ts';

describe('reportRange: open ends', () => {
  const t = (s: string) => parseReportDate(s, 'UTC');
  it('absent or empty dates leave that end open', () => {
    expect(reportRange(undefined, undefined, 'UTC')).toEqual({ from: -Infinity, to: Infinity });
    expect(reportRange('', '', 'UTC')).toEqual({ from: -Infinity, to: Infinity });
    expect(reportRange('2022-01-01 10:00:00', undefined, 'UTC')).toEqual({ from: t('2022-01-01 10:00:00'), to: Infinity });
    expect(reportRange(undefined, '2022-01-01 10:00:00', 'UTC')).toEqual({ from: -Infinity, to: t('2022-01-01 10:00:00') + 1 });
  });
  it('a given date is still checked, naming its field', () => {
    expect(() => reportRange('2022-02-30 00:00:00', undefined, 'UTC')).toThrow(ReportDateError);
    try {
      reportRange(undefined, '2022-01-01', 'UTC');
    } catch (e) {
      expect((e as ReportDateError).field).toBe('end_date');
    }
  });
});
