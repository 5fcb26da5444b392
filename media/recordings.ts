// Call recordings (issue 17; docs/api-v3.md, Recordings). A campaign with `record_calls` runs
// FreeSWITCH's record_session on the answered leg (execute_on_answer, activities/originate.ts) into
// `<RECORDINGS_FS_DIR>/<domain_uuid>/<call_id>.wav`; the API and the workers read the same file
// under RECORDINGS_DIR (one machine, or a mount both share). Names come from the tenant's uuid and
// the call id only, and only when they are plain uuids (anything else is hashed): nothing a tenant
// typed reaches a path.
//
// The record's `record_url` is `<RECORDING_BASE_URL>/v3/recording/<call_id>?expires=<epoch s>&sig=<hex>`:
// sig = HMAC-SHA256(secret, "<call_id>\n<domain_uuid>\n<expires>"), so a URL serves that call of that
// tenant only, until it expires (the end of the retention). Without RECORDING_URL_SECRET a random
// secret is created once in RECORDINGS_DIR/.url-secret (fine when the API and the workers share
// the folder, which recordings need anyway). Retention: files older than RECORDING_RETENTION_DAYS
// (by mtime: when FreeSWITCH finished writing) are deleted by purgeRecordings (the worker's
// recording-retention workflow runs it every hour).
import { urlSecretOf } from './url-secret.ts';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';

type RecordingConfig = Pick<
  Config,
  'DATA_DIR' | 'RECORDINGS_DIR' | 'RECORDINGS_FS_DIR' | 'RECORDING_URL_SECRET' | 'RECORDING_BASE_URL' | 'API_HOST' | 'API_PORT'
> & { RECORDING_RETENTION_DAYS: number };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_S = 86_400;

/** Where the API and the workers find the recordings. */
export const recordingsDir = (config: RecordingConfig): string => resolve(config.RECORDINGS_DIR ?? join(config.DATA_DIR, 'recordings'));

/** safeSegment's output as a regexp source: a lower-case uuid or 40 hex digits. */
export const SEGMENT_PATTERN = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{40})';

/** A path segment from an id: the uuid itself (lower case), or a hash of anything else. */
export function safeSegment(id: string): string {
  return UUID_RE.test(id) ? id.toLowerCase() : createHash('sha256').update(id).digest('hex').slice(0, 40);
}

/** The recording of a call, as the API and the workers read it. */
export const recordingFile = (config: RecordingConfig, domain_uuid: string, call_id: string): string =>
  join(recordingsDir(config), safeSegment(domain_uuid), `${safeSegment(call_id)}.wav`);

/** The same file as FreeSWITCH writes it (record_session's argument). */
export function recordingFsPath(config: RecordingConfig, domain_uuid: string, call_id: string): string {
  const dir = config.RECORDINGS_FS_DIR ?? recordingsDir(config);
  return `${dir.replace(/\/+$/, '')}/${safeSegment(domain_uuid)}/${safeSegment(call_id)}.wav`;
}

/** RECORDING_URL_SECRET, or the secret kept in RECORDINGS_DIR (created on first use). */
export function recordingSecret(config: RecordingConfig): string {
  return urlSecretOf(recordingsDir(config), config.RECORDING_URL_SECRET);
}

export function signRecording(config: RecordingConfig, call_id: string, domain_uuid: string, expires: number): string {
  return createHmac('sha256', recordingSecret(config)).update(`${call_id}\n${domain_uuid}\n${expires}`).digest('hex');
}

/** Does `sig` sign this call of this tenant until `expires`, and is `expires` still ahead? */
export function verifyRecording(
  config: RecordingConfig,
  r: { call_id: string; domain_uuid: string; expires: number; sig: string },
  nowMs = Date.now(),
): boolean {
  if (!Number.isSafeInteger(r.expires) || r.expires * 1000 <= nowMs || !/^[0-9a-f]{64}$/.test(r.sig)) return false;
  const want = Buffer.from(signRecording(config, r.call_id, r.domain_uuid, r.expires));
  const got = Buffer.from(r.sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The public base the URLs start with. */
function baseUrl(config: RecordingConfig): string {
  if (config.RECORDING_BASE_URL) return config.RECORDING_BASE_URL.replace(/\/+$/, '');
  const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.API_PORT}`;
}

/** The signed URL of a call's recording, valid until the retention deletes it (from the call's end). */
export function recordingUrl(config: RecordingConfig, c: { call_id: string; domain_uuid: string; ended_at: number }): string {
  const expires = Math.floor(c.ended_at / 1000) + config.RECORDING_RETENTION_DAYS * DAY_S;
  const sig = signRecording(config, c.call_id, c.domain_uuid, expires);
  return `${baseUrl(config)}/v3/recording/${encodeURIComponent(c.call_id)}?expires=${expires}&sig=${sig}`;
}

/** Delete every recording older than the retention (by mtime). One readdir per tenant, one stat per file. */
export async function purgeRecordings(config: RecordingConfig, nowMs = Date.now()): Promise<{ deleted: number; kept: number }> {
  const root = recordingsDir(config);
  const before = nowMs - config.RECORDING_RETENTION_DAYS * DAY_S * 1000;
  let deleted = 0;
  let kept = 0;
  const tenants = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const t of tenants) {
    if (!t.isDirectory()) continue;
    const dir = join(root, t.name);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.wav')) continue;
      const file = join(dir, name);
      const s = await stat(file).catch(() => null);
      if (!s) continue;
      if (s.mtimeMs >= before) {
        kept++;
        continue;
      }
      await unlink(file).then(
        () => deleted++,
        () => undefined,
      );
    }
  }
  return { deleted, kept };
}
