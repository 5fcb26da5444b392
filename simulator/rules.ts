// What the simulated far end does per called number, plus gateways and limits.
// Loaded from a JSON file (--rules / SIM_RULES) or set through the control API; validated with zod.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isFsCause } from '../domain/fs-causes.ts';

export const ACTIONS = [
  'answer', // 180 after progressMs, 200 OK after ringMs, callee hangs up after talkMs (never if unset)
  'busy', // 486 Busy Here after ringMs -> USER_BUSY
  'noanswer', // rings until originate_timeout -> NO_ANSWER
  'unallocated', // 404 -> UNALLOCATED_NUMBER
  'rejected', // 603 Decline -> CALL_REJECTED
  'congestion', // 503 with Reason Q.850 34 -> NORMAL_CIRCUIT_CONGESTION
  'fail', // any final failure: `cause` (and optionally `sipStatus`)
  'machine', // answered by an answering machine: its beep sounds beepMs after the answer (mod_avmd, avmd.ts)
  'gateway_down', // refused before any channel exists -> GATEWAY_DOWN
] as const;
export type Action = (typeof ACTIONS)[number];

const ms = z.number().int().min(0);

export const calleeRuleSchema = z.object({
  action: z.enum(ACTIONS),
  /** Time from INVITE to the final answer or refusal. */
  ringMs: ms.optional(),
  /** Time from INVITE to 180 Ringing (CHANNEL_PROGRESS); no 180 for refusals unless set. */
  progressMs: ms.optional(),
  /** Send 183 Session Progress with SDP (CHANNEL_PROGRESS_MEDIA) at progressMs. */
  earlyMedia: z.boolean().optional(),
  /** After the answer the callee hangs up after talkMs; unset or null = stays until we hang up. */
  talkMs: ms.nullable().optional(),
  /**
   * DTMF the callee presses once play_and_get_digits starts (its prompt playing), one key every
   * digitDelayMs; the first key stops the prompt, as on FreeSWITCH. With pressDigitsOnAnswer the keys
   * are pressed from the answer instead, and whatever application reads DTMF then takes them.
   */
  digits: z
    .string()
    .regex(/^[0-9*#A-D]*$/)
    .optional(),
  /** Time before each key (default 10 ms): the first key comes digitDelayMs after the application starts. */
  digitDelayMs: ms.optional(),
  pressDigitsOnAnswer: z.boolean().optional(),
  /** FreeSWITCH cause for `fail` (or to override the default of another action). */
  cause: z.string().refine(isFsCause, 'unknown hangup cause').optional(),
  sipStatus: z.number().int().min(100).max(699).optional(),
  /**
   * For `machine`: its beep sounds beepMs after the answer (default 100). mod_avmd reports it
   * (avmd::beep, avmd_detect=TRUE) only if avmd_start ran before then; HUMAN or NOTSURE: no beep.
   */
  amdResult: z.enum(['MACHINE', 'HUMAN', 'NOTSURE']).optional(),
  beepMs: ms.optional(),
  /**
   * For `machine`, the simulator's behaviour before it simulated mod_avmd: without any avmd_start,
   * avmd::start at the answer and avmd::beep beepMs later (one event each) with amd_result =
   * amdResult. FreeSWITCH itself reports nothing unless avmd_start runs.
   */
  avmdAuto: z.boolean().optional(),
});
export type CalleeRule = z.infer<typeof calleeRuleSchema>;

/** A rule, or a list used one per attempt to that number (the last one repeats). */
const ruleOrSeq = z.union([calleeRuleSchema, z.array(calleeRuleSchema).min(1)]);

export const gatewaySchema = z.object({
  status: z.enum(['UP', 'DOWN']).default('UP'),
  profile: z.string().default('external'),
  proxy: z.string().optional(),
  /** Live channels allowed on this gateway; beyond it originate fails without a channel. */
  maxSessions: z.number().int().min(0).optional(),
  /** New channels per second on this gateway. */
  cps: z.number().int().min(0).optional(),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;

export const mixSchema = z.object({
  weights: z.partialRecord(z.enum(ACTIONS), z.number().min(0)),
  ringMs: z.tuple([ms, ms]).default([50, 500]),
  talkMs: z.tuple([ms, ms]).default([200, 2000]),
  digits: z.array(z.string()).optional(),
});

/**
 * mod_callcenter (callcenter.ts): the static callcenter.conf (queues with their params by their
 * callcenter.conf names, agents with their XML attributes, tiers), agent-originate-timeout, and
 * what each agent's phone does when mod_callcenter calls its contact. An endpoint rule is a callee
 * rule, plus `unregistered` (user/… with no registration: USER_NOT_REGISTERED, no channel).
 */
export const agentEndpointSchema = calleeRuleSchema.extend({ action: z.enum([...ACTIONS, 'unregistered']) });
export type AgentEndpointRule = z.infer<typeof agentEndpointSchema>;
const xmlValue = z.union([z.string(), z.number(), z.boolean()]);
export const callcenterRulesSchema = z.object({
  queues: z.record(z.string(), z.record(z.string(), xmlValue)).optional(),
  agents: z.record(z.string(), z.record(z.string(), xmlValue)).optional(),
  tiers: z.array(z.record(z.string(), xmlValue)).optional(),
  /** <settings> agent-originate-timeout, seconds (FreeSWITCH default 60). */
  agentOriginateTimeout: z.number().int().min(1).optional(),
  /** Key: the contact's target without its {}/[] variables, or its user part, or a prefix of either ending in `*`. */
  endpoints: z.record(z.string(), z.union([agentEndpointSchema, z.array(agentEndpointSchema).min(1)])).optional(),
  /** A phone with no endpoint rule (default: answers after 20 ms, stays until the other side hangs up). */
  defaultEndpoint: agentEndpointSchema.optional(),
});
export type CallcenterRules = z.infer<typeof callcenterRulesSchema>;

export const rulesSchema = z.object({
  /** Used when no number rule and no mix applies. */
  default: calleeRuleSchema.default({ action: 'answer', ringMs: 20, talkMs: null }),
  /** Exact numbers, or prefixes ending in `*` (longest prefix wins). */
  numbers: z.record(z.string(), ruleOrSeq).default({}),
  /** Known gateways. Unset: any gateway name is accepted and UP. */
  gateways: z.record(z.string(), gatewaySchema).optional(),
  /** SIP profiles that exist (for sofia/<profile>/... targets and gateways). */
  profiles: z.array(z.string()).default(['external', 'internal']),
  /** FreeSWITCH core limits (switch.conf max-sessions / sessions-per-second). */
  limits: z
    .object({ maxSessions: z.number().int().min(0).default(1000), sessionsPerSecond: z.number().int().min(0).default(30) })
    .default({ maxSessions: 1000, sessionsPerSecond: 30 }),
  /** Seeded random outcomes for numbers without an explicit rule (load runs). */
  mix: mixSchema.optional(),
  /**
   * How long media plays whose length the simulator cannot know (ms): tone_stream://, say:, speak,
   * a path relative to FreeSWITCH's sounds, a non-WAV file. A WAV file (a local path or an
   * http_cache:// URL) plays its own length; silence_stream://N plays N ms (media.ts).
   */
  mediaMs: ms.default(50),
  /**
   * A file the simulator cannot read (missing path, HTTP error, refused or timed-out connection):
   * `fail` = as FreeSWITCH, playback answers FILE NOT FOUND at once (and the originate's call hangs
   * up); `play` = it plays mediaMs as if it were there (for tests whose audio points nowhere).
   */
  missingMedia: z.enum(['fail', 'play']).default('fail'),
  /** mod_callcenter: static callcenter.conf and the agents' phones (callcenter.ts). */
  callcenter: callcenterRulesSchema.optional(),
});
export type Rules = z.infer<typeof rulesSchema>;
export type RulesInput = z.input<typeof rulesSchema>;

export function parseRules(input: unknown): Rules {
  return rulesSchema.parse(input ?? {});
}

export function loadRulesFile(path: string): Rules {
  return parseRules(JSON.parse(readFileSync(path, 'utf8')));
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks the rule for a call: exact number, longest `prefix*`, the seeded mix, then the default. */
export class RuleBook {
  private attempts = new Map<string, number>();
  private rng: () => number;

  constructor(
    public rules: Rules,
    seed = 1,
  ) {
    this.rng = seededRandom(seed);
  }

  reseed(seed: number): void {
    this.rng = seededRandom(seed);
  }

  random(): number {
    return this.rng();
  }

  resolve(number: string): CalleeRule & { source: string } {
    const n = this.attempts.get(number) ?? 0;
    this.attempts.set(number, n + 1);
    const pick = (r: CalleeRule | CalleeRule[]): CalleeRule => (Array.isArray(r) ? (r[Math.min(n, r.length - 1)] as CalleeRule) : r);
    const exact = this.rules.numbers[number];
    if (exact) return { ...pick(exact), source: `number:${number}` };
    let best: string | undefined;
    for (const key of Object.keys(this.rules.numbers)) {
      if (!key.endsWith('*')) continue;
      const prefix = key.slice(0, -1);
      if (number.startsWith(prefix) && (!best || prefix.length > best.length - 1)) best = key;
    }
    if (best) return { ...pick(this.rules.numbers[best]!), source: `prefix:${best}` };
    if (this.rules.mix) return { ...this.fromMix(this.rules.mix), source: 'mix' };
    return { ...this.rules.default, source: 'default' };
  }

  private fromMix(mix: z.infer<typeof mixSchema>): CalleeRule {
    const entries = Object.entries(mix.weights).filter(([, w]) => (w ?? 0) > 0) as Array<[Action, number]>;
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.rng() * total;
    let action: Action = entries[0]?.[0] ?? 'answer';
    for (const [a, w] of entries) {
      if (x < w) {
        action = a;
        break;
      }
      x -= w;
    }
    const between = ([lo, hi]: [number, number]) => Math.round(lo + this.rng() * Math.max(0, hi - lo));
    const rule: CalleeRule = { action, ringMs: between(mix.ringMs), talkMs: between(mix.talkMs) };
    if (action === 'fail') rule.cause = 'NORMAL_TEMPORARY_FAILURE';
    if (mix.digits?.length) rule.digits = mix.digits[Math.floor(this.rng() * mix.digits.length)];
    return rule;
  }
}
