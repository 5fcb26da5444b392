// The tenant's users who act as agents in the autodialer tests: one per extension, in order.
import { setAgentStatus } from '../../storage/agents.ts';
import { users } from '../../storage/directory.ts';
import type { Engine } from '../engine/harness.ts';

/** Create a user per extension (`agent<ext>`), optionally Available at once; their user uuids. */
export async function createAgents(e: Engine, extensions: string[], opts: { available?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  for (const ext of extensions) {
    const u = await users(e.mongo.db).create(e.tenant.domain_uuid, {
      username: `agent${ext}`,
      extension: ext,
      display_name: `Agent ${ext}`,
      enabled: true,
    });
    if (opts.available) await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, u.user_uuid, 'Available');
    out.push(u.user_uuid);
  }
  return out;
}
