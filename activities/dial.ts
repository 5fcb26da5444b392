// Dialing, one activity per attempt (fewer workflow tasks per call): plan the attempt
// (activities/plan.ts: read-only, the call id fixed by the workflow), then — unless skipped or not
// dialable — originate it exactly once (activities/originate.ts). A retry plans the same call and
// never dials twice.
import { billingRefusal } from '../storage/billing.ts';
import type { PlaceCallInput, PlaceCallResult } from '../workflows/contract.ts';
import { giveBack, holdContacts, notPlaced } from './compliance.ts';
import { withHeartbeat, type ActivityDeps } from './deps.ts';
import { originate } from './originate.ts';
import { planAttempt } from './plan.ts';

export function createDialActivities(deps: ActivityDeps) {
  return {
    // Heartbeats for the whole attempt (synthesis, the originate's ring): a dead worker shows
    // within the heartbeat timeout.
    placeCall: (input: PlaceCallInput): Promise<PlaceCallResult> => withHeartbeat(() => placeCall(deps, input)),
  };
}

async function placeCall(deps: ActivityDeps, input: PlaceCallInput): Promise<PlaceCallResult> {
  const planned = await planAttempt(deps, input);
  if (planned.skip) return { plan: planned };
  // Prepaid tenants (storage/billing.ts): no money or no plan → recorded, never dialed (voice-bot 103/105).
  const refused = await billingRefusal(deps.db, input.domain_uuid);
  if (refused) return { plan: { ...planned, gateway: '' }, result: { outcome: 'failed', cause: refused, node: '', sent_at: Date.now() } };
  if (!planned.gateway || planned.numbers.length === 0) {
    return { plan: planned, result: { outcome: 'failed', cause: 'INVALID_GATEWAY', node: '', sent_at: Date.now() } };
  }
  // Contact limits per number (activities/compliance.ts), right before the originate: held back,
  // no call and no attempt; a call that then is not placed gives its reservation back.
  const hold = await holdContacts(deps, input, planned);
  if (!hold.ok) return { plan: { skip: true, reason: 'contact_limit', next_at: hold.next_at } };
  const result = await originate(deps, { ...input, plan: planned });
  if (notPlaced(result)) await giveBack(deps, hold.slots);
  return { plan: planned, result };
}
