// GET /v1/autocall/report?campaign_uuid=&start_date=&end_date= (docs/api-contract.md §2): the campaign's calls
// that started between the two dates, by the six status buckets, with the total duration, billsec
// and waitsec. Answered from the report rollups (storage/report.ts), never by scanning `calls`.
//
// Dates: `YYYY-MM-DD HH:mm:ss`, wall-clock time in the tenant's zone (tenant `time_zone`), both
// optional (docs/api-contract.md §2 leaves them not required): an absent (or empty) date leaves that end
// open. The range is inclusive of both to the second (10:00:00 → 10:59:59 is one hour; equal
// dates are one second). A call counts by its start (`created_at`, when the originate was sent).
// Errors: 404 `{"error":"campaign is not found"}` for an unknown campaign and for another
// tenant's, whatever the dates (the campaign is looked up first); then 400 in the validation list
// shape (`{"error":[{"start_date":"…"}]}`) for a malformed date, a date that does not exist, or
// end before start.
import { createRoute, z } from '@hono/zod-openapi';
import { ReportDateError, REPORT_DATE_FORMAT, reportRange } from '../../domain/report-range.ts';
import { getCampaign } from '../../storage/campaigns.ts';
import { emptyTotals, mongoReportStore, readReport, ReportBusyError } from '../../storage/report.ts';
import { DEFAULT_TIME_ZONE } from '../../domain/schedule.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { validationError } from '../validation.ts';
import { ErrorBody } from '../v3/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

const dateParam = (name: string, example: string, end: string) =>
  z
    .string()
    .optional()
    .openapi({
      param: { name, in: 'query', required: false },
      pattern: DATE_PATTERN,
      description:
        `\`${REPORT_DATE_FORMAT}\`, the tenant's local time; inclusive to the second. Optional: absent or empty leaves the ${end} ` +
        'of the range open. A date that does not exist (2022-02-30, 24:00:00) or an end before the start is a 400.',
      example,
    });

/** The dates' form in the OpenAPI document ("" = absent); whether the date exists is checked after: 400. */
const DATE_PATTERN = '^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$';

/** Longest campaign_uuid looked up; a longer one is an unknown campaign (404). */
const MAX_UUID = 64;

export const ReportQuery = z.object({
  campaign_uuid: z
    .string()
    .min(1)
    .openapi({
      param: { name: 'campaign_uuid', in: 'query' },
      description: "the campaign; unknown, malformed or another tenant's: 404 `campaign is not found`",
      example: '7bbe986b-8a6e-404c-840b-781102b5aa07',
    }),
  start_date: dateParam('start_date', '2022-01-01 10:00:00', 'start'),
  end_date: dateParam('end_date', '2022-01-01 23:59:59', 'end'),
});

const count = z.number().int().min(0);
export const ReportResult = z
  .object({
    data: z.object({
      status: z.object({ answered: count, busy: count, not_available: count, no_answer: count, cancel: count, failed: count }),
      total_calls: count,
      total_duration: count,
      total_billsec: count,
      total_waitsec: count,
    }),
  })
  .openapi('AutocallReport', {
    example: {
      data: {
        status: { answered: 3, busy: 1, not_available: 0, no_answer: 0, cancel: 0, failed: 0 },
        total_calls: 4,
        total_duration: 43,
        total_billsec: 10,
        total_waitsec: 0,
      },
    },
  });

const route = createRoute({
  method: 'get',
  path: '/autocall/report',
  tags: ['v1 autocall'],
  summary: "A campaign's calls between two dates (either may be absent: an open end) by status, with total duration, billsec and waitsec",
  request: { query: ReportQuery },
  responses: {
    200: json(ReportResult, 'the report'),
    400: json(ErrorBody, '{"error":[{"start_date":"Does not match format \'YYYY-MM-DD HH:mm:ss\'"}]}'),
    401: json(ErrorBody, 'missing or invalid bearer token'),
    404: json(ErrorBody, '{"error":"campaign is not found"}'),
    503: json(ErrorBody, 'the report was rewritten during every read attempt; try again'),
  },
});

const DAY = 86_400;

export function mountReport(app: App): void {
  app.openapi(route, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const q = c.req.valid('query');
    // The campaign first: an unknown or another tenant's campaign is 404 whatever the dates.
    const campaign = q.campaign_uuid.length > MAX_UUID ? null : await getCampaign(db, tenant.domain_uuid, q.campaign_uuid.toLowerCase());
    if (!campaign) throw new ApiError(404, { error: 'campaign is not found' });
    let range: { from: number; to: number };
    try {
      range = reportRange(q.start_date, q.end_date, tenant.time_zone || DEFAULT_TIME_ZONE);
    } catch (e) {
      if (e instanceof ReportDateError) throw validationError([{ [e.field || '(root)']: e.message }]);
      throw e;
    }
    // No call of the campaign can start before the campaign existed or after now: clamp the range
    // (a day of margin each side for clock skew between machines) so an "all time" query — or an
    // open end — costs rollup lookups for the campaign's life only.
    let { from, to } = range;
    const created = campaign.created_at instanceof Date ? Math.floor(campaign.created_at.getTime() / 1000) : NaN;
    // A campaign always has created_at (storage/campaigns.ts); without one an open start is the epoch.
    from = Math.max(from, Number.isFinite(created) ? created - DAY : 0);
    to = Math.min(to, Math.floor(Date.now() / 1000) + DAY);
    const data = to > from ? await readOrBusy(db, campaign.campaign_uuid, from, to) : emptyTotals();
    return c.json({ data }, 200);
  });
}

async function readOrBusy(db: Parameters<typeof mongoReportStore>[0], campaign_uuid: string, from: number, to: number) {
  try {
    return await readReport(mongoReportStore(db), campaign_uuid, from, to);
  } catch (e) {
    if (e instanceof ReportBusyError) throw new ApiError(503, { error: e.message });
    throw e;
  }
}
