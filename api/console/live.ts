// What the console, the ops CLI and the API's /metrics show of a campaign now, read from where it
// lives: the run's `progress` query (workflows/contract.ts) for live calls, recalls and the
// window; leads by status; the report's minute rollups for outcomes over time (never a scan of
// `calls`); the latest call records; callback deliveries. Every Temporal call has a short deadline
// so a slow or absent engine makes a page say "run: unknown", never hang.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db, Sort } from 'mongodb';
import { REPORT_BUCKETS, type ReportBucket } from '../../domain/causes.ts';
import type { CampaignDoc } from '../../domain/campaign.ts';
import { maskNumber } from '../../domain/phone.ts';
import { bucketOf } from '../../domain/report-range.ts';
import { DEFAULT_TIME_ZONE, isOpen, nextOpening, toDialWindow } from '../../domain/schedule.ts';
import { deliveriesOf, normalizeDelivery } from '../../callbacks/store.ts';
import { callsOf, type CallDoc } from '../../storage/calls.ts';
import { campaignsOf } from '../../storage/campaigns.ts';
import { usersOf } from '../../storage/directory.ts';
import { leadsOf, type LeadStatus } from '../../storage/leads.ts';
import { pendingOf, rollupId, rollupsOf } from '../../storage/report.ts';
import { campaignRunWorkflowId, progressQuery, type Progress } from '../../workflows/contract.ts';
import type { AppDeps } from '../types.ts';

/** How long a Temporal call of the console may take. */
const TEMPORAL_DEADLINE_MS = 3_000;

export interface RunState {
  /** true: a run is open; false: none; null: Temporal did not answer. */
  open: boolean | null;
  workflow_id: string;
  run_id: string;
  progress: Progress | null;
  /** The run in the Temporal UI. */
  temporal_ui_url: string;
  error?: string;
}

/** The Temporal UI's base URL (TEMPORAL_UI_URL, else the embedded dev server's). */
export function temporalUiBase(config: AppDeps['config']): string {
  return (config.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
}

function runLink(config: AppDeps['config'], workflow_id: string, run_id: string): string {
  const ns = encodeURIComponent(config.TEMPORAL_NAMESPACE);
  const base = temporalUiBase(config);
  return run_id
    ? `${base}/namespaces/${ns}/workflows/${encodeURIComponent(workflow_id)}/${encodeURIComponent(run_id)}/history`
    : `${base}/namespaces/${ns}/workflows?query=${encodeURIComponent(`WorkflowId="${workflow_id}"`)}`;
}

/** The campaign's run: open or not, its latest run id and, when open, its progress. */
export async function runState(deps: Pick<AppDeps, 'config' | 'temporal'>, campaign_uuid: string, stored_run_id = ''): Promise<RunState> {
  const workflow_id = campaignRunWorkflowId(campaign_uuid);
  const base: RunState = {
    open: null,
    workflow_id,
    run_id: stored_run_id,
    progress: null,
    temporal_ui_url: runLink(deps.config, workflow_id, stored_run_id),
  };
  const client = deps.temporal;
  if (!client) return { ...base, error: 'the workflow engine is not available' };
  try {
    return await client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, async () => {
      const h = client.workflow.getHandle(workflow_id);
      const d = await h.describe();
      const open = d.status.name === 'RUNNING';
      const progress = open ? await h.query(progressQuery) : null;
      return { ...base, open, run_id: d.runId, progress, temporal_ui_url: runLink(deps.config, workflow_id, d.runId) };
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, open: false };
    return { ...base, error: (err as Error).message };
  }
}

/** Every open campaign run (one visibility query), for the metrics gauges. */
export async function openRuns(client: Client): Promise<string[]> {
  const out: string[] = [];
  await client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, async () => {
    for await (const w of client.workflow.list({ query: `WorkflowType = "campaignRunWorkflow" AND ExecutionStatus = "Running"` })) {
      if (w.workflowId.startsWith('campaign-run:')) out.push(w.workflowId.slice('campaign-run:'.length));
      if (out.length >= 1000) break;
    }
  });
  return out;
}

export type LeadCounts = Record<LeadStatus, number> & { total: number };

const emptyLeadCounts = (): LeadCounts => ({
  total: 0,
  new: 0,
  queued: 0,
  dialing: 0,
  waiting_recall: 0,
  done: 0,
  invalid: 0,
  do_not_call: 0,
  skipped: 0,
});

