// The tenant's calling policy (contact limits per number, allowed hours) and each campaign's
// override: one document each, `_id` = domain_uuid (`tenant_policies`) or campaign_uuid
// (`campaign_policies`), written whole by PUT (one write: nothing stored half). The rules they
// carry: domain/compliance.ts; docs/compliance.md.
import type { Collection, Db } from 'mongodb';
import { NO_POLICY, type Policy } from '../domain/compliance.ts';
import { ttlCache } from './ttl-cache.ts';

export interface TenantPolicyDoc extends Policy {
  _id: string;
  updated_at: Date;
}

export interface CampaignPolicyDoc extends Policy {
  _id: string;
  domain_uuid: string;
  updated_at: Date;
}

export const tenantPoliciesOf = (db: Db): Collection<TenantPolicyDoc> => db.collection<TenantPolicyDoc>('tenant_policies');
export const campaignPoliciesOf = (db: Db): Collection<CampaignPolicyDoc> => db.collection<CampaignPolicyDoc>('campaign_policies');

const policyOf = (d: Policy | null): Policy => ({
  max_calls_per_number_24h: d?.max_calls_per_number_24h ?? null,
  max_calls_per_number_day: d?.max_calls_per_number_day ?? null,
  allowed_hours: d?.allowed_hours ?? null,
});

/** The tenant's policy (no rule at all when it never set one), and whether it set one. */
export async function getTenantPolicy(db: Db, domain_uuid: string): Promise<{ policy: Policy; set: boolean }> {
  const d = await tenantPoliciesOf(db).findOne({ _id: domain_uuid });
  return { policy: d ? policyOf(d) : { ...NO_POLICY }, set: !!d };
}

export async function putTenantPolicy(db: Db, domain_uuid: string, p: Policy): Promise<void> {
  await tenantPoliciesOf(db).replaceOne({ _id: domain_uuid }, { ...policyOf(p), updated_at: new Date() }, { upsert: true });
}

/** A campaign's override, null when it has none. */
export async function getCampaignPolicy(db: Db, campaign_uuid: string): Promise<Policy | null> {
  const d = await campaignPoliciesOf(db).findOne({ _id: campaign_uuid });
  return d ? policyOf(d) : null;
}

export async function putCampaignPolicy(db: Db, domain_uuid: string, campaign_uuid: string, p: Policy): Promise<void> {
  await campaignPoliciesOf(db).replaceOne(
    { _id: campaign_uuid },
    { ...policyOf(p), domain_uuid, updated_at: new Date() },
    { upsert: true },
  );
}

/**
 * What one campaign's calls follow, read at each dial: the tenant's policy and the campaign's
 * override, cached one second per worker (a PUT is followed within a second; the do-not-call list
 * is never cached). `counting`: whether the tenant counts contacts at all (it set a policy).
 */
export const policiesForDial = ttlCache(1_000, async (db, key) => {
  const [domain_uuid, campaign_uuid] = key.split('|') as [string, string];
  const [tenant, campaign] = await Promise.all([getTenantPolicy(db, domain_uuid), getCampaignPolicy(db, campaign_uuid)]);
  return { tenant: tenant.policy, counting: tenant.set || campaign !== null, campaign };
});
