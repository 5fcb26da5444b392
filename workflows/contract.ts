// The public interface of the dialing engine's workflows, in one place: workflow ids, signal /
// update / query names and their payloads. The API, the worker, the ESL bridge and ops scripts
// (`temporal workflow signal --name …`) all take names from here; the README lists each one.
// Pure: imports only @temporalio/workflow's define* helpers, safe in the workflow bundle.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RecallSettings } from '../domain/recall.ts';
import type { DialWindow } from '../domain/schedule.ts';

// ---- ids -----------------------------------------------------------------------------------------

export const TASK_QUEUE_NOTE = 'the worker task queue (TEMPORAL_TASK_QUEUE)';
export const campaignRunWorkflowId = (campaign_uuid: string): string => `campaign-run:${campaign_uuid}`;
/** Workflow task timeout of the run and lead workflows (start option): their tasks take
 *  milliseconds, and a worker that died holding one delays the workflow by this much, not 10 s. */
export const WORKFLOW_TASK_TIMEOUT = '5 seconds';
export const leadWorkflowId = (lead_uuid: string): string => `lead:${lead_uuid}`;
/** Channel variable carrying the lead workflow id on every call we place (the bridge reads it). */
export const LEAD_WF_VAR = 'cr_lead_wf';
/** Channel variable carrying the call id (= origination_uuid of the first leg). */
export const CALL_ID_VAR = 'cr_call_id';
/** Constant channel variable the bridge filters on: only our calls' events reach the worker. */
export const APP_VAR = 'cr_app';
export const APP_VAR_VALUE = 'campaign-runner';
/** The channel variable the pressed digits are stored in (on the call's events as `variable_cr_digits`). */
export const DIGITS_VARIABLE = 'cr_digits';

// ---- shared types --------------------------------------------------------------------------------

export type NetworkName = 'viettel' | 'mobi' | 'vina' | 'tel' | 'offnet';

/** What a campaign run needs to know of a lead to grant it a slot. */
export interface LeadRef {
  lead_uuid: string;
  network: NetworkName;
  /** Carrier the lead's calls go out on ('' = none found). */
  carrier_uuid: string;
  /** When it became ready to dial (ms). */
  readyAt: number;
  /** Masked number, for the Web UI memo. */
  masked?: string;
  /** What the first attempt needs of the lead, read at the claim (saves a read per call). */
  lead?: LeadSnapshot;
  /** The claim that took the lead (its token): a lead workflow is started once per claim, ever. */
  claim?: string;
}

/** The dialable part of a lead, as claimed; the lead workflow keeps `attempts` current. */
export interface LeadSnapshot {
  phone_number: string;
  phones: string[];
  network: string;
  masked: string;
  /** origination_uuid of the first attempt (the import's call_id). */
  next_call_id: string;
  attempts: number;
  first_attempt_at: number | null;
  /** The lead's own number of attempts (voice-bot `numberCall`), replacing the campaign's. */
  max_attempts?: number;
}

/** Test and ops knobs of a run (all optional). */
export interface EngineOptions {
  /** How long a lead waits for its call's hangup event before reconciling (default 30 s). */
  reconcileAfterMs?: number;
  /** Floor of an `after` recall (domain/recall AFTER_FLOOR_MS, default 30 s). */
  recallFloorMs?: number;
  /** How often an idle run looks for new leads in MongoDB without a `leadsAdded` signal (default 5 s). */
  pollLeadsMs?: number;
  /** Continue-as-new after this many history events (default 4000; Temporal's suggestion also counts). */
  maxHistoryEvents?: number;
  /** Autodialer: multiplies the pacing's own times (the 1 s look at the queue, the adaptive ratio's
   *  5 s step and 10 min window) — for benchmarks that run the simulator faster than real time. */
  pacingScale?: number;
}

export interface CampaignRunInput {
  campaign_uuid: string;
  domain_uuid: string;
  options?: EngineOptions;
  /** Carried through continue-as-new. */
  carried?: CarriedState;
}