/** Leads by status for each of the tenant's campaigns (or one), in one aggregation. */
export async function leadCounts(db: Db, domain_uuid: string, campaign_uuid?: string): Promise<Map<string, LeadCounts>> {
  const match: Record<string, string> = { domain_uuid };
  if (campaign_uuid) match.campaign_uuid = campaign_uuid;
  const rows = await leadsOf(db)
    .aggregate<{ _id: { c: string; s: LeadStatus }; n: number }>([
      { $match: match },
      { $group: { _id: { c: '$campaign_uuid', s: '$status' }, n: { $sum: 1 } } },
    ])
    .toArray();
  const out = new Map<string, LeadCounts>();
  for (const r of rows) {
    let m = out.get(r._id.c);
    if (!m) out.set(r._id.c, (m = emptyLeadCounts()));
    m[r._id.s] = (m[r._id.s] ?? 0) + r.n;
    m.total += r.n;
  }
  return out;
}

export function leadsOfCampaign(counts: Map<string, LeadCounts>, campaign_uuid: string): LeadCounts {
  return counts.get(campaign_uuid) ?? emptyLeadCounts();
}

/** Finished for good: done, and the leads that will never be dialed (invalid, do-not-call, skipped by a contact limit). */
export const finishedLeads = (l: LeadCounts): number => l.done + l.invalid + l.do_not_call + l.skipped;

export interface Outcomes {
  /** Minute starts (epoch seconds), oldest first. */
  minutes: number[];
  /** Calls that started in each minute, by report bucket. */
  series: Record<ReportBucket, number[]>;
}

/** Calls per minute by report bucket over the last `minutes` minutes: the report's minute rollups
 *  (read by `_id`) plus the deltas the compactor has not folded yet. */
export async function outcomesOverTime(
  db: Db,
  campaign_uuid: string,
  minutes = 60,
  nowSec = Math.floor(Date.now() / 1000),
): Promise<Outcomes> {
  const last = bucketOf('minute', nowSec).start;
  const starts = Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * 60);
  const ids = starts.map((s) => rollupId(campaign_uuid, { level: 'minute', start: s }));
  const [docs, pending] = await Promise.all([
    rollupsOf(db)
      .find({ _id: { $in: ids } })
      .toArray(),
    pendingOf(db)
      .find({ campaign_uuid, t: { $gte: starts[0]! } })
      .toArray(),
  ]);
  const index = new Map(starts.map((s, i) => [s, i]));
  const series = Object.fromEntries(REPORT_BUCKETS.map((b) => [b, starts.map(() => 0)])) as Record<ReportBucket, number[]>;
  const absorbed = new Set<string>();
  for (const d of docs) {
    const i = index.get(d.start);
    if (i === undefined) continue;
    for (const b of REPORT_BUCKETS) series[b][i]! += d.status[b] ?? 0;
    for (const a of d.absorbed ?? []) absorbed.add(a);
  }
  for (const p of pending) {
    if (absorbed.has(p._id)) continue;
    const i = index.get(bucketOf('minute', p.t).start);
    if (i !== undefined && series[p.bucket]) series[p.bucket][i]! += 1;
  }
  return { minutes: starts, series };
}

export interface CallRow {
  call_id: string;
  lead_uuid: string;
  attempt: number;
  number: string;
  state: CallDoc['state'];
  dialed: boolean;
  answered: boolean;
  disposition: string;
  report: string;
  hangup_cause: string;
  billsec: number;
  duration: number;
  digits: string;
  delivery_error: string;
  created_at: string;
  answered_at: string | null;
  ended_at: string | null;
  /** The cdr callback's state ('' without a callback_url). */
  callback: string;
}

const iso = (d: Date | null | undefined): string | null => (d instanceof Date ? d.toISOString() : null);

