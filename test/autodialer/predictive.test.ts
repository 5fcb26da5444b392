// The predictive pace end to end (queue setting `predictive`, docs/autodialer.md): once the run has
// seen how long its calls last, customers are dialed for agents expected to finish soon, while they
// still talk — which the plain pace never does — and lines in use (ringing + waiting + talking) stay
// within Available agents × the configured ratio. Real servers: the worker, the Temporal dev server, the store, the
// API (mod_xml_curl gateway) and the simulator's mod_callcenter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents } from './agents.ts';
import { updateQueueSettings } from '../../storage/queue-settings.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const SCALE = 0.1; // the queue's second-based limits tick 10× faster; call and agent times are ms
const RULES = {
  mediaMs: 300,
  missingMedia: 'play' as const,
  // The two customers who answer talk 8 s with the agent…
  default: { action: 'answer' as const, ringMs: 150, talkMs: 8_000 },
  // …and every other number is busy: its line frees at once, while the agent still talks.
  numbers: { '0986971*': { action: 'busy' as const, ringMs: 100 } },
  callcenter: { defaultEndpoint: { action: 'answer' as const, ringMs: 200, talkMs: null } },
};

describe('the predictive pace', () => {
  let e: Engine;
  const agents: string[] = [];

  beforeAll(async () => {
    e = await startEngine(RULES, { callcenter: true, timeScale: SCALE, env: { AUDIO_DELIVERY: 'path' } });
    agents.push(...(await createAgents(e, ['1101'], { available: true })));
  });
  afterAll(async () => {
    await e?.close();
  });

  it('dials while the agent talks once a talk time is known, and keeps lines in use within agents × ratio', async () => {
    // One agent, ratio 300 (adaptive off: level 100): at most 3 customer calls up at once, talking included.
    const campaign = await e.campaign({ type: 'autodialer', users: [agents[0]!], call_center_queue_strategy: 'top-down', ratio: 300 });
    await updateQueueSettings(e.mongo.db, e.tenant.domain_uuid, campaign, {
      wrap_up_time: 0,
      agent_ring_timeout: 5,
      max_wait_time: 100,
      predictive: true,
      adaptive: false,
    });
    // The first two customers answer; the 20 after them are busy.
    const numbers = ['0986970000', '0986970001', ...Array.from({ length: 20 }, (_, i) => `09869710${String(i).padStart(2, '0')}`)];
    await e.addLeads(campaign, numbers);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 15_000 });
    await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, campaign);
        return ls.length === numbers.length && ls.every((l) => l.status === 'done') ? ls : undefined;
      },
      120_000,
      'every lead done',
    );
    const log = originatesOf(e, campaign);
    expect(log).toHaveLength(numbers.length);
    const members = e.sim.callLog.callcenter.members().filter((m) => m.queue === `campaign-${campaign}`);
    expect(members).toHaveLength(2);
    const [first, member] = members;
    expect(first?.bridgedAt).toBeDefined();
    expect(member?.bridgedAt).toBeDefined();
    // During the first talk nothing is known of talk times: nothing is dialed while it lasts.
    expect(log.filter((x) => x.at >= first!.bridgedAt! + 1_500 && x.at < (first!.endedAt ?? Infinity))).toHaveLength(0);
    // During the second the agent is expected to finish within the horizon (the first talk took
    // 8 s): dialed while the agent had been talking for at least 1.5 s (past the pace's one-second
    // look at the queue, where the plain pace sees no free agent and dials nothing): the pre-dials.
    const predials = log.filter((x) => x.at >= member!.bridgedAt! + 1_500 && x.at < (member!.endedAt ?? Infinity));
    expect(predials.length).toBeGreaterThanOrEqual(2);
    // Lines in use: every customer call from its originate to its end, at most 3 at any moment.
    const edges = log.flatMap((x) => [
      { t: x.at, d: 1 },
      { t: x.endedAt ?? x.completedAt ?? Date.now(), d: -1 },
    ]);
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let up = 0;
    let peak = 0;
    for (const ed of edges) peak = Math.max(peak, (up += ed.d));
    expect(peak).toBeLessThanOrEqual(3);
    // Every call is recorded: the answered ones with the agent, the others busy.
    const calls = await callsOfCampaign(e, campaign);
    expect(calls).toHaveLength(numbers.length);
    const answered = calls.filter((c) => c.answered);
    // What the record was made from, should it lack the agent (seen once on a loaded landing run).
    const seen = answered.map(({ agent_uuid, reconciled, hangup_cause, talk_time, queue_wait, answered_uuid, billsec }) => ({
      agent_uuid,
      reconciled,
      hangup_cause,
      talk_time,
      queue_wait,
      billsec,
      member: members.find((m) => m.sessionUuid === answered_uuid),
    }));
    expect(
      answered.map((c) => c.agent_uuid),
      JSON.stringify(seen),
    ).toEqual([agents[0], agents[0]]);
  }, 180_000);
});
