// The autodialer end to end on real servers (issue 13): the worker, the Temporal dev server, the
// store, the API (mod_xml_curl gateway) and the simulator's mod_callcenter. Answered customers go
// into the campaign's queue and are bridged to its agents; the pace follows the free agents × the
// ratio; a customer no agent takes in time is abandoned, hears the message, is recorded and
// recalled; an agent's status set through the API reaches the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents } from './agents.ts';
import type { CampaignSettings } from '../../domain/campaign.ts';
import type { CallLogEntry } from '../../simulator/calllog.ts';
import { agentName, setAgentStatus } from '../../storage/agents.ts';
import { updateCampaign } from '../../storage/campaigns.ts';
import { updateQueueSettings, type QueueSettings } from '../../storage/queue-settings.ts';
import { agentsQuery, campaignRunWorkflowId } from '../../workflows/contract.ts';
import { apiOf } from '../callbacks/common.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const SCALE = 0.1; // the queue's second-based limits tick 10× faster; call and agent times are ms
const CUSTOMER = { action: 'answer' as const, ringMs: 150, talkMs: 1_600 };
const RULES = {
  mediaMs: 300,
  missingMedia: 'play' as const,
  default: CUSTOMER,
  numbers: {
    '0986900*': { action: 'answer' as const, ringMs: 100, talkMs: null }, // never hangs up: waits until abandoned
    '0986910*': { ...CUSTOMER, talkMs: 3_000 }, // the talk-time test's customers
  },
  callcenter: { defaultEndpoint: { action: 'answer' as const, ringMs: 200, talkMs: null } },
};

/** Customer calls ringing or answered and not yet with an agent, at most at any moment. */
function peakInFlight(e: Engine, log: CallLogEntry[]): number {
  const bridgedAt = new Map(e.sim.callLog.callcenter.members().map((m) => [m.sessionUuid, m.bridgedAt]));
  const edges: Array<{ t: number; d: number }> = [];
  for (const x of log) {
    const end = bridgedAt.get(x.variables.cr_call_id!) ?? x.endedAt ?? x.completedAt ?? Date.now();
    edges.push({ t: x.at, d: 1 }, { t: end, d: -1 });
  }
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let up = 0;
  let peak = 0;
  for (const ed of edges) peak = Math.max(peak, (up += ed.d));
  return peak;
}

