// The v3 campaign: its enums (the field rules of docs/api-contract.md §1, spelled as documented,
// including `parralel`), the stored document and the public object every GET returns, with the
// `null` / `""` / `0` defaults the documented GET examples show. Pure: no I/O, no framework.

import { RECALL_WORDS } from './causes.ts';
import { NETWORKS, type Network } from './phone.ts';
import type { WeeklySchedule } from './schedule.ts';

export { NETWORKS, type Network };

export const CAMPAIGN_TYPES = ['autodialer', 'autocall', 'inbound', 'manual'] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

/** Autodialer pace, % calls per free agent. 0 = unset (allowed for every type but autodialer). */
export const RATIOS = [100, 150, 200, 300, 400] as const;

export const QUEUE_STRATEGIES = ['ring-all', 'top-down', 'agent-with-fewest-calls', 'round-robin', 'random'] as const;
export const SCHEDULE_RECALLS = ['after', 'minute'] as const;
/** How a customer's several numbers are dialed. `parralel` is the documented spelling. */
export const MODE_CALLS = ['direct', 'serial', 'parralel'] as const;
export const PRIORITY_RECALLS = ['normal', 'recall'] as const;
/** The `recall_status` words: the one list lives beside the hangup-cause table. */
export const RECALL_STATUSES = RECALL_WORDS;
export const TYPE_AUTOCALLS = ['autocall_voice_tts', 'autocall_audio', 'autocall_voice_otp'] as const;
export const CAMPAIGN_STATUSES = ['stop', 'start', 'pause'] as const;
/** Shape of the callbacks a campaign's calls send (callbacks/payload.ts has one producer per format):
 *  `cdr` our call record (default), `voice_bot` the voice-bot API's webhook shapes. */
export const CALLBACK_FORMATS = ['cdr', 'voice_bot'] as const;
export type CallbackFormat = (typeof CALLBACK_FORMATS)[number];
/** Answering-machine (voicemail) detection by mod_avmd's beep (docs/api-v3.md, Voicemail detection):
 *  `off` (default), `hangup` at the beep, or `leave_message` after it. */
export const AMD_MODES = ['off', 'hangup', 'leave_message'] as const;
export type AmdMode = (typeof AMD_MODES)[number];

export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];
/**
 * Every mod_callcenter strategy. The v3 API offers QUEUE_STRATEGIES only, but a campaign written
 * straight to the store may name another (bench/autodialer.ts: longest-idle-agent), and the queue's
 * configuration serves it to FreeSWITCH as stored.
 */
export type CallcenterStrategy =
  QueueStrategy | 'longest-idle-agent' | 'agent-with-least-talk-time' | 'sequentially-by-agent-order' | 'ring-progressively';
export type ScheduleRecall = (typeof SCHEDULE_RECALLS)[number];
export type ModeCall = (typeof MODE_CALLS)[number];
export type PriorityRecall = (typeof PRIORITY_RECALLS)[number];
export type RecallStatus = (typeof RECALL_STATUSES)[number];
export type TypeAutocall = (typeof TYPE_AUTOCALLS)[number];
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Per-network numbers (docs/api-v3.md, Decisions: a cap of simultaneous calls, 0 = no cap). */
export type NetworkCaps = Record<Network, number>;

/** Every network's number, 0 where the stored campaign has none. */
export const networkCaps = (n: Partial<NetworkCaps> | null | undefined): NetworkCaps =>
  Object.fromEntries(NETWORKS.map((k) => [k, n?.[k] ?? 0])) as NetworkCaps;

export const NANOS_PER_DAY = 86_400 * 1_000_000_000;

/** `HH:MM:SS`, 00:00:00–23:59:59. */
export const LOCAL_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$';

