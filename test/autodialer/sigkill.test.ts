// The worker SIGKILLed mid-run on an autodialer campaign: no call and no record lost, no number
// dialed twice, every customer bridged to an agent recorded with that agent, no agent left stuck
// (all back to Available / Waiting in mod_callcenter), and calls bridged when the worker died went
// on to their end (nothing hangs a bridged customer up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentName, setAgentStatus } from '../../storage/agents.ts';
import { users } from '../../storage/directory.ts';
import { updateQueueSettings } from '../../storage/queue-settings.ts';
import { parseCcList } from '../../telephony/callcenter.ts';
import {
  callsOfCampaign,
  leadsOfCampaign,
  originatesOf,
  spawnWorker,
  startEngine,
  waitFor,
  type Engine,
  type WorkerProcess,
} from '../engine/harness.ts';

describe('autodialer: worker killed mid-run', () => {
  let e: Engine;
  let worker: WorkerProcess | undefined;
  const agents: string[] = [];

  beforeAll(async () => {
    e = await startEngine(
      {
        mediaMs: 300,
        missingMedia: 'play',
        default: { action: 'answer', ringMs: 150, talkMs: 2_500 },
        callcenter: { defaultEndpoint: { action: 'answer', ringMs: 200, talkMs: null } },
      },
      // With CDRs, as in production: a hangup that happened while no listener ran is found there.
      { callcenter: true, cdr: true, timeScale: 0.1, inProcessWorker: false, env: { AUDIO_DELIVERY: 'path' } },
    );
    for (const ext of ['2001', '2002', '2003']) {
      const u = await users(e.mongo.db).create(e.tenant.domain_uuid, {
        username: `k${ext}`,
        extension: ext,
        display_name: ext,
        enabled: true,
      });
      agents.push(u.user_uuid);
      await setAgentStatus(e.mongo.db, e.tenant.domain_uuid, u.user_uuid, 'Available');
    }
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await e?.close();
  });

  it('loses nothing and leaves no agent stuck', async () => {
    const campaign = await e.campaign({ type: 'autodialer', users: agents, ratio: 100, call_center_queue_strategy: 'top-down' });
    await updateQueueSettings(e.mongo.db, e.tenant.domain_uuid, campaign, { wrap_up_time: 0, agent_ring_timeout: 5 });
    const numbers = Array.from({ length: 15 }, (_, i) => `09869600${String(i).padStart(2, '0')}`);
    await e.addLeads(campaign, numbers);
    worker = spawnWorker(e, { AUDIO_DELIVERY: 'path' });
    await e.startRun(campaign, { pollLeadsMs: 300, reconcileAfterMs: 5_000 });
    await waitFor(
      () => e.sim.callLog.callcenter.members().filter((m) => m.queue === `campaign-${campaign}` && m.bridgedAt).length >= 3,
      60_000,
      'three customers with agents',
    );
    worker.child.kill('SIGKILL');
    await worker.exited();
    await new Promise((r) => setTimeout(r, 1_000));
    worker = spawnWorker(e, { AUDIO_DELIVERY: 'path' });

    await waitFor(
      async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'),
      120_000,
      `every lead done (${worker.output()})`,
    );
    const log = originatesOf(e, campaign);
    const ids = log.map((x) => x.variables.cr_call_id!);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of numbers) expect(e.sim.callLog.byNumber(n), n).toHaveLength(1);
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, campaign);
      return cs.length === log.length && cs.every((c) => c.state === 'done') ? cs : undefined;
    });
    const members = new Map(e.sim.callLog.callcenter.members().map((m) => [m.sessionUuid, m]));
    for (const c of calls) {
      const m = members.get(c.call_id)!;
      expect(m, c.call_id).toBeDefined();
      // Bridged customers talked to the end (the customer's 2.5 s), never cut by the restart.
      expect(c.answered).toBe(true);
      if (m.result === 'answered') {
        expect(c.agent_uuid && agentName(c.agent_uuid)).toBe(m.agent);
        expect(c.talk_time).toBeGreaterThanOrEqual(2);
      }
    }
    // No agent stuck: each is Available and Waiting again.
    const rows = parseCcList(await e.sim.control.api('callcenter_config agent list'));
    for (const a of agents) expect(rows.find((r) => r.name === agentName(a))).toMatchObject({ status: 'Available', state: 'Waiting' });
  }, 240_000);
});
