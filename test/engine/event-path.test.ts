// The FreeSWITCH event path on real servers (issue 18, and issue 14's records of calls cut short):
// one listener per node whatever the number of workers, hangups that never reached the product
// found from FreeSWITCH's CDRs, calls on a FreeSWITCH that died recorded from what was seen.
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignSettings } from '../../domain/campaign.ts';
import { cdrsOf } from '../../storage/cdrs.ts';
import { createDialPool, createWorker } from '../../worker/create.ts';
import { leadWorkflowId } from '../../workflows/contract.ts';
import { nodeListenerWorkflowId } from '../../workflows/node-listener.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

const RECALL_ALL: Partial<CampaignSettings> = {
  recall_times: 2,
  schedule_recall: 'after',
  recall_status: ['busy', 'failed', 'no-answered', 'not-available', 'congestion'],
};
const ENGINE = { reconcileAfterMs: 1_500, recallFloorMs: 300, pollLeadsMs: 300 };

/** callEvent signals a lead workflow received (its history). */
async function callEventSignals(e: Engine, lead_uuid: string): Promise<number> {
  const h = await e.client.workflow.getHandle(leadWorkflowId(lead_uuid)).fetchHistory();
  return (h.events ?? []).filter((x) => x.workflowExecutionSignaledEventAttributes?.signalName === 'callEvent').length;
}

const allDone = (e: Engine, campaign: string, n: number) =>
  waitFor(
    async () => {
      const ls = await leadsOfCampaign(e, campaign);
      return ls.length === n && ls.every((l) => l.status === 'done') ? ls : undefined;
    },
    60_000,
    'every lead done',
  );

describe('two workers', () => {
  let e: Engine;
  let second: { worker: Worker; done: Promise<void>; native: NativeConnection; close(): Promise<void> };

  beforeAll(async () => {
    e = await startEngine({ default: { action: 'answer', ringMs: 20, talkMs: 200 } });
    const native = await NativeConnection.connect({ address: e.config.TEMPORAL_ADDRESS });
    const pool = createDialPool(e.config);
    pool.on('error', () => {});
    await pool.start();
    const worker = await createWorker(native, {
      config: e.config,
      db: e.mongo.db,
      logger: pino({ level: 'silent' }),
      esl: pool,
    });
    const done = worker.run();
    second = {
      worker,
      done,
      native,
      async close() {
        worker.shutdown();
        await done.catch(() => {});
        await Promise.allSettled([pool.close(), native.close()]);
      },
    };
  });
  afterAll(async () => {
    await second?.close();
    await e?.close();
  });

  it('one listener per node: one callEvent signal per hangup', async () => {
    const campaign = await e.campaign({ concurrent_call: 4 });
    const leads = await e.addLeads(
      campaign,
      Array.from({ length: 8 }, (_, i) => `09864000${String(i).padStart(2, '0')}`),
    );
    await e.startRun(campaign, ENGINE);
    await allDone(e, campaign, leads.length);
    for (const l of leads) expect(await callEventSignals(e, l.lead_uuid), l.lead_uuid).toBe(1);
    const listener = await e.client.workflow.getHandle(nodeListenerWorkflowId(e.config.eslNodes[0]!.name)).describe();
    expect(listener.raw.pendingActivities?.length).toBe(1);
  }, 90_000);
});

describe('hangup events lost', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ default: { action: 'answer', ringMs: 20, talkMs: 1_100 } }, { cdr: true });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('finds the outcome in the CDR: the answered call is recorded as it was and never dialed again', async () => {
    const campaign = await e.campaign({ concurrent_call: 3, ...RECALL_ALL });
    const numbers = Array.from({ length: 6 }, (_, i) => `09864100${String(i).padStart(2, '0')}`);
    const leads = await e.addLeads(campaign, numbers);
    e.sim.control.dropNextEvents(6, 'CHANNEL_HANGUP_COMPLETE'); // no hangup event reaches the product
    await e.startRun(campaign, ENGINE);
    await allDone(e, campaign, leads.length);
    const calls = await callsOfCampaign(e, campaign);
    expect(calls).toHaveLength(numbers.length);
    for (const c of calls) {
      expect(c, c.phone_number).toMatchObject({
        answered: true,
        disposition: 'answered',
        hangup_cause: 'NORMAL_CLEARING',
        reconciled: false,
      });
      expect(c.billsec).toBeGreaterThanOrEqual(1);
      expect(c.ended_at!.getTime()).toBeGreaterThanOrEqual(c.answered_at!.getTime());
    }
    for (const n of numbers) expect(e.sim.callLog.byNumber(n)).toHaveLength(1);
    expect(await cdrsOf(e.mongo.db).countDocuments({})).toBeGreaterThanOrEqual(numbers.length);
    for (const l of leads) expect(await callEventSignals(e, l.lead_uuid)).toBe(0); // really lost
  }, 90_000);
});

describe('FreeSWITCH dies with calls up', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine(
      {
        numbers: {
          '0986420*': { action: 'answer', ringMs: 20, talkMs: null }, // in conversation when it dies
          '0986421*': { action: 'noanswer' }, // still ringing
        },
        default: { action: 'answer', ringMs: 20, talkMs: 200 },
      },
      { timeScale: 1 },
    );
  });
  afterAll(async () => {
    await e?.close();
  });

  it('records what was seen: the answer, an end no later than the loss, NODE_LOST, no waiting time', async () => {
    const campaign = await e.campaign({ concurrent_call: 4, recall_times: 0, call_timeout: 60 });
    const numbers = ['0986420001', '0986420002', '0986421001', '0986421002'];
    await e.addLeads(campaign, numbers);
    await e.startRun(campaign, ENGINE);
    await waitFor(
      () => e.sim.control.channels().filter((c) => c.answerState === 'answered').length === 2 && e.sim.control.channels().length === 4,
      30_000,
      'two talking, two ringing',
    );
    await new Promise((r) => setTimeout(r, 1_200)); // talk a little
    const crashAt = Date.now();
    await e.sim.restart({ downMs: 2_000 });
    await allDone(e, campaign, numbers.length);
    const doneAt = Date.now();
    const calls = await callsOfCampaign(e, campaign);
    const byNumber = new Map(calls.map((c) => [c.phone_number, c]));
    for (const n of ['0986420001', '0986420002']) {
      const c = byNumber.get(n)!;
      expect(c, n).toMatchObject({ answered: true, disposition: 'answered', hangup_cause: 'NODE_LOST', reconciled: true });
      expect(c.answered_at).not.toBeNull();
      expect(c.ended_at!.getTime()).toBeLessThanOrEqual(crashAt + 1_000);
      expect(c.billsec).toBe(Math.floor((c.ended_at!.getTime() - c.answered_at!.getTime()) / 1000));
      expect(c.billsec).toBeGreaterThanOrEqual(1);
      expect(c.duration).toBeLessThanOrEqual(Math.ceil((crashAt + 1_000 - c.created_at.getTime()) / 1000));
    }
    for (const n of ['0986421001', '0986421002']) {
      const c = byNumber.get(n)!;
      expect(c, n).toMatchObject({ answered: false, disposition: 'failed', hangup_cause: 'NODE_LOST' });
      expect(c.ended_at!.getTime()).toBeLessThanOrEqual(crashAt + 1_000); // the down time is not ring time
      expect(c.ended_at!.getTime()).toBeGreaterThanOrEqual(c.created_at.getTime());
    }
    for (const c of calls) expect(c.ended_at!.getTime()).toBeLessThanOrEqual(doneAt);
    expect(originatesOf(e, campaign)).toHaveLength(4);
  }, 90_000);
});
