// The autodialer's side effects on mod_callcenter (telephony/callcenter.ts has the pure parts).
// An autodialer campaign lives on one FreeSWITCH node (`campaignNode`: its calls go there and its
// queue, agents and tiers are there — mod_callcenter is per node, and one agent offered calls by
// two nodes at once would be double-booked).
// - syncQueue: make the node's mod_callcenter match the store — the queue loaded (served by the
//   API's mod_xml_curl gateway; reloaded when its strategy or wait limits changed), one agent per
//   assigned user with its contact, status and limits, a tier per agent in the queue's order, no
//   tier for users no longer assigned. Idempotent: it compares before it changes. The run calls it
//   at start, on configChanged, when the node's Core-UUID changed (FreeSWITCH restarted) and every
//   30 s.
// - queueState: what pacing needs now (free agents, members waiting, agents talking) and the
//   agents' live rows, read from mod_callcenter itself, never from memory.
import type { CampaignDoc } from '../domain/campaign.ts';
import { agentContact, ccArg, parseCcList, queueName, queueView, type QueueView } from '../telephony/callcenter.ts';
import { campaignAgents, setAgentStatus, type AgentRef } from '../storage/agents.ts';
import { getCampaign } from '../storage/campaigns.ts';
import { getQueueSettings, type QueueSettings } from '../storage/queue-settings.ts';
import type { AgentLive } from '../workflows/contract.ts';
import type { ActivityDeps } from './deps.ts';

export interface QueueState {
  node: string;
  core_uuid: string;
  view: QueueView;
  agents: AgentLive[];
}