export interface CarriedState {
  status: RunStatus;
  /** Leads holding a slot, by lead uuid. */
  active: Record<string, LeadRef>;
  /** Recalls waiting for a slot, in arrival order. */
  waiting: LeadRef[];
  /** Claimed fresh leads not yet started. */
  hopper: LeadRef[];
  progress: Progress;
  lastGrantAt: Record<string, number>;
  /** Autodialer: the adaptive ratio's state (domain/pacing.ts). */
  adaptive?: { ratio: number; outcomes: Array<{ at: number; abandoned: boolean }>; lastAdjustAt: number };
  /** Leads waiting for a contact limit (no slot held): told when the run stops. */
  limited?: string[];
}

export type RunStatus = 'start' | 'pause' | 'stop';

export interface Progress {
  campaign_uuid: string;
  status: RunStatus;
  /** Inside the dialing window now. */
  window_open: boolean;
  /** Next window opening (ms), when closed. */
  next_opening: number | null;
  /** Calls up (slots held). */
  dialing: number;
  /** Recalls waiting for a slot. */
  waiting: number;
  /** Leads held back by a contact limit, waiting for the next allowed moment (no slot held). */
  waiting_limit?: number;
  /** Claimed leads not yet dialed. */
  hopper: number;
  /** Leads handed to lead workflows (fresh starts). */
  started: number;
  /** Calls finished. */
  calls: number;
  /** Leads finished for good. */
  done: number;
  /** Finished calls per recall_status word / answered. */
  by_disposition: Record<string, number>;
  /** Highest number of slots held at once in this run. */
  max_dialing: number;
  /** Autodialer: the ratio in force (percent; below the configured one while abandonment runs high). */
  ratio?: number;
}

// ---- campaign run: signals, updates, queries ------------------------------------------------------

/** Stop placing new calls; calls up finish. Payload: none. */
export const pauseSignal = defineSignal('pause');
/** Dial again (also what run/start sends to a running run). Payload: none. */
export const resumeSignal = defineSignal('resume');
/** Stop the run: no new calls, claimed leads go back to `new`, the run ends once calls are down. */
export const stopSignal = defineSignal('stop');
/** The campaign was changed (PUT): the run reloads it from MongoDB. Payload: none. */
export const configChangedSignal = defineSignal('configChanged');
/** New leads were stored for this campaign: look now instead of at the next poll. Payload: none. */
export const leadsAddedSignal = defineSignal('leadsAdded');

export interface RequestSlotPayload {
  lead: LeadRef;
}
/** A lead (after its recall timer) asks for a slot. */
export const requestSlotSignal = defineSignal<[RequestSlotPayload]>('requestSlot');

export interface ReleaseSlotPayload {
  lead_uuid: string;
  /** Call result word: answered or a recall_status word; '' when no call was placed. */
  disposition: string;
  /** true when no further attempt will be made. */
  final: boolean;
  /** A call was placed (counts in `calls`). */
  called: boolean;
  /** Autodialer pacing: answered by a person (bridged to an agent or abandoned), and abandoned. */
  answered?: boolean;
  abandoned?: boolean;
  /** No call: a contact limit held it back; the lead waits for the next allowed moment and asks
   *  for a slot again (the run tells it if it stops first). */
  limited?: boolean;
}
/** A lead's call is over: its slot is free. */
export const releaseSlotSignal = defineSignal<[ReleaseSlotPayload]>('releaseSlot');

/** Progress of the run. */
export const progressQuery = defineQuery<Progress>('progress');

/** One agent of an autodialer run's queue as mod_callcenter shows it (`callcenter_config queue list
 *  agents <queue>`; times epoch seconds, 0 = never). Read by GET /v3/campaign/{uuid}/agents. */
export interface AgentLive {
  /** `agent-<user_uuid>` (storage/agents.ts agentName). */
  agent_name: string;
  /** `Logged Out`, `Available`, `Available (On Demand)`, `On Break`. */
  status: string;
  /** `Waiting`, `Receiving`, `In a queue call`, `Idle`. */
  state: string;
  calls_answered: number;
  /** Seconds. */
  talk_time: number;
  last_bridge_end: number;
  no_answer_count: number;
  /** When the current (or last) bridge began (the list's last_bridge_start); optional. */
  last_bridge_start?: number;
  /** Our call id (the member leg's uuid, CC-Member-Session-UUID) while In a queue call; optional. */
  call_id?: string;
  /** The FreeSWITCH node the row comes from (several nodes: one row per node); optional. */
  node?: string;
}
/** The run's agents as last read from mod_callcenter (autodialer runs; other runs need not answer). */
export const agentsQuery = defineQuery<AgentLive[]>('agents');

