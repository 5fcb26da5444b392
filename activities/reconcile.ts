// Reconciliation: a lead waited too long for its call's hangup event. Ask the node that owns the
// call whether any of its channels still exists; if none does, the event was lost.
import type { ActivityDeps } from './deps.ts';
import { uuidExists } from './originate.ts';

export function createReconcileActivities(deps: ActivityDeps) {
  return {
    async reconcileCall(input: { node: string; leg_uuids: string[] }): Promise<{ exists: boolean }> {
      for (const u of input.leg_uuids) if (await uuidExists(deps, input.node, u)) return { exists: true };
      return { exists: false };
    },
  };
}
