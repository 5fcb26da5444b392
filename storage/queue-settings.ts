// An autodialer campaign's call-centre settings beyond the documented campaign object (collection
// `queue_settings`, `_id` = campaign_uuid), so `GET /v3/campaign` stays exactly as documented.
// Served and changed through GET/PUT /v3/campaign/{uuid}/queue_settings; read by the queue's
// provisioning (mod_xml_curl, activities/callcenter.ts) and the run's pacing.
import type { Db } from 'mongodb';

export interface QueueSettings {
  /** Seconds an agent rests after a call before the next offer (mod_callcenter wrap_up_time). */
  wrap_up_time: number;
  /** Offers an agent may leave unanswered in a row before going On Break (max_no_answer). */
  max_no_answer: number;
  /** Seconds an agent's phone rings before the offer fails ([leg_timeout=N] in the contact). */
  agent_ring_timeout: number;
  /** Seconds after a no-answer before the agent is offered again (no_answer_delay_time). */
  no_answer_delay_time: number;
  /** Seconds an answered customer may wait for an agent before being abandoned (max-wait-time). */
  max_wait_time: number;
  /** Seconds a customer waits when no agent is logged in at all (max-wait-time-with-no-agent). */
  max_wait_time_with_no_agent: number;
  /** Abandoned ÷ answered by a person (rolling), the pace is kept at or under this (percent). */
  abandon_target_percent: number;
  /** Lower the ratio when abandonment runs above the target and let it climb back (VICIdial's adaptive level). */
  adaptive: boolean;
  /** Predictive pace: the ratio counts every Available agent, busy ones too (VICIdial's dial level),
   *  so customers are dialed for agents about to finish; starts at 100 and adapts (domain/pacing.ts). */
  predictive: boolean;
  /** What an abandoned customer hears before the hang-up: text spoken by the tenant's TTS voice
   *  ('' = the default message). */
  abandon_message: string;
  /** How an agent's phone is reached: placeholders {extension}, {user_uuid}, {domain_uuid}
   *  ('' = the AGENT_CONTACT_TEMPLATE setting). */
  agent_contact: string;
}

export const DEFAULT_ABANDON_MESSAGE = 'Xin lỗi quý khách, hiện tất cả tư vấn viên đều đang bận. Chúng tôi sẽ gọi lại sau. Xin cảm ơn.';

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  wrap_up_time: 10,
  max_no_answer: 3,
  agent_ring_timeout: 20,
  no_answer_delay_time: 5,
  max_wait_time: 20,
  max_wait_time_with_no_agent: 10,
  abandon_target_percent: 3,
  adaptive: true,
  predictive: false,
  abandon_message: '',
  agent_contact: '',
};

/** Each numeric setting's bounds (inclusive; the API refuses others). */
export const QUEUE_SETTINGS_BOUNDS = {
  wrap_up_time: [0, 600],
  max_no_answer: [0, 100],
  agent_ring_timeout: [5, 120],
  no_answer_delay_time: [0, 600],
  max_wait_time: [0, 600],
  max_wait_time_with_no_agent: [0, 600],
  abandon_target_percent: [0, 100],
} as const satisfies Partial<Record<keyof QueueSettings, readonly [number, number]>>;

export const MAX_ABANDON_MESSAGE_CHARS = 500;
export const MAX_AGENT_CONTACT_CHARS = 200;

/** The agent contact when neither the campaign nor AGENT_CONTACT_TEMPLATE sets one: the user's
 *  extension registered on the tenant's domain (FreeSWITCH's `user/` endpoint). */
export const DEFAULT_AGENT_CONTACT_TEMPLATE = 'user/{extension}@{domain_uuid}';
/** The placeholders an agent contact may use. */
export const AGENT_CONTACT_PLACEHOLDERS = ['extension', 'user_uuid', 'domain_uuid'] as const;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What is wrong with an abandon message (spoken by the tenant's TTS voice), or null. */
export function abandonMessageProblem(s: string): string | null {
  if (s.length > MAX_ABANDON_MESSAGE_CHARS) return `String length must be less than or equal to ${MAX_ABANDON_MESSAGE_CHARS}`;
  if (s.includes('${')) return 'must not contain ${';
  if (CONTROL_CHARS.test(s)) return 'must not contain control characters (line breaks included)';
  return null;
}

/**
 * What is wrong with an agent contact template, or null: at most 200 characters; placeholders
 * {extension}, {user_uuid}, {domain_uuid} only, at least one of {extension} / {user_uuid} (each
 * agent its own phone); outside them letters, digits and `_ . @ : / = + ; % # * ~ -` only — no
 * `${`, spaces, quotes, `[ ] { }` (the ring limit `[leg_timeout=N]` is added by the product),
 * `,` or `|` (they would split the dial string into several phones).
 */
export function agentContactProblem(t: string): string | null {
  if (t.length > MAX_AGENT_CONTACT_CHARS) return `String length must be less than or equal to ${MAX_AGENT_CONTACT_CHARS}`;
  if (t.includes('${')) return 'must not contain ${';
  const names = [...t.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  const unknown = names.find((n) => !(AGENT_CONTACT_PLACEHOLDERS as readonly string[]).includes(n));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}: only ${AGENT_CONTACT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
  const rest = t.replace(/\{(extension|user_uuid|domain_uuid)\}/g, '');
  if (/\s/.test(rest)) return 'must not contain spaces';
  if (/[,|]/.test(rest)) return 'must not contain , or | (one phone per agent)';
  if (/[[\]{}]/.test(rest)) return 'must not contain [ ] { } outside the placeholders {extension}, {user_uuid}, {domain_uuid}';
  if (!/^[A-Za-z0-9_.@:/=+;%#*~-]*$/.test(rest)) return 'may contain only letters, digits, _ . @ : / = + ; % # * ~ - and the placeholders';
  if (!names.includes('extension') && !names.includes('user_uuid'))
    return 'must contain {extension} or {user_uuid} (each agent its own phone)';
  return null;
}

interface QueueSettingsDoc extends Partial<QueueSettings> {
  _id: string;
  domain_uuid: string;
  updated_at: Date;
}

const col = (db: Db) => db.collection<QueueSettingsDoc>('queue_settings');

/** The campaign's settings, defaults filled in. */
export async function getQueueSettings(db: Db, campaign_uuid: string): Promise<QueueSettings> {
  const doc = await col(db).findOne({ _id: campaign_uuid });
  const { _id, domain_uuid: _d, updated_at: _u, ...set } = doc ?? ({} as QueueSettingsDoc);
  return { ...DEFAULT_QUEUE_SETTINGS, ...set };
}

/** Store a partial change (validated by the caller); the full settings after it. */
export async function updateQueueSettings(
  db: Db,
  domain_uuid: string,
  campaign_uuid: string,
  change: Partial<QueueSettings>,
): Promise<QueueSettings> {
  await col(db).updateOne({ _id: campaign_uuid }, { $set: { ...change, domain_uuid, updated_at: new Date() } }, { upsert: true });
  return getQueueSettings(db, campaign_uuid);
}