/** Same as the pause/resume/stop signals, as an update that answers with the new progress. */
export const setStatusUpdate = defineUpdate<Progress, [RunStatus]>('setStatus');

// ---- lead workflow -------------------------------------------------------------------------------

export interface LeadInput {
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
  /** The campaign run that started the lead (first execution run id; on its call records). */
  run_id?: string;
  lead?: LeadSnapshot;
  /** The campaign granted a slot with the start (fresh leads). */
  slotGranted: boolean;
  /** When it was granted (ms). */
  granted_at?: number;
  options?: EngineOptions;
}

/** The campaign gives the lead a slot. Payload: none. */
export const slotGrantedSignal = defineSignal('slotGranted');
/** The run stopped: the lead goes back to `new` and its workflow ends. Payload: none. */
export const runStoppedSignal = defineSignal('runStopped');

/** One channel event of one of our calls, as the ESL bridge forwards it. */
export interface CallEventPayload {
  /** CHANNEL_ANSWER or CHANNEL_HANGUP_COMPLETE. */
  event: string;
  call_id: string;
  /** Unique-ID of the channel (leg). */
  uuid: string;
  hangup_cause?: string;
  billsec?: number;
  duration?: number;
  waitsec?: number;
  answer_epoch?: number;
  amd_result?: string;
  sip_term_status?: string;
  /** Keys the callee pressed (channel variable cr_digits) and play_and_get_digits' read_result. */
  digits?: string;
  read_result?: string;
  /** The call's content could not be played: the application's response and argument, e.g.
   *  `playback: FILE NOT FOUND (http_cache://…)`. The customer heard nothing. */
  content_error?: string;
  /** The autodialer's queue (mod_callcenter's `cc_*` channel variables), for a call that went into
   *  one: the agent it was bridged to, or why it left the queue. */
  cc?: QueueOutcome;
  /** Event time, ms. */
  at: number;
}

/** What mod_callcenter says of a member leg (epoch seconds; 0 when not set). */
export interface QueueOutcome {
  /** `answered` (bridged to an agent) or `cancel`. */
  cause: string;
  /** With `cancel`: TIMEOUT, NO_AGENT_TIMEOUT, BREAK_OUT (the customer hung up while waiting). */
  cancel_reason: string;
  /** The agent's name (storage/agents.ts agent-<user_uuid>). */
  agent: string;
  joined_epoch: number;
  answered_epoch: number;
  canceled_epoch: number;
  /** When the customer was bridged to the agent. */
  bridge_epoch: number;
}
export const callEventSignal = defineSignal<[CallEventPayload]>('callEvent');

export interface LeadState {
  lead_uuid: string;
  /** `waiting_limit`: held back by a contact limit until `next_attempt_at` (no slot held);
   *  `skipped`: its run stopped first (docs/compliance.md). */
  status: 'waiting_slot' | 'dialing' | 'waiting_recall' | 'waiting_limit' | 'done' | 'stopped' | 'skipped';
  attempts: number;
  call_id: string;
  disposition: string;
  next_attempt_at: number | null;
}
export const leadStateQuery = defineQuery<LeadState>('leadState');

// ---- activity payloads the workflows read (types only) --------------------------------------------