/** The settings a client may write (POST and PUT bodies). */
export interface CampaignSettings {
  campaign_name: string;
  type: CampaignType;
  description: string;
  active: boolean;
  concurrent_call: number;
  ratio: number;
  custom_ratio: number;
  carrier_uuid: string;
  template_uuid: string;
  recall_times: number;
  limit_recall_duration: number;
  schedule_recall: '' | ScheduleRecall;
  schedule_recall_duration: number;
  hopper: number;
  answer_callback_url: string;
  local_start_time: string;
  local_end_time: string;
  customer_order: string;
  allow_manual_dial: boolean;
  allow_search_lead: boolean;
  enable_callback_alert: boolean;
  default_list_uuid: string;
  script_uuid: string;
  status: '' | CampaignStatus;
  call_center_queue_strategy: '' | CallcenterStrategy;
  mode_call: '' | ModeCall;
  network: NetworkCaps;
  type_autocall: '' | TypeAutocall;
  call_timeout: number;
  users: string[] | null;
  groups: string[] | null;
  statuses: string[] | null;
  schedules: WeeklySchedule[] | null;
  priority_recall: '' | PriorityRecall;
  recall_status: RecallStatus[] | null;
  enable_encrypt: boolean;
  callback_url: string;
  /** Voicemail detection (mod_avmd); absent on campaigns stored before it = `off`. */
  amd?: AmdMode;
  /** Record answered calls (record_session; docs/api-v3.md, Recordings); absent = false. */
  record_calls?: boolean;
  /** Callback payload shape; absent = `cdr`. Set by the voice-bot API; not a documented v3 field,
   *  so not in defaultSettings (the v3 API neither writes nor returns it). */
  callback_format?: CallbackFormat;
}

