// The v3 schemas: one set of zod schemas that validates request bodies (errors translated to
// gojsonschema wording by ../validation.ts) and generates the OpenAPI 3.1 document.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TYPES,
  LOCAL_TIME_PATTERN,
  MODE_CALLS,
  NANOS_PER_DAY,
  NETWORKS,
  AMD_MODES,
  PRIORITY_RECALLS,
  QUEUE_STRATEGIES,
  RATIOS,
  RECALL_STATUSES,
  SCHEDULE_RECALLS,
  TYPE_AUTOCALLS,
} from '../../domain/campaign.ts';
import { WEEKDAYS } from '../../domain/schedule.ts';
import { placeholders } from '../../domain/template.ts';
import { isHttpUrl } from '../../callbacks/url.ts';
import { INT_MARK, zInt } from '../validation.ts';

// ---------------------------------------------------------------- shared pieces

type OpenApi31Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
/**
 * A schema object of OpenAPI 3.1, the version of the document the API serves (api/app.ts), in the
 * library's own type. For `.openapi()` metadata with a 3.1-only keyword (`propertyNames`):
 * zod-to-openapi types metadata with the keys OpenAPI 3.0 and 3.1 share, and a literal with any
 * other key is refused; a value of this type is accepted.
 */
export type OpenApi31Schema = Exclude<NonNullable<NonNullable<OpenApi31Document['components']>['schemas']>[string], { $ref: string }>;

const UUID_OR_EMPTY = '^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const uuidOrEmpty = (what: string) =>
  z
    .string()
    .regex(new RegExp(UUID_OR_EMPTY))
    .openapi({ description: `${what} (uuid, or "" for none)`, example: '' });
