// The one configuration module: every setting comes from the environment (a `.env` file in the
// working directory is honoured, real environment variables win), is validated here at start, and
// a bad value stops the process with a message naming the variable. Defaults point at the embedded
// local stack that `npm start` runs. The README's configuration table lists the same variables.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { agentContactProblem, DEFAULT_AGENT_CONTACT_TEMPLATE } from '../storage/queue-settings.ts';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An ESL node: `host:port[:password]`; the password defaults to ESL_PASSWORD. */
export interface EslNode {
  name: string;
  host: string;
  port: number;
  password: string;
}

/** /healthz: a store ping slower than this (ms) by default is a degraded store (control/health.ts). */
export const DEFAULT_STORE_DEGRADED_MS = 1000;

export const configSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  // Unset: the embedded store that `npm start` runs on MONGODB_PORT.
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only')
    .default('campaign_runner'),
  MONGODB_PORT: port.default(27017),
  // Unset: the embedded Temporal dev server that `npm start` runs on TEMPORAL_PORT.
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('campaign-runner'),
  TEMPORAL_UI_PORT: port.default(8233),
  ESL_HOST: z.string().min(1).default('127.0.0.1'),
  ESL_PORT: port.default(8021),
  ESL_PASSWORD: z.string().min(1).default('ClueCon'),
  ESL_NODES: z.string().optional(),
  SIM_RULES: z.string().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  TOOLS_CACHE_DIR: z
    .string()
    .min(1)
    .default(resolve(process.env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'campaign-runner')),
  CALLBACK_ALLOW_PRIVATE: bool.default(false),
  // FreeSWITCH's requests to the API (api/freeswitch.ts: mod_json_cdr's CDR posts, mod_xml_curl's
  // configuration requests): the password they send (HTTP Basic, any user name). Unset: off (404).
  // Set it on the workers too: they then know CDRs are posted (activities/originate.ts).
  FREESWITCH_HTTP_PASSWORD: z.string().min(16, 'at least 16 characters').optional(),
  // The autodialer (docs/autodialer.md): how an agent's phone is reached, a FreeSWITCH dial string
  // with the placeholders {extension}, {user_uuid}, {domain_uuid}; a campaign's queue settings
  // (agent_contact) may override it. Same rules as agent_contact (storage/queue-settings.ts).
  AGENT_CONTACT_TEMPLATE: z
    .string()
    .superRefine((t, ctx) => {
      const problem = agentContactProblem(t);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(DEFAULT_AGENT_CONTACT_TEMPLATE),
  // Callback deliveries (callbacks/): each POST's timeout, and the retry schedule (exponential
  // backoff from the initial interval, doubling up to the maximum, given up after RETRY_FOR).
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  CALLBACK_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(1_000),
  CALLBACK_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(10).default(600_000),
  CALLBACK_RETRY_FOR_MS: z.coerce.number().int().min(1_000).default(86_400_000),
  // Autocall content (media/): the text-to-speech provider and how FreeSWITCH gets the audio.
  TTS_PROVIDER: z.enum(['espeak', 'http']).default('espeak'),
  TTS_VOICE: z
    .string()
    .regex(/^[A-Za-z0-9_+.-]{1,64}$/, 'a voice name')
    .default('vi'),
  TTS_HTTP_URL: z.url().optional(),
  TTS_HTTP_HEADERS: z
    .string()
    .transform((s, ctx) => {
      try {
        const v: unknown = JSON.parse(s);
        if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'))
          return v as Record<string, string>;
      } catch {
        /* reported below */
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings' });
      return z.NEVER;
    })
    .default({}),
  TTS_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  // espeak-ng: a synthesis still running after this is killed (a TtsError: the attempt fails).
  TTS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  // The audio cache (DATA_DIR/audio: synthesised speech, fetched audio URLs): files unused for
  // longer than MAX_AGE are removed, then the oldest until the cache is under MAX_BYTES.
  AUDIO_CACHE_MAX_AGE_MS: z.coerce.number().int().min(3_600_000).default(604_800_000),
  AUDIO_CACHE_MAX_BYTES: z.coerce.number().int().min(1_048_576).default(2_147_483_648),
  // A tenant's audio: an uploaded WAV or a fetched https:// file is at most this large.
  AUDIO_FILE_MAX_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(33_554_432),
  // Fetching a template's https:// audio_file: its whole download's timeout, and whether its host
  // may be a private address (like CALLBACK_ALLOW_PRIVATE, for audio).
  AUDIO_FETCH_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(20_000),
  AUDIO_FETCH_ALLOW_PRIVATE: bool.default(false),
  AUDIO_DELIVERY: z.enum(['http', 'path']).default('http'),
  AUDIO_BASE_URL: z.url().optional(),
  AUDIO_URL_SECRET: z.string().min(16).optional(),
  // Call recordings (docs/api-v3.md, Recordings; media/recordings.ts): where the API and the
  // workers read them (RECORDINGS_DIR, default DATA_DIR/recordings) and the same folder as
  // FreeSWITCH's record_session writes it (RECORDINGS_FS_DIR, default the same path: one machine or
  // a shared mount); the recording URLs' HMAC secret (unset: one kept in RECORDINGS_DIR/.url-secret)
  // and public base (default http://API_HOST:API_PORT); files older than RETENTION_DAYS are deleted.
  RECORDINGS_DIR: z
    .string()
    .regex(/^[^\s,{}[\]'"!()]+$/, 'a path without spaces, quotes or , {} [] ! ( )')
    .optional(),
  RECORDINGS_FS_DIR: z
    .string()
    .regex(/^[^\s,{}[\]'"!()]+$/, 'a path without spaces, quotes or , {} [] ! ( )')
    .optional(),
  RECORDING_URL_SECRET: z.string().min(16).optional(),
  RECORDING_BASE_URL: z.url().optional(),
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // Recordings in an S3-compatible store (media/recording-store.ts): with a bucket, each recording
  // is uploaded after its call (key <PREFIX><domain_uuid>/<call_id>.wav), the local file removed,
  // served and purged from there. ENDPOINT: a store other than AWS (MinIO, Ceph…), usually with
  // FORCE_PATH_STYLE; keys: both or neither (neither: the AWS SDK's credential chain — AWS_*
  // variables, shared files, instance roles); REGION: default AWS_REGION, else us-east-1. Unset
  // bucket: local files only.
  RECORDINGS_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 of a-z 0-9 . -)')
    .optional(),
  RECORDINGS_S3_ENDPOINT: z.url().optional(),
  RECORDINGS_S3_REGION: z.string().min(1).optional(),
  RECORDINGS_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'empty, or folder names each ending with /')
    .default(''),
  RECORDINGS_S3_FORCE_PATH_STYLE: bool.default(false),
  RECORDINGS_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  RECORDINGS_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // Operating it (issue 15): the operator API (/admin, api/admin/) is on only with ADMIN_TOKEN, a
  // secret of its own that no tenant token can be; metrics (config/metrics.ts): the worker's
  // /metrics and the Temporal SDK's Prometheus exporter (0 = off); the console's links to the
  // Temporal UI; the ops CLI's API and token (cli/ctl.ts).
  ADMIN_TOKEN: z.string().min(32, 'at least 32 characters').regex(/^\S+$/, 'no spaces').optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  TEMPORAL_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  // Workflows a worker keeps in memory (the SDK's maxCachedWorkflows; unset = the SDK's default, from
  // the heap size). Every lead with a call up is one: fewer cached means less memory and more
  // replays (BENCHMARKS.md, *Load*).
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  // The worker process's niceness (0–19): below the API's, so that on a machine they share the API
  // answers in milliseconds while a campaign dials at full rate; the dialing is bound by Temporal
  // and the store, not by the worker's share of the CPU (BENCHMARKS.md, *Load*). In containers each
  // has its own CPU share and this only orders the worker's own process.
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  // /healthz and GET /metrics: a store ping slower than this (ms) is a degraded store (control/health.ts).
  STORE_DEGRADED_MS: z.coerce.number().int().min(1).max(600_000).default(DEFAULT_STORE_DEGRADED_MS),
  // A v2 queue post of more usable customers than this answers before all are stored: the first
  // 1,000 stored, the rest staged and stored by the import workflow (api/v2/queues.ts); up to it,
  // every customer is stored before the answer, with exact per-customer results.
  V2_IMPORT_STAGE_OVER: z.coerce.number().int().min(1000).max(1_000_000).default(10_000),
  TEMPORAL_UI_URL: z.url().optional(),
  CTL_API_URL: z.url().optional(),
  CTL_TOKEN: z.string().min(16).optional(),
});

export type Config = z.infer<typeof configSchema> & { MONGODB_URI: string; TEMPORAL_ADDRESS: string; eslNodes: EslNode[] };

export class ConfigError extends Error {}

/** Parse `host:port[:password],…` into nodes; the first node is named after ESL_HOST:ESL_PORT. */
function parseEslNodes(raw: z.infer<typeof configSchema>): EslNode[] {
  if (!raw.ESL_NODES) {
    return [{ name: `${raw.ESL_HOST}:${raw.ESL_PORT}`, host: raw.ESL_HOST, port: raw.ESL_PORT, password: raw.ESL_PASSWORD }];
  }
  return raw.ESL_NODES.split(',').map((item) => {
    const m = /^([^:\s]+):(\d{1,5})(?::(.+))?$/.exec(item.trim());
    const p = m ? Number(m[2]) : NaN;
    if (!m || p < 1 || p > 65535) {
      throw new ConfigError(`ESL_NODES: "${item.trim()}" is not host:port[:password]`);
    }
    return { name: `${m[1]}:${p}`, host: m[1]!, port: p, password: m[3] ?? raw.ESL_PASSWORD };
  });
}

/** Validate an environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most .env files.
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(clean);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(clean[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  if (!c.RECORDINGS_S3_ACCESS_KEY_ID !== !c.RECORDINGS_S3_SECRET_ACCESS_KEY)
    throw new ConfigError(
      'invalid configuration:\n  RECORDINGS_S3_ACCESS_KEY_ID, RECORDINGS_S3_SECRET_ACCESS_KEY: set both, or neither (the AWS credential chain)',
    );
  return {
    ...c,
    MONGODB_URI: c.MONGODB_URI ?? `mongodb://127.0.0.1:${c.MONGODB_PORT}/`,
    TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_PORT}`,
    eslNodes: parseEslNodes(c),
  };
}

let cached: Config | undefined;

/** The process configuration: `.env` loaded once, validated once. */
export function loadConfig(): Config {
  if (!cached) {
    if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
    cached = parseConfig(process.env);
  }
  return cached;
}

/** Load the configuration or exit with a clear message (for process entry points). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`campaign-runner: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