/** The plan of one attempt (activity placeCall): read-only, so a retry plans the same. */
export interface AttemptPlan {
  skip: false;
  call_id: string;
  leg_uuids: string[];
  /** 1 for the first call. */
  attempt: number;
  first_attempt_at: number;
  numbers: string[];
  /** ',' (parallel) or '|' (serial) between legs. */
  separator: ',' | '|';
  gateway: string;
  carrier_uuid: string;
  caller_number: string;
  call_timeout: number;
  network: string;
  masked: string;
  phone_number: string;
  /** The recall settings of the campaign (or the lead's own count) at this attempt. */
  recall: RecallSettings;
  /** The node the call must go to (an autodialer campaign's); else any ready node. */
  node?: string;
  /** Voicemail detection (mod_avmd) on the answered leg; absent = off. */
  amd?: 'off' | 'hangup' | 'leave_message';
  /** Record the answered leg (record_session); absent = no. */
  record?: boolean;
}
export type AttemptResult = AttemptPlan | { skip: true; reason: string };

export interface OriginateInput {
  plan: AttemptPlan;
  /** The campaign run that placed the call (its first execution's run id). */
  run_id?: string;
  /** When the run gave the lead its slot (ms). */
  granted_at?: number;
  lead_wf_id: string;
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
}

export interface OriginateResult {
  /** answered: +OK (wait for hangup of answered_uuid); failed: -ERR cause; live: a channel exists
   *  after a retry (wait); after a retry found no channel: ended (its CDR gives the outcome), lost
   *  (its FreeSWITCH died meanwhile), gone (outcome unknown), not_sent (no channel and no CDR:
   *  it never reached FreeSWITCH; not an attempt); recorded: the call was already recorded as
   *  done (a second execution met it): its stored outcome stands. */
  outcome: 'answered' | 'failed' | 'live' | 'gone' | 'ended' | 'lost' | 'recorded' | 'not_sent';
  cause?: string;
  answered_uuid?: string;
  node: string;
  sent_at: number;
  /** With `answered`: when the +OK came back (ms) — the answer, as the product saw it. */
  answered_at?: number;
  /** With `ended`: the hangup its CDR gave. */
  hangup?: CallEventPayload;
  /** With `lost`: when the node's connection dropped (the call ended no later). */
  lost_at?: number;
  /** The dial string sent (for the call record). */
  dial_string?: string;
  /** With `recorded`: the stored outcome, as the hangup event had given it. */
  recorded?: RecordedOutcome;
}

/** The outcome fields of a call record already done (times in ms). */
export interface RecordedOutcome {
  answered: boolean;
  hangup_cause: string;
  billsec: number;
  duration: number;
  waitsec: number;
  answered_uuid: string;
  answered_at: number | null;
  ended_at: number;
  digits: string;
  reconciled: boolean;
}

export interface PlaceCallInput extends Omit<OriginateInput, 'plan'> {
  proposed_call_id: string;
  extra_leg_uuids: string[];
  lead?: LeadSnapshot;
}
/** Skipped: no call. `reason` `contact_limit` (not an attempt) comes with `next_at`, when the next
 *  call to the number is allowed. */
export type PlaceCallResult = { plan: { skip: true; reason: string; next_at?: number } } | { plan: AttemptPlan; result: OriginateResult };

/** The campaign as a run sees it (activity loadRunConfig). */
export interface RunConfig {
  campaign_uuid: string;
  domain_uuid: string;
  campaign_name: string;
  /** The campaign's stored status (the run's own status comes from signals). */
  status: string;
  concurrent_call: number;
  /** Per-network caps of simultaneous calls; 0 = no cap of its own. */
  network: Record<NetworkName, number>;
  /** domain/schedule DialWindow (JSON): the campaign's, narrowed by the tenant's allowed hours and
   *  closed on its holidays (activities/compliance.ts complianceWindow). */
  window: DialWindow;
  time_zone: string;
  /** Leads claimed per batch. */
  hopper: number;
  priority_recall: string;
  /** `desc` = newest lead first; anything else = import order. */
  customer_order: string;
  /** calls per second per carrier uuid (0 = no limit). */
  carrier_cps: Record<string, number>;
  /** An autodialer campaign's pacing (absent for autocall): the configured ratio in percent
   *  (domain/pacing.ts configuredRatio), whether it adapts to the abandon rate, whether it dials
   *  for the agents expected free (predictive, domain/pacing.ts; absent = no), and the abandon target. */
  autodialer?: { ratio: number; adaptive: boolean; predictive?: boolean; abandon_target_percent: number };
}