describe('the autodialer', () => {
  let e: Engine;
  const agents: string[] = [];

  beforeAll(async () => {
    e = await startEngine(RULES, { callcenter: true, timeScale: SCALE, env: { AUDIO_DELIVERY: 'path' } });
    agents.push(...(await createAgents(e, ['1001', '1002', '1003'])));
  });
  afterAll(async () => {
    await e?.close();
  });

  async function autodialer(settings: Partial<CampaignSettings>, queue: Partial<QueueSettings>, numbers: string[]) {
    const campaign = await e.campaign({ type: 'autodialer', users: agents, call_center_queue_strategy: 'top-down', ...settings });
    await updateQueueSettings(e.mongo.db, e.tenant.domain_uuid, campaign, { wrap_up_time: 0, agent_ring_timeout: 5, ...queue });
    await e.addLeads(campaign, numbers);
    return campaign;
  }
  const available = async (...ids: string[]) => {
    for (const id of agents) await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, id, ids.includes(id) ? 'Available' : 'Logged Out');
  };

  // First, on a fresh queue: run after the other tests of this file it does not see its 20 drops
  // within 200 s (state the earlier runs leave in mod_callcenter; not found yet — see the stop's note).
  it('the abandon-rate controller lowers the pace when drops exceed the target', async () => {
    await available(agents[0]!);
    // Every customer waits in vain: no agent's phone answers (an agent left Available in mod_callcenter
    // by an earlier test's run must not take them either).
    for (const ext of ['1001', '1002', '1003']) e.sim.control.callcenter.setEndpointRule(ext, { action: 'noanswer' });
    const numbers = Array.from({ length: 36 }, (_, i) => `09869500${String(i).padStart(2, '0')}`);
    const campaign = await autodialer(
      { ratio: 300 },
      // Customers give up after 3 s: the controller's 20-call sample comes quickly.
      { max_wait_time: 3, max_no_answer: 0, no_answer_delay_time: 0, abandon_target_percent: 3 },
      numbers,
    );
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    const h = e.client.workflow.getHandle(campaignRunWorkflowId(campaign));
    const progress = await waitFor(
      async () => {
        const p = await h.query('progress');
        return (p as { ratio?: number }).ratio === 100 ? p : undefined;
      },
      200_000,
      'the ratio down to 100',
    );
    expect((progress as { calls: number }).calls).toBeGreaterThanOrEqual(20);
    const calls = await callsOfCampaign(e, campaign);
    expect(calls.filter((c) => c.state === 'done').every((c) => c.abandoned)).toBe(true);
    await h.signal('stop');
    for (const ext of ['1001', '1002', '1003']) e.sim.control.callcenter.clearEndpointRule(ext);
  }, 240_000);

  it('ratio 100, three agents: at most three customers in flight; each bridged customer is recorded with the agent', async () => {
    await available(...agents);
    const numbers = Array.from({ length: 12 }, (_, i) => `09869100${String(i).padStart(2, '0')}`);
    const campaign = await autodialer({ ratio: 100, concurrent_call: 0 }, {}, numbers);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    const leads = await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, campaign);
        return ls.every((l) => l.status === 'done') ? ls : undefined;
      },
      60_000,
      'every lead done',
    ).catch(async (err: Error) => {
      const p = await e.client.workflow.getHandle(campaignRunWorkflowId(campaign)).query('progress');
      throw new Error(
        `${err.message}; progress ${JSON.stringify(p)}; cc ${JSON.stringify(e.sim.control.callcenter.state()).slice(0, 2000)}`,
      );
    });
    expect(leads).toHaveLength(numbers.length);
    const log = originatesOf(e, campaign);
    expect(log).toHaveLength(numbers.length);
    expect(peakInFlight(e, log)).toBeLessThanOrEqual(3);
    // Every customer reached an agent of the campaign, and the record says which and how long: the
    // talk time is the bridge's as the simulator saw it, in whole seconds (these customers talk 3 s
    // from their answer, less its wait in the queue — which a loaded machine makes longer).
    const calls = await callsOfCampaign(e, campaign);
    expect(calls.every((c) => c.answered && !c.abandoned && c.disposition === 'answered')).toBe(true);
    const members = e.sim.callLog.callcenter.members().filter((m) => m.queue === `campaign-${campaign}`);
    for (const c of calls) {
      expect(agents).toContain(c.agent_uuid);
      expect(['1001', '1002', '1003']).toContain(c.agent_extension);
      const m = members.find((x) => x.sessionUuid === c.answered_uuid);
      const bridged = (m!.endedAt! - m!.bridgedAt!) / 1000;
      expect(Math.abs(c.talk_time - bridged), `talk_time ${c.talk_time}, bridged ${bridged} s`).toBeLessThanOrEqual(1);
    }
    expect(members.every((m) => m.result === 'answered' && agents.map(agentName).includes(m.agent!))).toBe(true);
  }, 120_000);

  it('no free agent: no call; a customer no agent takes in time is abandoned, hears the message, is recorded and recalled', async () => {
    await available(agents[0]!);
    const campaign = await autodialer(
      { ratio: 100, recall_times: 1, schedule_recall: 'after', recall_status: ['failed'] },
      { max_wait_time: 2, max_wait_time_with_no_agent: 2 },
      ['0986900001'],
    );
    // The agent answers offers but the bridge never comes: it rings for ever.
    e.sim.control.callcenter.setEndpointRule('1001', { action: 'noanswer' });
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000, recallFloorMs: 500 });
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, campaign);
      return cs.length >= 2 && cs.every((c) => c.state === 'done') ? cs : undefined;
    }, 90_000);
    const first = calls.sort((a, b) => a.attempt - b.attempt)[0]!;
    expect(first).toMatchObject({
      answered: true,
      abandoned: true,
      cancel_reason: 'TIMEOUT',
      disposition: 'failed',
      report: 'cancel',
      agent_uuid: '',
    });
    expect(first.queue_wait).toBeGreaterThanOrEqual(0);
    // The abandon message was played after the queue (the inline dialplan's playback).
    const x = originatesOf(e, campaign)[0]!;
    expect(x.command).toMatch(/callcenter:campaign-[0-9a-f-]+,playback:[^,]+\.wav,hangup inline$/);
    expect(calls.length).toBe(2); // recalled once (recall_status failed)
    e.sim.control.callcenter.clearEndpointRule('1001');
  }, 120_000);

  it("an agent's status set through the API reaches the queue", async () => {
    await available();
    const campaign = await autodialer({ ratio: 100 }, {}, ['0986920001']);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    // Marked running as the API marks a run it starts (control/run.ts): the status change finds its run.
    await updateCampaign(e.mongo.db, e.tenant.domain_uuid, campaign, { status: 'start' });
    const api = apiOf(e);
    const run = e.client.workflow.getHandle(campaignRunWorkflowId(campaign));
    // The run has provisioned mod_callcenter (every agent Logged Out) before the change, so only the
    // API's signal can bring the new status there within the wait below (its own resync is 30 s).
    await waitFor(
      async () => {
        const live = await run.query(agentsQuery);
        return live.length === agents.length && live.every((a) => a.status === 'Logged Out');
      },
      10_000,
      'the agents provisioned Logged Out',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(originatesOf(e, campaign)).toHaveLength(0); // nobody logged in: nothing dialed
    const res = await api.app.request(`/v3/user/${agents[1]}/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'Available' }),
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () => {
        const live = await run.query(agentsQuery);
        return live.find((a) => a.agent_name === agentName(agents[1]!))?.status === 'Available';
      },
      10_000,
      'the agent Available in mod_callcenter',
    );
    await waitFor(() => originatesOf(e, campaign).length === 1, 10_000, 'the customer dialed once an agent is there');
  }, 60_000);

  it('ratio 200: at most six in flight for three free agents; an agent going On Break lowers the pace within a second', async () => {
    await available(...agents);
    const numbers = Array.from({ length: 30 }, (_, i) => `09869300${String(i).padStart(2, '0')}`);
    const campaign = await autodialer({ ratio: 200 }, {}, numbers);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    await waitFor(() => originatesOf(e, campaign).length >= 8, 30_000, 'calls going');
    // Two agents go On Break: one free agent → at most two in flight after the run has looked again.
    await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, agents[1]!, 'On Break');
    await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, agents[2]!, 'On Break');
    await e.client.workflow.getHandle(campaignRunWorkflowId(campaign)).signal('configChanged');
    const changedAt = Date.now();
    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 120_000, 'every lead done');
    const log = originatesOf(e, campaign);
    expect(peakInFlight(e, log)).toBeLessThanOrEqual(6);
    // After the change (a second for the run to look again, and the calls then in flight to end):
    // at most two customers in flight, and only the Available agent takes calls.
    const settledAt = changedAt + 1_000 + 2 * (CUSTOMER.ringMs + 1_000);
    expect(
      peakInFlight(
        e,
        log.filter((x) => x.at >= settledAt),
      ),
    ).toBeLessThanOrEqual(2);
    const later = e.sim.callLog.callcenter.members().filter((m) => m.queue === `campaign-${campaign}` && m.joinedAt >= settledAt);
    expect(later.length).toBeGreaterThan(0);
    // Every customer who reached an agent reached the one still Available (at ratio 200 with one
    // free agent some wait too long and are abandoned: no agent for them).
    expect(later.filter((m) => m.agent).every((m) => m.agent === agentName(agents[0]!))).toBe(true);
  }, 180_000);

  it("the campaign's strategy reaches mod_callcenter: round-robin shares the calls", async () => {
    await available(agents[0]!, agents[1]!);
    const numbers = Array.from({ length: 6 }, (_, i) => `09869400${String(i).padStart(2, '0')}`);
    const campaign = await autodialer({ ratio: 100, concurrent_call: 1, call_center_queue_strategy: 'round-robin' }, {}, numbers);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 90_000, 'every lead done');
    const members = e.sim.callLog.callcenter
      .members()
      .filter((m) => m.queue === `campaign-${campaign}`)
      .sort((a, b) => a.joinedAt - b.joinedAt);
    const a = members.map((m) => m.agent);
    expect(new Set(a)).toEqual(new Set([agentName(agents[0]!), agentName(agents[1]!)]));
    for (let i = 1; i < a.length; i++) expect(a[i], `call ${i + 1} went to the other agent`).not.toBe(a[i - 1]);
  }, 120_000);
});
