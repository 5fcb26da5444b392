// Tenants and their API tokens. A token is shown once, when it is issued; only its SHA-256 is
// stored (tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force).
// `Authorization: Bearer <token>` → `api_tokens` (by hash) → `tenants` (by domain_uuid).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isValidTimeZone } from '../domain/campaign.ts';
import { DEFAULT_TIME_ZONE } from '../domain/schedule.ts';
import { isDuplicateKey } from './mongo.ts';
import { ttlCache } from './ttl-cache.ts';

export const DEV_TENANT_NAME = 'development';

export interface Tenant {
  domain_uuid: string;
  name: string;
  time_zone: string;
}

export interface TenantDoc extends Tenant {
  _id: string; // = domain_uuid
  created_at: Date;
  /** HMAC-SHA256 key of the tenant's callback signatures (callbacks/sign.ts). Tenants created
   *  before callbacks existed get one on first use (tenantCallbackSecret). */
  callback_secret?: string;
  /** A rotated secret (tenant administration, rotateCallbackSecret): deliveries are signed with it
   *  from `callback_secret_next_at` on, with `callback_secret` before — the overlap in which the
   *  receiver accepts both. The next rotation makes it `callback_secret`. */
  callback_secret_next?: string;
  callback_secret_next_at?: Date;
}

export interface ApiTokenDoc {
  _id: string; // sha256(token), hex
  domain_uuid: string;
  label: string;
  created_at: Date;
}

export const tenantsOf = (db: Db): Collection<TenantDoc> => db.collection<TenantDoc>('tenants');
export const tokensOf = (db: Db): Collection<ApiTokenDoc> => db.collection<ApiTokenDoc>('api_tokens');

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new bearer token: `cr_` + 43 base64url characters (256 bits). */
export const newToken = (): string => `cr_${randomBytes(32).toString('base64url')}`;

/** A callback signing secret: `whsec_` + 43 base64url characters (256 bits). */
export const newCallbackSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export class TenantError extends Error {}

/** Create a tenant and its first token; the token is returned here and never again. */
export async function createTenant(
  db: Db,
  input: { name: string; time_zone?: string; token?: string },
): Promise<{ tenant: Tenant; token: string; callback_secret: string }> {
  const name = input.name.trim();
  if (!name) throw new TenantError('tenant name must not be empty');
  const time_zone = input.time_zone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(time_zone))
    throw new TenantError(`unknown time zone "${time_zone}" (use an IANA name such as ${DEFAULT_TIME_ZONE})`);
  const domain_uuid = randomUUID();
  const callback_secret = newCallbackSecret();
  const doc: TenantDoc = { _id: domain_uuid, domain_uuid, name, time_zone, created_at: new Date(), callback_secret };
  try {
    await tenantsOf(db).insertOne(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new TenantError(`a tenant named "${name}" already exists`);
    throw err;
  }
  const token = input.token ?? newToken();
  await issueToken(db, domain_uuid, token, 'initial');
  return { tenant: { domain_uuid, name, time_zone }, token, callback_secret };
}

interface SecretState {
  current: string;
  next?: string;
  next_at?: number;
  loaded: number;
}
const secrets = new Map<string, Promise<SecretState>>();

/** A rotation is seen by every process within this (the switch itself happens at its time). */
export const CALLBACK_SECRET_TTL_MS = 10_000;

/**
 * The tenant's callback signing secret now; one is created on first use for a tenant made before
 * callbacks existed (conditional update by `_id`, then read back, so processes racing to create
 * it use the one stored; concurrent callers in one process share one lookup). A rotated secret
 * (`callback_secret_next`) takes over at its time. Cached per process for
 * CALLBACK_SECRET_TTL_MS.
 */
export async function tenantCallbackSecret(db: Db, domain_uuid: string, now = Date.now()): Promise<string> {
  const key = `${db.databaseName}:${domain_uuid}`;
  let p = secrets.get(key);
  if (p) {
    const hit = await p.catch(() => undefined);
    if (!hit || now - hit.loaded > CALLBACK_SECRET_TTL_MS) p = undefined;
  }
  if (!p) {
    p = loadCallbackSecret(db, domain_uuid);
    if (secrets.size > 10_000) secrets.clear();
    secrets.set(key, p);
    p.catch(() => secrets.delete(key));
  }
  const s = await p;
  return s.next && s.next_at !== undefined && now >= s.next_at ? s.next : s.current;
}

