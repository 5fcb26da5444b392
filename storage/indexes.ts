// Every index the API (and the worker) relies on, created at start. Idempotent: createIndex with
// the same name and keys is a no-op, so the API and the worker can both call it, concurrently.
// Only plain (and unique) compound indexes: what FerretDB 1.24 and MongoDB 7 both support.
import type { Db, IndexDescription } from 'mongodb';
import { backfillDialQueue } from './dial-queue.ts';
import { migrateTenantDnc } from './tenant-dnc.ts';

export const INDEXES: Record<string, IndexDescription[]> = {
  api_tokens: [{ key: { domain_uuid: 1 }, name: 'tenant' }],
  tenants: [{ key: { name: 1 }, name: 'name_unique', unique: true }],
  campaigns: [
    // campaign names are unique per tenant: the index, not a read-then-write, decides.
    { key: { domain_uuid: 1, campaign_name: 1 }, name: 'tenant_name_unique', unique: true },
    // GET /v3/campaign: newest first, optionally by type.
    { key: { domain_uuid: 1, created_at: -1 }, name: 'tenant_created' },
    { key: { domain_uuid: 1, type: 1, created_at: -1 }, name: 'tenant_type_created' },
    // refusing to delete a template / carrier still in use.
    { key: { domain_uuid: 1, template_uuid: 1 }, name: 'tenant_template' },
    { key: { domain_uuid: 1, carrier_uuid: 1 }, name: 'tenant_carrier' },
  ],
  call_center_queues: [{ key: { domain_uuid: 1, campaign_uuid: 1 }, name: 'tenant_campaign' }],
  dialplans: [{ key: { domain_uuid: 1, campaign_uuid: 1 }, name: 'tenant_campaign' }],
  templates: [{ key: { domain_uuid: 1, template_name: 1 }, name: 'tenant_name_unique', unique: true }],
  carriers: [{ key: { domain_uuid: 1, carrier_name: 1 }, name: 'tenant_name_unique', unique: true }],
  users: [
    { key: { domain_uuid: 1, extension: 1 }, name: 'tenant_extension_unique', unique: true },
    { key: { domain_uuid: 1, username: 1 }, name: 'tenant_username_unique', unique: true },
  ],
  // The dialing engine (storage/leads.ts, storage/calls.ts).
  leads: [
    // A campaign's leads by status (counts). The hopper reads the dial queue (storage/dial-queue.ts), by `_id`.
    { key: { campaign_uuid: 1, status: 1, order: 1 }, name: 'campaign_status_order' },
    { key: { domain_uuid: 1, campaign_uuid: 1, created_at: 1 }, name: 'tenant_campaign_created' },
  ],
  // `_id` = call_id (unique by itself): the originate-sent mark.
  calls: [
    { key: { campaign_uuid: 1, created_at: 1 }, name: 'campaign_created' },
    { key: { lead_uuid: 1 }, name: 'lead' },
  ],
  // The report (storage/report.ts): a campaign's pending deltas in a time range. Rollups, the
  // counted marks and the compactor's state are read by `_id` only.
  report_pending: [{ key: { campaign_uuid: 1, t: 1 }, name: 'campaign_t' }],
};

/**
 * Create the indexes above (and any another module registers with `registerIndexes`).
 * One `createIndex` per index: FerretDB 1.24 drops the connection when a multi-index
 * `createIndexes` names indexes that already exist (a second start), while single ones are fine.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  // FerretDB 1.24 builds every index but answers no query from one (only `{_id}` lookups use its
  // own `_id` index): a non-unique index there only slows inserts (a 10,000-lead v2 import by
  // 20–40 %). Unique ones still enforce uniqueness, so they are always created.
  const ferret = await isFerretDb(db);
  for (const [collection, specs] of Object.entries(INDEXES)) {
    for (const { key, ...options } of specs) {
      if (ferret && !options.unique) continue;
      await db.collection(collection).createIndex(key, options);
    }
  }
  // Once per database: `new` leads stored before the dial queue existed are listed in it.
  await backfillDialQueue(db);
  // The tenant do-not-call list stored one document per number before its buckets: moved once.
  await migrateTenantDnc(db);
}

/** True when the server is FerretDB (its buildInfo names its own version). */
export async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

/** Let other modules (leads, calls, …) add their indexes to the same start-up step. */
export function registerIndexes(collection: string, specs: IndexDescription[]): void {
  const list = (INDEXES[collection] ??= []);
  for (const s of specs) if (!list.some((x) => x.name === s.name)) list.push(s);
}