/** The node an autodialer campaign runs on: the same for every worker (a hash of its uuid). */
export function campaignNode(campaign_uuid: string, nodes: readonly string[]): string {
  let h = 0;
  for (const ch of campaign_uuid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return nodes[h % nodes.length]!;
}

export function createCallcenterActivities(deps: ActivityDeps) {
  const cc = async (node: string, args: string): Promise<string> => {
    if (!deps.esl) throw new Error('no ESL pool in this worker');
    return deps.esl.api(node, `callcenter_config ${args}`);
  };
  const nodeOf = (campaign_uuid: string) =>
    campaignNode(
      campaign_uuid,
      deps.config.eslNodes.map((n) => n.name),
    );

  return {
    async syncQueue(input: { campaign_uuid: string; domain_uuid: string }): Promise<{ node: string; core_uuid: string; changes: number }> {
      const campaign = await getCampaign(deps.db, input.domain_uuid, input.campaign_uuid);
      const node = nodeOf(input.campaign_uuid);
      if (!campaign) return { node, core_uuid: '', changes: 0 };
      const settings = await getQueueSettings(deps.db, input.campaign_uuid);
      const agents = await campaignAgents(deps.db, campaign);
      let changes = 0;
      const run = async (args: string) => {
        changes++;
        const out = await cc(node, args);
        if (out.startsWith('-ERR') && !/already exist/i.test(out))
          deps.logger.warn({ node, args, out: out.trim() }, 'callcenter_config refused');
      };
      await syncQueueDefinition(cc, run, node, campaign, settings);
      // An agent mod_callcenter put On Break after max_no_answer offers unanswered stays On Break:
      // the store follows (the agent, or a supervisor, sets Available again through the API).
      const tookBreak = (a: AgentRef) => setAgentStatus(deps.db, input.domain_uuid, a.user_uuid, 'On Break');
      await syncAgents(cc, run, node, agents, settings, deps.config.AGENT_CONTACT_TEMPLATE, input.domain_uuid, tookBreak);
      await syncTiers(cc, run, node, queueName(input.campaign_uuid), agents);
      const core_uuid = (await deps.esl!.api(node, 'global_getvar core_uuid')).trim();
      return { node, core_uuid, changes };
    },

    async queueState(input: { campaign_uuid: string }): Promise<QueueState> {
      const node = nodeOf(input.campaign_uuid);
      const q = queueName(input.campaign_uuid);
      const [agentsReply, membersReply, core, epoch] = await Promise.all([
        cc(node, `queue list agents ${q}`),
        cc(node, `queue list members ${q}`),
        deps.esl!.api(node, 'global_getvar core_uuid'),
        deps.esl!.api(node, 'strepoch'), // FreeSWITCH's own clock: wrap-up is judged on it
      ]);
      const nowS = Number(epoch.trim()) || Math.floor(Date.now() / 1000);
      const agents = parseCcList(agentsReply).map((a) => ({
        agent_name: a.name ?? '',
        status: a.status ?? '',
        state: a.state ?? '',
        calls_answered: Number(a.calls_answered || 0),
        talk_time: Number(a.talk_time || 0),
        last_bridge_end: Number(a.last_bridge_end || 0),
        no_answer_count: Number(a.no_answer_count || 0),
      }));
      return { node, core_uuid: core.trim(), view: queueView(agentsReply, membersReply, nowS), agents };
    },
  };
}

type Cc = (node: string, args: string) => Promise<string>;

/** The queue loaded from the gateway, and reloaded when its definition changed. */
async function syncQueueDefinition(
  cc: Cc,
  run: (a: string) => Promise<void>,
  node: string,
  campaign: CampaignDoc,
  s: QueueSettings,
): Promise<void> {
  const q = queueName(campaign.campaign_uuid);
  const loaded = parseCcList(await cc(node, 'queue list')).find((r) => r.name === q);
  if (!loaded) return run(`queue load ${q}`);
  const strategy = campaign.call_center_queue_strategy || 'ring-all';
  if (loaded.strategy !== strategy || (loaded.max_wait_time !== undefined && Number(loaded.max_wait_time) !== s.max_wait_time))
    await run(`queue reload ${q}`);
}

/** One agent per assigned user: added if missing, its contact, status and limits as stored. */
async function syncAgents(
  cc: Cc,
  run: (a: string) => Promise<void>,
  node: string,
  agents: AgentRef[],
  s: QueueSettings,
  contactTemplate: string,
  domain_uuid: string,
  tookBreak: (a: AgentRef) => Promise<unknown>,
): Promise<void> {
  const live = new Map(parseCcList(await cc(node, 'agent list')).map((r) => [r.name, r]));
  for (const a of agents) {
    const row = live.get(a.agent_name);
    if (row?.status === 'On Break' && a.status === 'Available' && s.max_no_answer > 0 && Number(row.no_answer_count) >= s.max_no_answer) {
      await tookBreak(a);
      a.status = 'On Break';
    }
    if (!row) await run(`agent add ${a.agent_name} Callback`);
    const contact = agentContact(
      s.agent_contact || contactTemplate,
      { extension: a.extension, user_uuid: a.user_uuid, domain_uuid },
      s.agent_ring_timeout,
    );
    const want: Array<[string, string]> = [
      ['contact', contact],
      ['status', a.status],
      ['max_no_answer', String(s.max_no_answer)],
      ['wrap_up_time', String(s.wrap_up_time)],
      ['no_answer_delay_time', String(s.no_answer_delay_time)],
    ];
    for (const [key, value] of want) if (!row || row[key] !== value) await run(`agent set ${key} ${a.agent_name} ${ccArg(value)}`);
  }
}

/** A tier per assigned agent (level 1, position = assignment order); none for others. */
async function syncTiers(cc: Cc, run: (a: string) => Promise<void>, node: string, q: string, agents: AgentRef[]): Promise<void> {
  const tiers = parseCcList(await cc(node, 'tier list')).filter((t) => t.queue === q);
  const have = new Map(tiers.map((t) => [t.agent, t]));
  const want = new Set(agents.map((a) => a.agent_name));
  for (const [i, a] of agents.entries()) {
    const t = have.get(a.agent_name);
    if (!t) await run(`tier add ${q} ${a.agent_name} 1 ${i + 1}`);
    else if (t.position !== String(i + 1)) await run(`tier set position ${q} ${a.agent_name} ${i + 1}`);
  }
  for (const t of tiers) if (!want.has(t.agent!)) await run(`tier del ${q} ${t.agent}`);
}