async function loadCallbackSecret(db: Db, domain_uuid: string): Promise<SecretState> {
  const projection = { callback_secret: 1, callback_secret_next: 1, callback_secret_next_at: 1 };
  let t = await tenantsOf(db).findOne({ _id: domain_uuid }, { projection });
  if (!t) throw new TenantError(`no tenant ${domain_uuid}`);
  if (!t.callback_secret) {
    await tenantsOf(db).updateOne(
      { _id: domain_uuid, callback_secret: { $exists: false } },
      { $set: { callback_secret: newCallbackSecret() } },
    );
    t = await tenantsOf(db).findOne({ _id: domain_uuid }, { projection });
    if (!t?.callback_secret) throw new TenantError(`tenant ${domain_uuid} has no callback secret`);
  }
  const next_at = t.callback_secret_next_at ? new Date(t.callback_secret_next_at).getTime() : undefined;
  return { current: t.callback_secret, ...(t.callback_secret_next ? { next: t.callback_secret_next, next_at } : {}), loaded: Date.now() };
}

/** Register a token for a tenant (idempotent for the same token and tenant). */
export async function issueToken(db: Db, domain_uuid: string, token: string, label = ''): Promise<void> {
  if (token.length < 16) throw new TenantError('a token must be at least 16 characters');
  const _id = hashToken(token);
  const existing = await tokensOf(db).findOne({ _id });
  if (existing) {
    if (existing.domain_uuid !== domain_uuid) throw new TenantError('this token already belongs to another tenant');
    return;
  }
  await tokensOf(db).insertOne({ _id, domain_uuid, label, created_at: new Date() });
}

/** Issue a fresh token for a tenant found by name; older tokens stay valid unless `revokeOthers`. */
export async function rotateToken(db: Db, name: string, revokeOthers = false): Promise<{ tenant: Tenant; token: string }> {
  const t = await tenantsOf(db).findOne({ name });
  if (!t) throw new TenantError(`no tenant named "${name}"`);
  if (revokeOthers) await tokensOf(db).deleteMany({ domain_uuid: t.domain_uuid });
  const token = newToken();
  await issueToken(db, t.domain_uuid, token, 'rotated');
  return { tenant: { domain_uuid: t.domain_uuid, name: t.name, time_zone: t.time_zone }, token };
}

/**
 * The tenant `npm start` uses. First run: creates tenant "development" and returns its token
 * (`created: true`) for the caller to print. Later runs: `token` is null — the plaintext is not
 * stored — unless the caller passes the token it kept (e.g. in `.data/dev-token`), which is then
 * (re-)registered for the dev tenant and returned, so the start script can show it on every run.
 */
export async function ensureDevTenant(
  db: Db,
  opts: { token?: string; time_zone?: string } = {},
): Promise<{ tenant: Tenant; token: string | null; created: boolean }> {
  const existing = await tenantsOf(db).findOne({ name: DEV_TENANT_NAME });
  if (existing) {
    const tenant = { domain_uuid: existing.domain_uuid, name: existing.name, time_zone: existing.time_zone };
    if (opts.token) {
      await issueToken(db, tenant.domain_uuid, opts.token, 'development');
      return { tenant, token: opts.token, created: false };
    }
    return { tenant, token: null, created: false };
  }
  try {
    const { tenant, token } = await createTenant(db, { name: DEV_TENANT_NAME, time_zone: opts.time_zone, token: opts.token });
    return { tenant, token, created: true };
  } catch (err) {
    // Two processes starting at once: the other one created it.
    if (err instanceof TenantError && /already exists/.test(err.message)) return ensureDevTenant(db, opts);
    throw err;
  }
}

// Token → tenant, cached briefly: every API request authenticates, and the lookup must not be
// what dominates latency. A revoked token keeps working for at most TOKEN_CACHE_MS.
const TOKEN_CACHE_MS = 10_000;
const cache = new Map<string, { tenant: Tenant | null; until: number }>();

