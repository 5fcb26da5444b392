// The predictive pace end to end (queue setting `predictive`, docs/autodialer.md): the ratio counts
// every Available agent, talking ones too, so customers are dialed while all agents still talk —
// which the plain pace never does — and lines in use (ringing + waiting + talking) stay within
// Available agents × the level. Real servers: the worker, the Temporal dev server, the store, the
// API (mod_xml_curl gateway) and the simulator's mod_callcenter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAgentStatus } from '../../storage/agents.ts';
import { users } from '../../storage/directory.ts';
import { updateQueueSettings } from '../../storage/queue-settings.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const SCALE = 0.1; // the queue's second-based limits tick 10× faster; call and agent times are ms
const RULES = {
  mediaMs: 300,
  missingMedia: 'play' as const,
  // Customers answer fast and talk long: agents are busy most of the time.
  default: { action: 'answer' as const, ringMs: 150, talkMs: 3_000 },
  // …and every other number is busy: its line frees at once, while the agents still talk.
  numbers: { '0986971*': { action: 'busy' as const, ringMs: 100 } },
  callcenter: { defaultEndpoint: { action: 'answer' as const, ringMs: 200, talkMs: null } },
};

describe('the predictive pace', () => {
  let e: Engine;
  const agents: string[] = [];

  beforeAll(async () => {
    e = await startEngine(RULES, { callcenter: true, timeScale: SCALE, env: { AUDIO_DELIVERY: 'path' } });
    for (const ext of ['1101', '1102', '1103']) {
      const u = await users(e.mongo.db).create(e.tenant.domain_uuid, {
        username: `agent${ext}`,
        extension: ext,
        display_name: `Agent ${ext}`,
        enabled: true,
      });
      agents.push(u.user_uuid);
      await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, u.user_uuid, 'Available');
    }
  });
  afterAll(async () => {
    await e?.close();
  });

  it('dials while every agent talks, and keeps lines in use within agents × level', async () => {
    const campaign = await e.campaign({ type: 'autodialer', users: agents, call_center_queue_strategy: 'top-down', ratio: 200 });
    // Level fixed at 200 (adaptive off): 3 agents → at most 6 customer calls up at once, talking included.
    await updateQueueSettings(e.mongo.db, e.tenant.domain_uuid, campaign, {
      wrap_up_time: 0,
      agent_ring_timeout: 5,
      max_wait_time: 100,
      predictive: true,
      adaptive: false,
    });
    const numbers = Array.from({ length: 24 }, (_, i) => `098697${i % 2}0${String(i).padStart(2, '0')}`);
    await e.addLeads(campaign, numbers);
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 10_000 });
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
    // Agents talking at t for at least 1.5 s: past the pace's one-second look at the queue, so the
    // plain pace sees them busy too (and dials nothing for them).
    const settled = (t: number) =>
      members.filter((m) => m.bridgedAt !== undefined && m.bridgedAt <= t - 1_500 && (m.endedAt ?? Infinity) > t).length;
    // Pre-dialing: customers were dialed while all three agents were (well into) talking.
    expect(log.filter((x) => settled(x.at) === 3).length).toBeGreaterThanOrEqual(2);
    // Lines in use: every customer call from its originate to its end, at most 6 at any moment.
    const edges = log.flatMap((x) => [
      { t: x.at, d: 1 },
      { t: x.endedAt ?? x.completedAt ?? Date.now(), d: -1 },
    ]);
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let up = 0;
    let peak = 0;
    for (const ed of edges) peak = Math.max(peak, (up += ed.d));
    expect(peak).toBeLessThanOrEqual(6);
    // Every call is recorded: the busy ones busy, the answered ones with an agent or abandoned.
    const calls = await callsOfCampaign(e, campaign);
    expect(calls).toHaveLength(numbers.length);
    expect(calls.filter((c) => c.answered)).toHaveLength(12);
    expect(calls.filter((c) => agents.includes(c.agent_uuid ?? '')).length).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