/** Call records, newest first; with `endedAfter` the calls that ended after it, oldest first (a tail). */
export async function recentCalls(
  db: Db,
  domain_uuid: string,
  campaign_uuid: string,
  opts: { limit?: number; endedAfter?: Date } = {},
): Promise<CallRow[]> {
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 500);
  const filter = opts.endedAfter
    ? { campaign_uuid, domain_uuid, state: 'done' as const, ended_at: { $gt: opts.endedAfter } }
    : { campaign_uuid, domain_uuid };
  const sort: Sort = opts.endedAfter ? { ended_at: 1, _id: 1 } : { created_at: -1, _id: 1 };
  const calls = await callsOf(db).find(filter).sort(sort).limit(limit).toArray();
  const deliveries = calls.length
    ? await deliveriesOf(db)
        .find({ _id: { $in: calls.map((c) => `${c.call_id}:cdr`) } }, { projection: { status: 1 } })
        .toArray()
    : [];
  const cb = new Map(deliveries.map((d) => [d._id, d.status]));
  return calls.map((c) => ({
    call_id: c.call_id,
    lead_uuid: c.lead_uuid,
    attempt: c.attempt,
    number: maskNumber(c.phone_number),
    state: c.state,
    dialed: c.dialed,
    answered: c.answered,
    disposition: c.state === 'sending' ? '' : c.disposition,
    report: c.report,
    hangup_cause: c.hangup_cause,
    billsec: c.billsec,
    duration: c.duration,
    digits: c.digits,
    delivery_error: c.delivery_error,
    created_at: c.created_at.toISOString(),
    answered_at: iso(c.answered_at),
    ended_at: iso(c.ended_at),
    callback: cb.get(`${c.call_id}:cdr`) ?? '',
  }));
}

/** Callback deliveries that are not delivered: counts, and the latest few. */
export async function undeliveredCallbacks(db: Db, campaign_uuid: string, limit = 10) {
  const col = deliveriesOf(db);
  const [pending, failed, latest] = await Promise.all([
    col.countDocuments({ campaign_uuid, status: 'pending' }),
    col.countDocuments({ campaign_uuid, status: 'failed' }),
    col
      .find({ campaign_uuid, status: { $in: ['pending', 'failed'] } })
      .sort({ updated_at: -1 })
      .limit(limit)
      .toArray(),
  ]);
  return {
    pending,
    failed,
    latest: latest.map((d) => {
      const n = normalizeDelivery(d);
      return {
        call_id: n.call_id,
        kind: n.kind,
        status: n.status,
        attempts: n.attempts,
        last_status_code: n.last_status_code,
        last_error: n.last_error,
        updated_at: n.updated_at.toISOString(),
      };
    }),
  };
}

/** The dialing window from the campaign's schedule (when no run says it). */
export function windowOf(c: CampaignDoc, time_zone: string, now = Date.now()): { open: boolean; next_opening: number | null } {
  try {
    const w = toDialWindow({ schedules: c.schedules, local_start_time: c.local_start_time, local_end_time: c.local_end_time });
    const open = isOpen(w, now, time_zone || DEFAULT_TIME_ZONE);
    return { open, next_opening: open ? null : nextOpening(w, now, time_zone || DEFAULT_TIME_ZONE) };
  } catch {
    return { open: true, next_opening: null };
  }
}

/** Autodialer campaigns: their assigned agents (states come with the autodialer). */
export async function agentsOf(
  db: Db,
  c: CampaignDoc,
): Promise<Array<{ user_uuid: string; username: string; extension: string; display_name: string; enabled: boolean; state: string }>> {
  const ids = Array.isArray(c.users) ? (c.users as string[]) : [];
  if (!ids.length) return [];
  const docs = await usersOf(db)
    .find({ _id: { $in: ids }, domain_uuid: c.domain_uuid })
    .toArray();
  const byId = new Map(docs.map((u) => [u._id, u]));
  return ids.flatMap((id) => {
    const u = byId.get(id);
    return u
      ? [
          {
            user_uuid: u.user_uuid,
            username: u.username,
            extension: u.extension,
            display_name: u.display_name ?? '',
            enabled: u.enabled !== false,
            state: 'unknown',
          },
        ]
      : [];
  });
}

/** The campaigns whose gauges /metrics shows: every open run, with its progress and cap. */
export async function runGauges(deps: Pick<AppDeps, 'config' | 'db' | 'temporal'>) {
  if (!deps.temporal) return [];
  const uuids = await openRuns(deps.temporal);
  if (!uuids.length) return [];
  const docs = await campaignsOf(deps.db)
    .find({ _id: { $in: uuids } }, { projection: { concurrent_call: 1 } })
    .toArray();
  const cap = new Map(docs.map((d) => [d._id, d.concurrent_call ?? 0]));
  const states = await Promise.all(uuids.map((u) => runState(deps, u)));
  return states.flatMap((s, i) =>
    s.progress
      ? [
          {
            campaign_uuid: uuids[i]!,
            live_calls: s.progress.dialing,
            cap: Math.max(1, cap.get(uuids[i]!) ?? 0),
            recalls_waiting: s.progress.waiting,
            hopper: s.progress.hopper,
            window_open: s.progress.window_open,
            paused: s.progress.status === 'pause',
          },
        ]
      : [],
  );
}