export async function tenantForToken(db: Db, token: string): Promise<Tenant | null> {
  const h = hashToken(token);
  const key = `${db.databaseName}:${h}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.tenant;
  const tok = await tokensOf(db).findOne({ _id: h });
  let tenant: Tenant | null = null;
  if (tok) {
    const t = await tenantsOf(db).findOne({ _id: tok.domain_uuid });
    if (t) tenant = { domain_uuid: t.domain_uuid, name: t.name, time_zone: t.time_zone || DEFAULT_TIME_ZONE };
  }
  if (cache.size > 10_000) cache.clear();
  // Unknown tokens are cached for a shorter time so a just-issued token works at once.
  cache.set(key, { tenant, until: now + (tenant ? TOKEN_CACHE_MS : 1_000) });
  return tenant;
}

export function clearTokenCache(): void {
  cache.clear();
}

// ---------------------------------------------------------------- tenant administration
// (the operator API, api/admin/, and `npm run ctl -- admin …`): nothing is done by hand in the
// database. Tokens: createTenant, rotateToken above.

/** A tenant by its domain_uuid or its name. */
export async function findTenant(db: Db, ref: string): Promise<TenantDoc | null> {
  return (await tenantsOf(db).findOne({ _id: ref })) ?? (await tenantsOf(db).findOne({ name: ref }));
}

/** Every tenant, by name. */
export async function listTenants(db: Db): Promise<TenantDoc[]> {
  const all = await tenantsOf(db).find({}).toArray();
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/** How many API tokens the tenant has. */
export async function tokenCount(db: Db, domain_uuid: string): Promise<number> {
  return tokensOf(db).countDocuments({ domain_uuid });
}

/** Change the tenant's time zone (IANA name); API requests see it within the token cache's 10 s. */
export async function setTenantTimeZone(db: Db, domain_uuid: string, time_zone: string): Promise<void> {
  if (!isValidTimeZone(time_zone))
    throw new TenantError(`unknown time zone "${time_zone}" (use an IANA name such as ${DEFAULT_TIME_ZONE})`);
  const r = await tenantsOf(db).updateOne({ _id: domain_uuid }, { $set: { time_zone } });
  if (!r.matchedCount) throw new TenantError(`no tenant ${domain_uuid}`);
  clearTokenCache();
}

/**
 * Rotate the tenant's callback secret with an overlap: a new secret is made now and returned (to
 * give to the receiver), deliveries keep being signed with the current one for `overlapMs`, then
 * with the new one. The receiver accepts both during the overlap. A rotation whose time has come
 * is first made the current secret; one still waiting is replaced (it never signed anything).
 */
export async function rotateCallbackSecret(
  db: Db,
  domain_uuid: string,
  overlapMs: number,
  now = new Date(),
): Promise<{ callback_secret: string; active_from: Date }> {
  if (!Number.isFinite(overlapMs) || overlapMs < 0) throw new TenantError('the overlap must be ≥ 0');
  const t = await tenantsOf(db).findOne({ _id: domain_uuid });
  if (!t) throw new TenantError(`no tenant ${domain_uuid}`);
  let current = t.callback_secret ?? newCallbackSecret();
  if (t.callback_secret_next && t.callback_secret_next_at && new Date(t.callback_secret_next_at).getTime() <= now.getTime())
    current = t.callback_secret_next;
  const next = newCallbackSecret();
  const active_from = new Date(now.getTime() + overlapMs);
  await tenantsOf(db).updateOne(
    { _id: domain_uuid },
    { $set: { callback_secret: current, callback_secret_next: next, callback_secret_next_at: active_from } },
  );
  secrets.delete(`${db.databaseName}:${domain_uuid}`);
  return { callback_secret: next, active_from };
}

/** The tenant's time zone, read at most once a minute per process (a change applies within a minute). */
export const tenantTimeZone: (db: Db, domain_uuid: string) => Promise<string> = ttlCache(60_000, (db, domain_uuid) =>
  tenantsOf(db)
    .findOne({ _id: domain_uuid }, { projection: { time_zone: 1 } })
    .then((t) => t?.time_zone || DEFAULT_TIME_ZONE),
);
