// Reconciliation: what became of a call whose hangup event did not come (the node's listener was
// moving to another worker, events were lost, the worker that placed it died). The right sources,
// in order, before anything is called unknown:
//   1. the CDR FreeSWITCH posted for one of its legs (storage/cdrs.ts): the real outcome;
//   2. the node: restarted (another Core-UUID) since the call was placed, or unreachable for longer
//      than NODE_LOST_AFTER_MS → the call is lost, ended no later than the connection dropped;
//      unreachable for less → not known yet (ask again later);
//   3. `uuid_exists` on each leg → the call is still up;
//   4. gone with no CDR: wait CDR_GRACE_MS for FreeSWITCH's post (and for the listener to note a
//      restart it has not seen yet: the dial connection may reconnect first), then unknown.
import { findCdr } from '../storage/cdrs.ts';
import { nodeState, type EslNodeDoc } from '../storage/esl-nodes.ts';
import type { CallEventPayload } from '../workflows/contract.ts';
import type { ActivityDeps } from './deps.ts';

/** A node that stays unreachable this long has lost its calls (a FreeSWITCH that is down). */
export const NODE_LOST_AFTER_MS = 120_000;
/** How long after a call's channels are gone FreeSWITCH's CDR post may still be on its way. */
export const CDR_GRACE_MS = 3_000;

export type CallFate =
  | { state: 'up'; uuid: string }
  | { state: 'ended'; hangup: CallEventPayload }
  | { state: 'lost'; at: number }
  | { state: 'unreachable' }
  | { state: 'gone' };

export interface FateQuery {
  node: string;
  leg_uuids: string[];
  /** When the originate was sent (ms). */
  sent_at: number;
}

export async function callFate(deps: ActivityDeps, q: FateQuery, graceMs = CDR_GRACE_MS): Promise<CallFate> {
  const cdr = await findCdr(deps.db, q.leg_uuids);
  if (cdr) return { state: 'ended', hangup: cdr.event };
  const node = await nodeState(deps.db, q.node);
  const restartedAt = lostBy(node, q.sent_at);
  if (restartedAt !== null) return { state: 'lost', at: restartedAt };
  let up: string | undefined;
  try {
    for (const u of q.leg_uuids) if (!up && (await uuidExists(deps, q.node, u))) up = u;
  } catch {
    // The node does not answer: lost when it has been down long enough, else not known yet.
    const downAt = node && !node.up && node.down_at ? node.down_at.getTime() : null;
    if (downAt !== null && downAt >= q.sent_at && Date.now() - downAt >= NODE_LOST_AFTER_MS) return { state: 'lost', at: downAt };
    return { state: 'unreachable' };
  }
  if (up) return { state: 'up', uuid: up };
  if (graceMs > 0) {
    await new Promise((r) => setTimeout(r, graceMs));
    const late = await findCdr(deps.db, q.leg_uuids);
    if (late) return { state: 'ended', hangup: late.event };
    // The node may have answered (through the dial pool) before its listener reconnected and
    // noted that it came back as another process: look again now.
    const restartedLate = lostBy(await nodeState(deps.db, q.node), q.sent_at);
    if (restartedLate !== null) return { state: 'lost', at: restartedLate };
  }
  return { state: 'gone' };
}

/** When the FreeSWITCH process that held a call placed at `sentAt` went away (its connection
 *  dropped and the node came back as another process), or null. */
function lostBy(node: EslNodeDoc | null, sentAt: number): number | null {
  if (!node) return null;
  const gone = node.history.filter((h) => h.down_at && h.down_at.getTime() >= sentAt).map((h) => h.down_at!.getTime());
  return gone.length ? Math.min(...gone) : null;
}

export async function uuidExists(deps: ActivityDeps, node: string, uuid: string): Promise<boolean> {
  if (!deps.esl) throw new Error('no ESL pool in this worker');
  const out = await deps.esl.api(node, `uuid_exists ${uuid}`);
  return out.trim() === 'true';
}

export function createReconcileActivities(deps: ActivityDeps) {
  return {
    async reconcileCall(input: FateQuery): Promise<CallFate> {
      return callFate(deps, input);
    },
  };
}
