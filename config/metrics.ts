// The product's Prometheus metrics (prom-client), one registry per process: the API serves it at
// GET /metrics (api/metrics.ts, which also adds the campaign gauges read at scrape time), the
// worker on WORKER_METRICS_PORT (worker/metrics.ts). Product code calls the named functions below,
// one line each where the thing happens (activities/*, callbacks/activities.ts,
// telephony/esl/client.ts); nothing else touches prom-client. Names and labels: README, *Metrics*.
// The Temporal SDK's own worker metrics are its Prometheus exporter's (worker/create.ts), not here.
import type { Db } from 'mongodb';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const P = 'campaign_runner_';
/** Latency buckets (seconds) from a few ms to a minute. */
const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

// ---------------------------------------------------------------- calls (worker)

const originated = new Counter({
  name: `${P}calls_originated_total`,
  help: 'Originates sent to FreeSWITCH',
  labelNames: ['campaign_uuid', 'carrier_uuid'],
  registers: [registry],
});
const recorded = new Counter({
  name: `${P}calls_total`,
  help: 'Calls recorded (final record), by disposition (answered or a recall_status word) and report bucket',
  labelNames: ['campaign_uuid', 'carrier_uuid', 'disposition', 'report'],
  registers: [registry],
});
const answered = new Counter({
  name: `${P}calls_answered_total`,
  help: 'Calls answered',
  labelNames: ['campaign_uuid', 'carrier_uuid'],
  registers: [registry],
});
const abandoned = new Counter({
  name: `${P}calls_abandoned_total`,
  help: 'Autodialer: answered calls no agent took (abandon rate = this / calls_answered_total)',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const talk = new Histogram({
  name: `${P}call_billsec_seconds`,
  help: 'Talk time (billsec) of answered calls',
  labelNames: ['campaign_uuid'],
  buckets: [1, 3, 5, 10, 20, 30, 60, 120, 300, 600],
  registers: [registry],
});
const slotToOriginate = new Histogram({
  name: `${P}slot_to_originate_seconds`,
  help: "The dialer's own latency: the run grants a slot → the originate is sent (originate_sent_at − slot_granted_at)",
  labelNames: ['campaign_uuid'],
  buckets: LATENCY,
  registers: [registry],
});
const importToOriginate = new Histogram({
  name: `${P}import_to_originate_seconds`,
  help: "A lead's first call: stored (import) → originate sent",
  labelNames: ['campaign_uuid'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

/** An originate is about to be sent (activities/originate.ts). */
export function callOriginated(input: { campaign_uuid: string; plan: { carrier_uuid: string } }): void {
  originated.inc({ campaign_uuid: input.campaign_uuid, carrier_uuid: input.plan.carrier_uuid || '' });
}

interface RecordedCall {
  call_id: string;
  campaign_uuid: string;
  lead_uuid: string;
  carrier_uuid: string;
  attempt: number;
  dialed: boolean;
  answered: boolean;
  /** Autodialer: answered, but no agent took the customer. */
  abandoned?: boolean;
  disposition: string;
  report: string;
  billsec: number;
  slot_granted_at: Date | null;
  originate_sent_at: Date | null;
}

const secondsBetween = (from: Date | null | undefined, to: Date | null | undefined): number | null => {
  if (!(from instanceof Date) || !(to instanceof Date)) return null;
  const s = (to.getTime() - from.getTime()) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
};

/**
 * A call's final record was written (activities/record.ts): its disposition, talk time and the
 * slot → originate latency; for a lead's first call, import → originate (one `_id` read of the
 * lead, in the background: a metric never delays or fails the record). Once per call id and
 * process: a retried recordCall is not counted again.
 */
export function callRecorded(db: Db, call: RecordedCall): void {
  if (!firstTime(call.call_id)) return; // a retried recordCall writes the same record: counted once
  const l = { campaign_uuid: call.campaign_uuid, carrier_uuid: call.carrier_uuid || '' };
  recorded.inc({ ...l, disposition: call.disposition || 'unknown', report: call.report || 'unknown' });
  if (call.abandoned) abandoned.inc({ campaign_uuid: call.campaign_uuid });
  if (call.answered) {
    answered.inc(l);
    talk.observe({ campaign_uuid: call.campaign_uuid }, call.billsec);
  }
  if (!call.dialed) return;
  const slot = secondsBetween(call.slot_granted_at, call.originate_sent_at);
  if (slot !== null) slotToOriginate.observe({ campaign_uuid: call.campaign_uuid }, slot);
  if (call.attempt === 1 && call.originate_sent_at) {
    const sent = call.originate_sent_at;
    db.collection<{ _id: string; created_at?: Date }>('leads')
      .findOne({ _id: call.lead_uuid }, { projection: { created_at: 1 } })
      .then((lead) => {
        const s = secondsBetween(lead?.created_at, sent);
        if (s !== null) importToOriginate.observe({ campaign_uuid: call.campaign_uuid }, s);
      })
      .catch(() => {});
  }
}

/** Call ids recorded lately in this process (a bounded memory: the oldest half is forgotten). */
let seen = new Set<string>();
let older = new Set<string>();
function firstTime(call_id: string): boolean {
  if (seen.has(call_id) || older.has(call_id)) return false;
  seen.add(call_id);
  if (seen.size >= 50_000) {
    older = seen;
    seen = new Set();
  }
  return true;
}

// ---------------------------------------------------------------- the run (worker)

const claimBatches = new Counter({
  name: `${P}claim_batches_total`,
  help: 'Claims of new leads by a run (one conditional updateMany each)',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const claimed = new Counter({
  name: `${P}leads_claimed_total`,
  help: 'Leads claimed (new → queued)',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});

/** A run claimed a batch of leads (activities/run.ts claimLeads). */
export function leadsClaimed(campaign_uuid: string, count: number): void {
  claimBatches.inc({ campaign_uuid });
  claimed.inc({ campaign_uuid }, count);
}

// ---------------------------------------------------------------- callbacks (worker)

const deliveryAttempts = new Counter({
  name: `${P}callback_attempts_total`,
  help: 'Callback POST attempts by outcome: delivered (2xx), http_error (another status), error (no answer, refused address, network)',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});
const deliveriesFailed = new Counter({
  name: `${P}callback_deliveries_failed_total`,
  help: 'Callback deliveries given up (status failed)',
  labelNames: ['kind'],
  registers: [registry],
});
const deliveryLatency = new Histogram({
  name: `${P}callback_delivery_seconds`,
  help: 'A delivered callback: scheduled (the call ended) → the receiver answered 2xx, retries included',
  labelNames: ['kind'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
  registers: [registry],
});

/** One delivery attempt's outcome as stored (callbacks/activities.ts). */
export function callbackAttempt(
  input: { kind: string; scheduled_at: number },
  set: { last_status_code?: number | null; delivered?: boolean },
): void {
  const outcome = set.delivered ? 'delivered' : typeof set.last_status_code === 'number' ? 'http_error' : 'error';
  deliveryAttempts.inc({ kind: input.kind, outcome });
  if (set.delivered) deliveryLatency.observe({ kind: input.kind }, Math.max(0, (Date.now() - input.scheduled_at) / 1000));
}

/** Retries are over: the delivery is failed (callbacks/activities.ts markCallbackFailed). */
export function callbackGivenUp(input: { kind: string }): void {
  deliveriesFailed.inc({ kind: input.kind });
}

// ---------------------------------------------------------------- FreeSWITCH (worker)

const nodeUp = new Gauge({
  name: `${P}esl_node_up`,
  help: "1 while this worker's node listener is connected to the FreeSWITCH node, 0 while not",
  labelNames: ['node'],
  registers: [registry],
});
const eslCommand = new Histogram({
  name: `${P}esl_command_seconds`,
  help: 'Event Socket commands: sent → answered (bgapi: → its BACKGROUND_JOB, so an originate includes the ringing)',
  labelNames: ['node', 'command'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

/** The node listener connected (true) or lost its connection (false); null: it stopped listening here. */
export function eslNodeState(node: string, up: boolean | null): void {
  if (up === null) nodeUp.remove({ node });
  else nodeUp.set({ node }, up ? 1 : 0);
}

const started = new WeakMap<object, number>();
/** An ESL command is sent (telephony/esl/client.ts track). */
export function eslCommandStarted(pending: object): void {
  started.set(pending, performance.now());
}
/** It settled (telephony/esl/client.ts settle): resolved, rejected, timed out or closed. */
export function eslCommandSettled(node: string, pending: { command: string; jobUuid?: string }): void {
  const t0 = started.get(pending);
  if (t0 === undefined) return;
  started.delete(pending);
  const word = pending.command.split(' ', 1)[0] ?? '';
  eslCommand.observe({ node, command: pending.jobUuid ? `bgapi ${word}` : word }, (performance.now() - t0) / 1000);
}

// ---------------------------------------------------------------- the API

const httpRequests = new Counter({
  name: `${P}http_requests_total`,
  help: 'API requests by route and status',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const httpDuration = new Histogram({
  name: `${P}http_request_seconds`,
  help: 'API request duration by route',
  labelNames: ['method', 'route'],
  buckets: LATENCY,
  registers: [registry],
});

/** One API request answered (api/metrics.ts middleware); `route` is the matched pattern, not the path. */
export function httpRequest(method: string, route: string, status: number, seconds: number): void {
  httpRequests.inc({ method, route, status: String(status) });
  httpDuration.observe({ method, route }, seconds);
}

const storePing = new Histogram({
  name: `${P}store_ping_seconds`,
  help: 'MongoDB ping round trip (every /healthz and /metrics scrape): a loaded store shows here before it fails',
  buckets: LATENCY,
  registers: [registry],
});
const storeDegraded = new Gauge({
  name: `${P}store_degraded`,
  help: '1 when the last store ping was slower than STORE_DEGRADED_MS or failed, else 0',
  registers: [registry],
});

/** A store ping (control/health.ts checkHealth): its latency and whether the store is degraded. */
export function storePinged(seconds: number, degraded: boolean): void {
  storePing.observe(seconds);
  storeDegraded.set(degraded ? 1 : 0);
}

// ---------------------------------------------------------------- campaign gauges (API, at scrape time)

const liveCalls = new Gauge({
  name: `${P}live_calls`,
  help: "Calls up now (slots held by the campaign's run)",
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const callCap = new Gauge({
  name: `${P}call_cap`,
  help: 'concurrent_call of the campaign (0 counts as 1)',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const recallsWaiting = new Gauge({
  name: `${P}recalls_waiting`,
  help: 'Recalls whose time has come, waiting for a slot',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const hopper = new Gauge({
  name: `${P}hopper_leads`,
  help: 'Claimed leads not yet dialed',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const windowOpen = new Gauge({
  name: `${P}window_open`,
  help: '1 inside the dialing window, 0 outside',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const runPaused = new Gauge({
  name: `${P}run_paused`,
  help: '1 when the run is paused',
  labelNames: ['campaign_uuid'],
  registers: [registry],
});
const deliveriesByStatus = new Gauge({
  name: `${P}callback_deliveries`,
  help: 'Callback deliveries by state: pending (being retried) and failed (given up)',
  labelNames: ['status'],
  registers: [registry],
});

export interface RunGauge {
  campaign_uuid: string;
  live_calls: number;
  cap: number;
  recalls_waiting: number;
  hopper: number;
  window_open: boolean;
  paused: boolean;
}

/** Replace the per-campaign gauges with the open runs seen now (a run that ended disappears). */
export function setRunGauges(runs: RunGauge[]): void {
  for (const g of [liveCalls, callCap, recallsWaiting, hopper, windowOpen, runPaused]) g.reset();
  for (const r of runs) {
    const l = { campaign_uuid: r.campaign_uuid };
    liveCalls.set(l, r.live_calls);
    callCap.set(l, r.cap);
    recallsWaiting.set(l, r.recalls_waiting);
    hopper.set(l, r.hopper);
    windowOpen.set(l, r.window_open ? 1 : 0);
    runPaused.set(l, r.paused ? 1 : 0);
  }
}

export function setDeliveryGauges(counts: { pending: number; failed: number }): void {
  deliveriesByStatus.set({ status: 'pending' }, counts.pending);
  deliveriesByStatus.set({ status: 'failed' }, counts.failed);
}

/** The exposition: Prometheus text format. */
export async function metricsText(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}

/** Every metric name this module defines (the dashboard and docs are checked against it). */
export function metricNames(): string[] {
  return registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((n) => n.startsWith(P));
}