/** The stored document (collection `campaigns`). `_id` is the campaign uuid. */
export interface CampaignDoc extends CampaignSettings {
  _id: string;
  domain_uuid: string;
  campaign_uuid: string;
  call_center_queue_uuid: string;
  dialplan_uuid: string;
  template_name: string;
  carrier_name: string;
  run_id: string;
  orig_campaign_uuid: string;
  /** Stable integer id per tenant (storage/campaign-ids.ts; the voice-bot API's `campaignId`).
   *  Absent on campaigns made before integer ids until one is assigned lazily. */
  campaign_id?: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * `concurrent_call` of a campaign that sets none (v3 create, v2 queue, a stored document without
 * it): 0, which the run reads as one call at a time (domain/pacing.ts capOf: never unlimited).
 */
export const DEFAULT_CONCURRENT_CALL = 0;

/** Defaults for a new campaign: the values the documented GET shows for fields never set. */
export function defaultSettings(type: CampaignType): Omit<CampaignSettings, 'campaign_name' | 'type'> {
  return {
    description: '',
    active: false,
    concurrent_call: DEFAULT_CONCURRENT_CALL,
    ratio: 0,
    custom_ratio: 0,
    carrier_uuid: '',
    template_uuid: '',
    recall_times: 0,
    limit_recall_duration: 0,
    schedule_recall: '',
    schedule_recall_duration: 0,
    hopper: type === 'autodialer' ? 10 : 0,
    answer_callback_url: '',
    local_start_time: '',
    local_end_time: '',
    customer_order: '',
    allow_manual_dial: false,
    allow_search_lead: false,
    enable_callback_alert: false,
    default_list_uuid: '',
    script_uuid: '',
    status: '',
    call_center_queue_strategy: type === 'autodialer' ? 'ring-all' : '',
    mode_call: '',
    network: { viettel: 0, mobi: 0, vina: 0, tel: 0, offnet: 0 },
    type_autocall: '',
    call_timeout: 0,
    users: null,
    groups: null,
    statuses: null,
    schedules: null,
    priority_recall: '',
    recall_status: null,
    enable_encrypt: false,
    callback_url: '',
  };
}

/** The public campaign object, keys in the documented order. */
export interface CampaignView {
  domain_uuid: string;
  campaign_uuid: string;
  campaign_name: string;
  type: CampaignType;
  description: string;
  active: boolean;
  concurrent_call: number;
  ratio: number;
  carrier_uuid: string;
  call_center_queue_uuid: string;
  template_uuid: string;
  recall_times: number;
  limit_recall_duration: number;
  schedule_recall: string;
  schedule_recall_duration: number;
  hopper: number;
  answer_callback_url: string;
  local_start_time: string;
  local_end_time: string;
  customer_order: string;
  allow_manual_dial: boolean;
  allow_search_lead: boolean;
  enable_callback_alert: boolean;
  default_list_uuid: string;
  script_uuid: string;
  status: string;
  created_at: string;
  updated_at: string;
  call_center_queue_strategy: string;
  template_name: string;
  carrier_name: string;
  mode_call: string;
  network: NetworkCaps;
  run_id: string;
  type_autocall: string;
  call_timeout: number;
  domain_name: string;
  users: string[] | null;
  groups: string[] | null;
  statuses: string[] | null;
  schedules: WeeklySchedule[] | null;
  priority_recall: string;
  recall_status: string[] | null;
  enable_encrypt: boolean;
  callback_url: string;
  orig_campaign_uuid: string;
  /** Only when not `off` / false, after the documented fields: the documented GET stays as it is. */
  amd?: AmdMode;
  record_calls?: boolean;
}

/**
 * A time as Go's RFC3339Nano prints it in the given IANA zone (the documented format:
 * `2023-03-06T17:57:54.65043+07:00`, trailing zeros of the fraction dropped).
 */
export function formatTimestamp(date: Date, timeZone: string): string {
  const offsetMin = zoneOffsetMinutes(date, timeZone);
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const iso = local.toISOString(); // 2023-03-06T17:57:54.650Z, shifted to local wall time
  let frac = iso.slice(20, 23).replace(/0+$/, '');
  frac = frac ? `.${frac}` : '';
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${iso.slice(0, 19)}${frac}${off === '+00:00' ? 'Z' : off}`;
}

// eslint-disable-next-line no-restricted-syntax -- a memo of formatters: the same answer for every caller
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset at `date`, in minutes (DST-aware, from the platform's tz database). */
export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** Is this an IANA zone the platform knows? */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function toView(doc: CampaignDoc, timeZone: string): CampaignView {
  return {
    domain_uuid: doc.domain_uuid,
    campaign_uuid: doc.campaign_uuid,
    campaign_name: doc.campaign_name,
    type: doc.type,
    description: doc.description,
    active: doc.active,
    concurrent_call: doc.concurrent_call,
    ratio: doc.ratio,
    carrier_uuid: doc.carrier_uuid,
    call_center_queue_uuid: doc.call_center_queue_uuid,
    template_uuid: doc.template_uuid,
    recall_times: doc.recall_times,
    limit_recall_duration: doc.limit_recall_duration,
    schedule_recall: doc.schedule_recall,
    schedule_recall_duration: doc.schedule_recall_duration,
    hopper: doc.hopper,
    answer_callback_url: doc.answer_callback_url,
    local_start_time: doc.local_start_time,
    local_end_time: doc.local_end_time,
    customer_order: doc.customer_order,
    allow_manual_dial: doc.allow_manual_dial,
    allow_search_lead: doc.allow_search_lead,
    enable_callback_alert: doc.enable_callback_alert,
    default_list_uuid: doc.default_list_uuid,
    script_uuid: doc.script_uuid,
    status: doc.status,
    created_at: formatTimestamp(doc.created_at, timeZone),
    updated_at: formatTimestamp(doc.updated_at, timeZone),
    call_center_queue_strategy: doc.call_center_queue_strategy,
    template_name: doc.template_name,
    carrier_name: doc.carrier_name,
    mode_call: doc.mode_call,
    network: networkCaps(doc.network),
    run_id: doc.run_id,
    type_autocall: doc.type_autocall,
    call_timeout: doc.call_timeout,
    domain_name: '',
    users: doc.users ?? null,
    groups: doc.groups ?? null,
    statuses: doc.statuses ?? null,
    schedules: doc.schedules ?? null,
    priority_recall: doc.priority_recall,
    recall_status: doc.recall_status ?? null,
    enable_encrypt: doc.enable_encrypt,
    callback_url: doc.callback_url,
    orig_campaign_uuid: doc.orig_campaign_uuid,
    ...(doc.amd && doc.amd !== 'off' ? { amd: doc.amd } : {}),
    ...(doc.record_calls ? { record_calls: true } : {}),
  };
}
