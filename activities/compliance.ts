// Calling within the rules, at dial time (docs/compliance.md): the tenant's do-not-call list
// (checked by planAttempt, never cached), the contact limits per number (a reservation taken by
// placeCall right before the originate, given back when the call was not placed after all), and a
// lead held back by a limit whose run stopped first (recorded skipped). The decisions are pure
// (domain/compliance.ts); the counting is storage/contact-slots.ts.
import { effectivePolicy, closedSpans, hoursOf } from '../domain/compliance.ts';
import { parsePhone } from '../domain/phone.ts';
import { intersectHours, type DialWindow } from '../domain/schedule.ts';
import { releaseContact, reserveContact } from '../storage/contact-slots.ts';
import { getHolidays } from '../storage/holidays.ts';
import { leadsOf } from '../storage/leads.ts';
import { getTenantPolicy, getCampaignPolicy, policiesForDial } from '../storage/policy.ts';
import { anyOnDnc } from '../storage/tenant-dnc.ts';
import { tenantTimeZone } from '../storage/tenants.ts';
import type { AttemptPlan, OriginateResult, PlaceCallInput, RunConfig } from '../workflows/contract.ts';
import type { ActivityDeps } from './deps.ts';

const e164s = (numbers: string[]): string[] =>
  numbers.flatMap((n) => {
    const p = parsePhone(n);
    return p.ok ? [p.e164] : [];
  });

/** Is any number this attempt would dial on the tenant's do-not-call list now? */
export function onTenantDnc(deps: ActivityDeps, domain_uuid: string, numbers: string[]): Promise<boolean> {
  return anyOnDnc(deps.db, domain_uuid, e164s(numbers));
}

export type ContactHold = { ok: true; slots: string[] } | { ok: false; next_at: number; rule: string };

/**
 * Count this call against each number it dials (every campaign of the tenant): all reserved, or
 * none (the ones taken are given back) and when the next call is allowed. A tenant that never set a
 * policy and a campaign without an override count nothing.
 */
export async function holdContacts(deps: ActivityDeps, input: PlaceCallInput, plan: AttemptPlan): Promise<ContactHold> {
  const { db } = deps;
  const p = await policiesForDial(db, `${input.domain_uuid}|${input.campaign_uuid}`);
  if (!p.counting) return { ok: true, slots: [] };
  const policy = effectivePolicy(p.tenant, p.campaign);
  const time_zone = await tenantTimeZone(db, input.domain_uuid);
  const slots: string[] = [];
  for (const e164 of e164s(plan.numbers)) {
    const r = await reserveContact(db, {
      domain_uuid: input.domain_uuid,
      campaign_uuid: input.campaign_uuid,
      e164,
      call_id: plan.call_id,
      policy,
      time_zone,
      now: Date.now(),
    });
    if (!r.ok) {
      await giveBack(deps, slots);
      return { ok: false, next_at: r.next_at, rule: r.rule };
    }
    if (r.slot) slots.push(r.slot);
  }
  return { ok: true, slots };
}

/** Was the call never placed (so its reservations are given back)? Content that cannot be played
 *  (no node: refused before the originate) and an originate that never reached FreeSWITCH. */
export const notPlaced = (r: OriginateResult): boolean => r.outcome === 'not_sent' || (r.outcome === 'failed' && r.node === '');

export async function giveBack(deps: ActivityDeps, slots: string[]): Promise<void> {
  await Promise.all(slots.map((s) => releaseContact(deps.db, s)));
}

/** The run's window with the tenant's rules merged in: the allowed hours (the tighter of the
 *  tenant's and the campaign's) narrow it; holidays and restricted periods close it. */
export async function complianceWindow(deps: ActivityDeps, cfg: RunConfig, now = Date.now()): Promise<RunConfig['window']> {
  const [tenant, campaign, holidays] = await Promise.all([
    getTenantPolicy(deps.db, cfg.domain_uuid),
    getCampaignPolicy(deps.db, cfg.campaign_uuid),
    getHolidays(deps.db, cfg.domain_uuid),
  ]);
  let window: DialWindow = cfg.window;
  const hours = effectivePolicy(tenant.policy, campaign).allowed_hours;
  if (hours) {
    const h = hoursOf(hours);
    window = intersectHours(window, 'span' in h ? h.span : { start: 0, end: 0 });
  }
  // A year ahead: the run reloads its configuration at least daily (it sleeps at most a day).
  const closed = closedSpans(holidays.holidays, {
    vn_public_holidays: holidays.vn_public_holidays,
    time_zone: cfg.time_zone,
    from: now - 86_400_000,
    to: now + 400 * 86_400_000,
  });
  return closed.length ? { ...window, closed } : window;
}

export function createComplianceActivities(deps: ActivityDeps) {
  return {
    /** A lead held back by a contact limit whose run stopped first: recorded `skipped` (never
     *  dialed this time; a new claim needs the lead set back to `new`). Only a lead still queued. */
    async skipLead(input: { lead_uuid: string; reason: string; next_at: number }): Promise<void> {
      await leadsOf(deps.db).updateOne(
        { _id: input.lead_uuid, status: { $in: ['queued', 'waiting_recall', 'dialing'] } },
        {
          $set: {
            status: 'skipped',
            skip_reason: input.reason,
            next_allowed_at: new Date(input.next_at),
            claim: '',
            updated_at: new Date(),
          },
        },
      );
    },
  };
}
