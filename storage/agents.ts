// The autodialer's agents: the tenant's users (`/v3/user`) assigned to a campaign (`users`, set by
// PUT /v3/campaign/{uuid}/assign_extension). An agent's status is mod_callcenter's word and is
// kept on the user (`agent_status`, 'Logged Out' until set) so it survives a FreeSWITCH restart;
// the node's mod_callcenter is told on every change (activities/callcenter.ts). One agent per
// user on each node, named `agent-<user_uuid>`: a user assigned to two campaigns is one agent with
// a tier in each campaign's queue (mod_callcenter's own model: an agent serves several queues).
import type { Db } from 'mongodb';
import type { CampaignDoc } from '../domain/campaign.ts';
import { usersOf, type UserDoc } from './directory.ts';

export const AGENT_STATUSES = ['Logged Out', 'Available', 'On Break'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const isAgentStatus = (s: unknown): s is AgentStatus => typeof s === 'string' && (AGENT_STATUSES as readonly string[]).includes(s);

/** mod_callcenter's agent name for a user (the same on every node, whatever the campaign). */
export const agentName = (user_uuid: string): string => `agent-${user_uuid}`;
/** The user of an agent name, or undefined for an agent that is not ours. */
export const userOfAgent = (name: string): string | undefined => (name.startsWith('agent-') ? name.slice('agent-'.length) : undefined);

export interface AgentRef {
  user_uuid: string;
  extension: string;
  display_name: string;
  agent_name: string;
  status: AgentStatus;
}

type AgentUser = UserDoc & { agent_status?: AgentStatus };

export function agentOf(u: AgentUser): AgentRef {
  return {
    user_uuid: u.user_uuid,
    extension: u.extension,
    display_name: u.display_name,
    agent_name: agentName(u.user_uuid),
    status: u.agent_status ?? 'Logged Out',
  };
}

/** The campaign's agents, in the order they were assigned (their tier positions). */
export async function campaignAgents(db: Db, campaign: Pick<CampaignDoc, 'domain_uuid' | 'users'>): Promise<AgentRef[]> {
  const ids = campaign.users ?? [];
  if (!ids.length) return [];
  const found = new Map<string, AgentUser>();
  for (const _id of ids) {
    const u = await usersOf<AgentUser>(db).findOne({ _id, domain_uuid: campaign.domain_uuid });
    if (u && u.enabled !== false) found.set(_id, u);
  }
  return ids.flatMap((id) => (found.has(id) ? [agentOf(found.get(id)!)] : []));
}

/** The agent of a mod_callcenter agent name (a record's agent), or undefined when not the tenant's. */
export async function agentOfName(db: Db, domain_uuid: string, name: string): Promise<AgentRef | undefined> {
  const user_uuid = userOfAgent(name);
  if (!user_uuid) return undefined;
  const u = await usersOf<AgentUser>(db).findOne({ _id: user_uuid, domain_uuid });
  return u ? agentOf(u) : undefined;
}

/** Set a user's agent status; the user, or null when it is not the tenant's. */
export async function setAgentStatus(db: Db, domain_uuid: string, user_uuid: string, status: AgentStatus): Promise<AgentRef | null> {
  const u = await usersOf<AgentUser>(db).findOneAndUpdate(
    { _id: user_uuid, domain_uuid },
    { $set: { agent_status: status, updated_at: new Date() } },
    { returnDocument: 'after' },
  );
  return u ? agentOf(u) : null;
}