const int = (min: number, max: number) => zInt().min(min).max(max);
// The same check deliveries make (callbacks/url.ts); the handlers then refuse what can never be
// delivered (campaigns.ts callbackUrlProblems); names are resolved and checked at delivery time.
const httpUrlOrEmpty = (description: string) =>
  z
    .string()
    .max(2048)
    .refine((s) => s === '' || isHttpUrl(s), { message: "Does not match format 'uri'" })
    .openapi({
      description:
        `${description}; http(s) URL or "". Refused (400 \`{"error":[{"<field>":"…"}]}\`): a user name or password, a literal ` +
        'loopback, private, link-local or other non-public address, `localhost` (unless CALLBACK_ALLOW_PRIVATE); a host ' +
        'name is resolved and checked at each delivery',
      anyOf: [{ const: '' }, { format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]' }],
      example: '',
    });

/** A string enum that also accepts "" (what GET returns for "not set"), so GET → PUT round-trips. */
const optEnum = <T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z.enum(['', ...values] as const).openapi({ description });

export const ErrorBody = z
  .object({
    error: z.union([z.string(), z.array(z.record(z.string(), z.string()))]).openapi({
      description: 'A message, or for schema validation one `{field: message}` per failing field (gojsonschema wording)',
      example: [{ campaign_name: 'String length must be greater than or equal to 1' }],
    }),
  })
  .openapi('Error');

/** A path uuid: any string; one that names nothing of the tenant's (unknown, malformed, too long, another tenant's) is 404. */
export const UuidParam = z.object({
  uuid: z.string().openapi({
    param: { name: 'uuid', in: 'path' },
    description: "a uuid; unknown, malformed or another tenant's: 404 `Not Found`",
    example: '7bbe986b-8a6e-404c-840b-781102b5aa07',
  }),
});

/**
 * An integer query parameter: digits only. An empty value (`offset=`) is not an integer and is a
 * 400 (`Invalid type. Expected: integer, given: string`), not the default; absent is the default.
 */
export function queryInt(o: { min: number; max?: number; def: number; description: string }) {
  let n = z.coerce.number({ error: INT_MARK }).int({ error: INT_MARK }).min(o.min);
  if (o.max !== undefined) n = n.max(o.max);
  return z
    .preprocess((v) => (v === '' ? Number.NaN : v), n)
    .optional()
    .default(o.def)
    .openapi({
      type: 'integer',
      minimum: o.min,
      ...(o.max !== undefined ? { maximum: o.max } : {}),
      default: o.def,
      description: `${o.description}; default ${o.def}; an empty value is a 400`,
      example: o.def,
    });
}

/** Largest `offset` of a list (a page that far is empty anyway; bounded so it stays an exact integer everywhere). */
export const MAX_OFFSET = 1_000_000_000;

export const PageQuery = z.object({
  limit: queryInt({ min: 1, max: 1000, def: 10, description: 'page size, 1–1000' }),
  offset: queryInt({ min: 0, max: MAX_OFFSET, def: 0, description: `records to skip, 0–${MAX_OFFSET}` }),
});

// ---------------------------------------------------------------- campaigns

export const NetworkSchema = z
  .object(
    Object.fromEntries(NETWORKS.map((n) => [n, int(0, 100_000).optional()])) as Record<(typeof NETWORKS)[number], z.ZodOptional<z.ZodInt>>,
  )
  .openapi('Network', {
    description: 'Per mobile network: maximum simultaneous calls to that network (0 = no cap of its own)',
    example: { viettel: 0, mobi: 0, vina: 0, tel: 0, offnet: 0 },
  });

const dayFields = Object.fromEntries(
  WEEKDAYS.flatMap((d) => [`${d}_start_time`, `${d}_end_time`]).map((k) => [k, int(0, NANOS_PER_DAY)]),
) as Record<string, z.ZodInt>;

export const ScheduleSchema = z
  .object(dayFields)
  .superRefine((s, ctx) => {
    for (const d of WEEKDAYS) {
      if (s[`${d}_end_time`]! < s[`${d}_start_time`]!) {
        ctx.addIssue({ code: 'custom', path: [`${d}_end_time`], message: `Must be greater than or equal to ${d}_start_time` });
      }
    }
  })
  .openapi('WeeklySchedule', {
    description: 'Daily dialing windows, nanoseconds after local midnight (28800000000000 = 08:00, 75600000000000 = 21:00)',
  });

/** Every writable campaign field, all optional; create and update add what they require. */
const campaignFields = {
  campaign_uuid: z.string().optional().openapi({ description: 'update only: must equal the uuid in the URL if present' }),
  campaign_name: z.string().min(1).max(255).openapi({ example: 'Campaign Autodialer' }),
  type: z.enum(CAMPAIGN_TYPES).openapi({ description: 'autodialer, autocall, inbound or manual' }),
  description: z.string().max(2000).optional(),
  active: z.boolean().optional(),
  concurrent_call: int(0, 100_000).optional().openapi({ description: 'simultaneous calls' }),
  ratio: z
    .literal([0, ...RATIOS])
    .optional()
    .openapi({ description: 'autodialer pace, % calls per free agent: 100, 150, 200, 300, 400 (required for autodialer)' }),
  custom_ratio: int(0, 1000)
    .refine((v) => v <= 0 || v >= 100, { message: 'Must be 0 or greater than or equal to 100' })
    .optional()
    .openapi({
      description:
        'autodialer: when > 0 it replaces ratio, in percent: customers dialled per free agent (250 = 2.5); 100–1000, 0 = use ratio',
    }),
  carrier_uuid: uuidOrEmpty('carrier (see /v3/carrier)').optional(),
  template_uuid: uuidOrEmpty('autocall template (see /v3/template)').optional(),
  recall_times: int(0, 1000).optional().openapi({ description: 'maximum recalls per lead' }),
  limit_recall_duration: int(0, 31 * 86_400)
    .optional()
    .openapi({ description: 'time limit for recalling, seconds (0 = none)' }),
  schedule_recall: optEnum(SCHEDULE_RECALLS, 'after (recall at once) or minute (after schedule_recall_duration minutes)').optional(),
  schedule_recall_duration: int(0, 7 * 24 * 60)
    .optional()
    .openapi({ description: 'minutes; required (≥ 1) when schedule_recall is minute' }),
  hopper: int(0, 100).optional().openapi({ description: 'leads pushed into the dial queue; 10–100, required for autodialer' }),
  answer_callback_url: httpUrlOrEmpty('URL POSTed when a call is answered').optional(),
  local_start_time: z
    .string()
    .regex(new RegExp(`^$|${LOCAL_TIME_PATTERN}`))
    .optional()
    .openapi({ description: 'daily window start HH:MM:SS (required for autodialer)', example: '08:00:00' }),
  local_end_time: z
    .string()
    .regex(new RegExp(`^$|${LOCAL_TIME_PATTERN}`))
    .optional()
    .openapi({ description: 'daily window end HH:MM:SS (required for autodialer)', example: '17:30:00' }),
  customer_order: z.string().max(64).optional().openapi({ description: 'order leads are dialed in', example: 'id' }),
  allow_manual_dial: z.boolean().optional(),
  allow_search_lead: z.boolean().optional(),
  enable_callback_alert: z.boolean().optional(),
  default_list_uuid: uuidOrEmpty('default lead list').optional(),
  script_uuid: uuidOrEmpty('agent script').optional(),
  status: optEnum(CAMPAIGN_STATUSES, 'stop, start or pause').optional(),
  call_center_queue_strategy: optEnum(QUEUE_STRATEGIES, 'how agents are rung (required for autodialer)').optional(),
  mode_call: optEnum(MODE_CALLS, 'direct (first number only), serial (next on failure), parralel (all at once)').optional(),
  network: NetworkSchema.optional(),
  type_autocall: optEnum(TYPE_AUTOCALLS, 'filled from the template when empty').optional(),
  call_timeout: int(0, 600).optional().openapi({ description: 'ring timeout, seconds' }),
  users: z
    .array(z.string().max(64))
    .max(10_000)
    .nullable()
    .optional()
    .openapi({ description: 'user uuids (null = leave as is; use assign_extension)' }),
  groups: z.array(z.string().max(64)).max(10_000).nullable().optional(),
  statuses: z.array(z.string().max(255)).max(1_000).nullable().optional().openapi({ description: 'call results agents may pick' }),
  schedules: z.array(ScheduleSchema).max(7).nullable().optional(),
  priority_recall: optEnum(PRIORITY_RECALLS, 'normal, or recall (recalls before fresh leads)').optional(),
  recall_status: z
    .array(z.enum(RECALL_STATUSES))
    .max(RECALL_STATUSES.length)
    .refine((a) => new Set(a).size === a.length, { message: 'array items must be unique' })
    .openapi({ uniqueItems: true })
    .nullable()
    .optional(),
  enable_encrypt: z.boolean().optional(),
  callback_url: httpUrlOrEmpty("URL POSTed with each call's CDR").optional(),
  amd: z.enum(AMD_MODES).optional().openapi({
    description:
      'voicemail detection (FreeSWITCH mod_avmd beep): off (default), hangup (hang up at the beep), leave_message (play the message after the beep); a machine is recorded voicemail',
  }),
  record_calls: z.boolean().optional().openapi({ description: 'record answered calls (record_url in call records and CDR callbacks)' }),
};

type Fields = { [K in keyof typeof campaignFields]?: unknown } & Record<string, unknown>;
type Ctx = z.RefinementCtx;

/** The rules below, in words, for the OpenAPI document (`x-cross-field-rules`; JSON Schema does not carry them). */
const CAMPAIGN_RULES = (mode: 'create' | 'update') => [
  `type autodialer: ratio is required and one of ${RATIOS.join(', ')} (other types: 0 or one of them)`,
  'type autodialer: hopper, when given, is at least 10',
  ...(mode === 'update'
    ? ['type autodialer: hopper, local_start_time, local_end_time and call_center_queue_strategy are required and not ""']
    : []),
  'schedule_recall minute: schedule_recall_duration is required and at least 1',
  'each schedules[i]: <day>_end_time ≥ <day>_start_time',
  ...(mode === 'update' ? ['campaign_uuid, when given and not "", equals the uuid in the path'] : []),
  'callback_url, answer_callback_url: no user name or password, no literal non-public address or localhost (unless CALLBACK_ALLOW_PRIVATE)',
];

/** Rules that depend on other fields (docs/api-contract.md §1, field rules: "required for autodialer" etc.). */
function crossFieldRules(v: Fields, ctx: Ctx, mode: 'create' | 'update'): void {
  const required = (name: string) => ctx.addIssue({ code: 'custom', path: [], message: `${name} is required` });
  if (v.type === 'autodialer') {
    if (v.ratio === undefined) required('ratio');
    else if (!(RATIOS as readonly number[]).includes(v.ratio as number)) {
      ctx.addIssue({ code: 'custom', path: ['ratio'], message: `ratio must be one of the following: ${RATIOS.join(', ')}` });
    }
    if (mode === 'update') {
      for (const f of ['hopper', 'local_start_time', 'local_end_time', 'call_center_queue_strategy'] as const) {
        if (v[f] === undefined) required(f);
      }
      for (const f of ['local_start_time', 'local_end_time', 'call_center_queue_strategy'] as const) {
        if (v[f] === '') ctx.addIssue({ code: 'custom', path: [f], message: 'String length must be greater than or equal to 1' });
      }
    }
    if (typeof v.hopper === 'number' && v.hopper < 10) {
      ctx.addIssue({ code: 'custom', path: ['hopper'], message: 'Must be greater than or equal to 10' });
    }
  }
  if (v.schedule_recall === 'minute') {
    if (v.schedule_recall_duration === undefined) required('schedule_recall_duration');
    else if ((v.schedule_recall_duration as number) < 1) {
      ctx.addIssue({ code: 'custom', path: ['schedule_recall_duration'], message: 'Must be greater than or equal to 1' });
    }
  }
}

// campaign_uuid is the update's (it must equal the path's); a create makes its own, so the field is
// not part of the create body (sent anyway, e.g. a GET body posted back, it is ignored like any
// unknown field).
const { campaign_uuid: _updateOnly, ...createFields } = campaignFields;

export const CampaignCreate = z
  .object(createFields)
  .superRefine((v, ctx) => crossFieldRules(v, ctx, 'create'))
  .openapi('CampaignCreate', {
    description:
      'campaign_name and type are required; ratio too for autodialer. Any other campaign field may be given. Rules between ' +
      "fields (x-cross-field-rules) and references (template_uuid, carrier_uuid, users must be the tenant's; type_autocall " +
      'must match the template) are checked after the schema: 400.',
    'x-cross-field-rules': CAMPAIGN_RULES('create'),
    example: {
      campaign_name: 'Get Log Autodilaer',
      type: 'autodialer',
      ratio: 100,
      custom_ratio: 100,
      concurrent_call: 1,
      description: '',
    },
  });

export const CampaignUpdate = z
  .object({ ...campaignFields, active: z.boolean() })
  .superRefine((v, ctx) => crossFieldRules(v, ctx, 'update'))
  .openapi('CampaignUpdate', {
    description:
      'The whole campaign. campaign_name, type and active are required; for autodialer also ratio, hopper, local_start_time, ' +
      'local_end_time and call_center_queue_strategy. Fields left out keep their value; read-only fields of a GET ' +
      '(created_at, template_name, …) may be sent back and are ignored. Rules between fields (x-cross-field-rules) and ' +
      'references are checked after the schema: 400.',
    'x-cross-field-rules': CAMPAIGN_RULES('update'),
  });

export type CampaignCreateBody = z.infer<typeof CampaignCreate>;
export type CampaignUpdateBody = z.infer<typeof CampaignUpdate>;

const str = z.string();
export const CampaignView = z
  .object({
    domain_uuid: str,
    campaign_uuid: str,
    campaign_name: str,
    type: str,
    description: str,
    active: z.boolean(),
    concurrent_call: z.int(),
    ratio: z.int(),
    carrier_uuid: str,
    call_center_queue_uuid: str,
    template_uuid: str,
    recall_times: z.int(),
    limit_recall_duration: z.int(),
    schedule_recall: str,
    schedule_recall_duration: z.int(),
    hopper: z.int(),
    answer_callback_url: str,
    local_start_time: str,
    local_end_time: str,
    customer_order: str,
    allow_manual_dial: z.boolean(),
    allow_search_lead: z.boolean(),
    enable_callback_alert: z.boolean(),
    default_list_uuid: str,
    script_uuid: str,
    status: str,
    created_at: str.openapi({ example: '2023-03-06T17:57:54.65043+07:00' }),
    updated_at: str,
    call_center_queue_strategy: str,
    template_name: str,
    carrier_name: str,
    mode_call: str,
    network: z.object({ viettel: z.int(), mobi: z.int(), vina: z.int(), tel: z.int(), offnet: z.int() }),
    run_id: str,
    type_autocall: str,
    call_timeout: z.int(),
    domain_name: str,
    users: z.array(str).nullable(),
    groups: z.array(str).nullable(),
    statuses: z.array(str).nullable(),
    schedules: z.array(z.record(z.string(), z.int())).nullable(),
    priority_recall: str,
    recall_status: z.array(str).nullable(),
    enable_encrypt: z.boolean(),
    callback_url: str,
    orig_campaign_uuid: str,
    amd: z.enum(AMD_MODES).optional().openapi({ description: 'present when not off' }),
    record_calls: z.boolean().optional().openapi({ description: 'present when true' }),
  })
  .openapi('Campaign');

export const CampaignList = z
  .object({ data: z.array(CampaignView), limit: z.int(), offset: z.int(), total: z.int() })
  .openapi('CampaignList');

export const CampaignListQuery = PageQuery.extend({
  type: z.enum(CAMPAIGN_TYPES).optional().openapi({ description: 'only campaigns of this type' }),
});

export const CampaignCreated = z
  .object({ call_center_queue_uuid: str, campaign_uuid: str, created: z.boolean(), dialplan_uuid: str })
  .openapi('CampaignCreated');
export const CampaignRef = z.object({ campaign_uuid: str }).openapi('CampaignRef');

export const AssignExtensionBody = z
  .object({ extensions: z.array(z.string().min(1).max(32)).max(10_000) })
  .openapi('AssignExtension', { example: { extensions: ['102', '103', '101'] } });
export const AssignExtensionResult = z
  .object({ campaign_uuid: str, users: z.array(z.object({ extension: str, user_uuid: str })) })
  .openapi('AssignedUsers');

export const ActiveBody = z.object({ active: z.boolean() }).openapi('ActiveBody', { example: { active: false } });
export const ActiveResult = z.object({ active: z.boolean(), campaign_uuid: str }).openapi('ActiveResult');

// ---------------------------------------------------------------- directory

/** Key presses a template asks for (media/playback.ts → play_and_get_digits, stored in cr_digits). */
export const TemplateDigits = z
  .object({
    min: int(1, 32).default(1),
    max: int(1, 32).default(1),
    tries: int(1, 10).default(3),
    timeout_ms: int(500, 60_000).default(5000),
    terminators: z
      .string()
      .regex(/^([0-9*#]{1,4}|none)$/)
      .default('#'),
    // Passed through originate's argument parser: no spaces, quotes or parentheses, and none of
    // the escapes it rewrites (\s \t \n \r \\).
    regexp: z
      .string()
      .min(1)
      .max(200)
      .regex(/^(?:[^\s'"()\\]|\\[^\s'"()\\ntrs])+$/)
      .default('\\d+')
      .openapi({
        description:
          'the keys accepted; no spaces, quotes, parentheses, escapes \\s \\t \\n \\r \\\\, and no `${` (400 `{"error":[{"digits.regexp":"must not contain ${"}]}`)',
      }),
    digit_timeout_ms: int(500, 60_000).default(3000),
  })
  .openapi('TemplateDigits', {
    'x-cross-field-rules': ['min ≤ max'],
    example: { min: 1, max: 1, tries: 3, timeout_ms: 5000, terminators: '#', regexp: '^[12]$', digit_timeout_ms: 3000 },
  });

export const TemplateBody = z
  .object({
    template_name: z.string().min(1).max(255),
    type_autocall: z.enum(TYPE_AUTOCALLS),
    content: z
      .string()
      .max(5000)
      .default('')
      .openapi({
        description:
          'Text read by TTS, with {{placeholders}} filled from the lead param (autocall_voice_tts, autocall_voice_otp; required for ' +
          'them); at most 2000 characters and about 5 minutes of speech even without its values (else 400 ' +
          '`{"error":[{"content":"…"}]}`); for autocall_voice_otp it must contain {{<otp_param>}}',
        example: 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}',
      }),
    audio_file: z
      .string()
      .max(2048)
      .default('')
      .openapi({
        description:
          'Audio played by autocall_audio (required for it; checked whenever set): exactly one of the `audio_id` of a WAV the ' +
          'tenant uploaded (64 lowercase hex, `POST /v3/audio`; one the tenant does not have is 400 `audio_file <id> not found`) ' +
          'or an `https://` URL of a public host (no user name or password, no literal private/loopback address or localhost ' +
          'unless AUDIO_FETCH_ALLOW_PRIVATE; at most 2048 characters, no spaces), fetched by the product when a call is placed ' +
          '(WAV or MP3, at most AUDIO_FILE_MAX_BYTES and 5 minutes). No path, no other scheme (http:, file:, http_cache:, shout:…), ' +
          'no `${`. Else 400 `{"error":[{"audio_file":"…"}]}`.',
        example: '',
      }),
    otp_param: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .default('otp')
      .openapi({ description: 'autocall_voice_otp: the param holding the code' }),
    otp_repeat: int(1, 5).default(2).openapi({ description: 'autocall_voice_otp: times the code is read' }),
    digits: TemplateDigits.nullable()
      .default(null)
      .openapi({ description: 'ask for key presses after the message (play_and_get_digits); null: none' }),
    description: z.string().max(2000).default(''),
  })
  .superRefine((v, ctx) => {
    if (v.digits && v.digits.min > v.digits.max)
      ctx.addIssue({ code: 'custom', path: ['digits', 'max'], message: 'Must be greater than or equal to digits.min' });
    if ((v.type_autocall === 'autocall_voice_tts' || v.type_autocall === 'autocall_voice_otp') && v.content.trim() === '') {
      ctx.addIssue({ code: 'custom', path: [], message: 'content is required' });
    }
    if (v.type_autocall === 'autocall_audio' && v.audio_file.trim() === '') {
      ctx.addIssue({ code: 'custom', path: [], message: 'audio_file is required' });
    }
    if (v.type_autocall === 'autocall_voice_otp' && v.content && !placeholders(v.content).includes(v.otp_param)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `Must contain the placeholder {{${v.otp_param}}}` });
    }
  })
  .openapi('TemplateBody', {
    description:
      'A template. Rules between fields (x-cross-field-rules) and the audio rules (audio_file, digits.regexp, content; ' +
      'docs/autocall-content.md) are checked after the schema: 400.',
    'x-cross-field-rules': [
      'type_autocall autocall_voice_tts or autocall_voice_otp: content is required (not blank)',
      'type_autocall autocall_audio: audio_file is required (not blank)',
      'type_autocall autocall_voice_otp: content contains the placeholder {{<otp_param>}}',
      'digits: min ≤ max',
      'audio_file, whenever set: an uploaded audio_id of the tenant or a public https:// URL; no path, other scheme or ${',
      'digits.regexp: no ${',
      'content: at most 2000 characters and about 5 minutes of speech without its values',
    ],
    example: {
      template_name: 'Nhắc nợ',
      type_autocall: 'autocall_voice_tts',
      content: 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}',
    },
  });
export type TemplateBodyT = z.infer<typeof TemplateBody>;

export const TemplateView = z
  .object({
    template_uuid: str,
    template_name: str,
    type_autocall: str,
    content: str,
    audio_file: str,
    otp_param: str,
    otp_repeat: z.int(),
    digits: TemplateDigits.nullable(),
    params: z.array(str).openapi({ description: 'the {{placeholders}} of content' }),
    description: str,
    created_at: str,
    updated_at: str,
  })
  .openapi('Template');

export const CarrierBody = z
  .object({
    carrier_name: z.string().min(1).max(255),
    gateway: z
      .string()
      .regex(/^(?!\.\.?$)[A-Za-z0-9_.-]{1,128}$/)
      .openapi({
        description: 'FreeSWITCH gateway name: calls go out as sofia/gateway/<gateway>/<number>; letters, digits, _ . -, not "." or ".."',
        example: 'viettel-trunk',
      }),
    caller_numbers: z
      .array(z.string().regex(/^\+?[0-9]{3,15}$/))
      .min(1)
      .max(1000)
      .openapi({ description: 'caller ids presented, rotated', example: ['02873001234'] }),
    networks: z
      .array(z.enum(NETWORKS))
      .min(1)
      .max(NETWORKS.length)
      .default([...NETWORKS])
      .openapi({ description: 'mobile networks served (offnet = other operators), each once; default all', uniqueItems: true }),
    cps: int(1, 1000).default(10).openapi({ description: 'calls per second the carrier accepts' }),
    description: z.string().max(2000).default(''),
  })
  .superRefine((v, ctx) => {
    if (new Set(v.networks).size !== v.networks.length)
      ctx.addIssue({ code: 'custom', path: ['networks'], message: 'array items must be unique' });
  })
  .openapi('CarrierBody', {
    example: {
      carrier_name: 'Viettel HCM',
      gateway: 'viettel-trunk',
      caller_numbers: ['02873001234'],
      networks: ['viettel', 'offnet'],
      cps: 10,
    },
  });
export type CarrierBodyT = z.infer<typeof CarrierBody>;

export const CarrierView = z
  .object({
    carrier_uuid: str,
    carrier_name: str,
    gateway: str,
    caller_numbers: z.array(str),
    networks: z.array(str),
    cps: z.int(),
    description: str,
    created_at: str,
    updated_at: str,
  })
  .openapi('Carrier');

export const UserBody = z
  .object({
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.@-]{1,64}$/)
      .openapi({ example: 'agent102' }),
    extension: z
      .string()
      .regex(/^[0-9]{2,10}$/)
      .openapi({ example: '102' }),
    display_name: z.string().max(255).default(''),
    enabled: z.boolean().default(true),
  })
  .openapi('UserBody', { example: { username: 'agent102', extension: '102', display_name: 'Agent 102' } });
export type UserBodyT = z.infer<typeof UserBody>;

export const UserView = z
  .object({
    user_uuid: str,
    username: str,
    extension: str,
    display_name: str,
    enabled: z.boolean(),
    created_at: str,
    updated_at: str,
  })
  .openapi('User');

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), limit: z.int(), offset: z.int(), total: z.int() }).openapi(name);
