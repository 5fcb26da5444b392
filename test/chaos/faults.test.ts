// Fault runs, CI-sized (tens of leads, seconds per fault), on real servers (issue 18): a worker
// SIGKILLed and restarted; a worker killed for good with a second one running; the Temporal dev
// server SIGKILLed and restarted; the store SIGKILLed and restarted; the ESL connections dropped;
// events lost; the callback receiver down. After each: the invariants of stack.ts checkInvariants,
// and the time from the fault (or the restart) to the next originate.
import { afterEach, describe, expect, it } from 'vitest';
import { chaosStack, checkInvariants, firstOriginateAfter, settled, type ChaosStack } from './stack.ts';
import { waitFor } from '../engine/harness.ts';
import type { CampaignSettings } from '../../domain/campaign.ts';

const RULES = {
  default: { action: 'answer' as const, ringMs: 50, talkMs: 1_200 },
  numbers: {
    '0986500*': [
      { action: 'busy' as const, ringMs: 30 },
      { action: 'answer' as const, ringMs: 50, talkMs: 600 },
    ], // busy, then answers the recall
  },
};
const CAP = 5;
const SETTINGS: Partial<CampaignSettings> = {
  concurrent_call: CAP,
  recall_times: 1,
  schedule_recall: 'after',
  recall_status: ['busy', 'failed', 'no-answered', 'not-available'],
};
const OPTIONS = { reconcileAfterMs: 2_000, recallFloorMs: 500, pollLeadsMs: 300 };
const numbers = (n: number) => [
  ...Array.from({ length: 4 }, (_, i) => `09865000${String(i).padStart(2, '0')}`),
  ...Array.from({ length: n - 4 }, (_, i) => `09865100${String(i).padStart(2, '0')}`),
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Liveness, not speed: dialing resumes after the fault within this bound. The recovery times
 *  themselves (goal ≤ 10 s, docs/engine.md) are measured in bench/chaos.ts and BENCHMARKS.md —
 *  a loaded CI machine must not fail the build on them. */
const RESUMES_WITHIN_MS = 60_000;

describe('faults', () => {
  let s: ChaosStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  async function run(
    fault: (s: ChaosStack, campaign: string) => Promise<number | void>,
    opts: Parameters<typeof chaosStack>[1] = {},
    workers = 1,
  ) {
    s = await chaosStack(RULES, opts);
    for (let i = 0; i < workers; i++) s.startWorker();
    const list = numbers(24);
    const campaign = await s.campaign(SETTINGS, list, OPTIONS);
    await waitFor(() => s!.originates(campaign).length >= 6, 60_000, 'calls before the fault');
    const recoveredFrom = await fault(s, campaign);
    await settled(s, campaign, list.length);
    await checkInvariants(s, campaign, CAP);
    if (typeof recoveredFrom === 'number') {
      const next = firstOriginateAfter(s, campaign, recoveredFrom);
      // Measured, for BENCHMARKS.md: the time from the fault's end to the next originate.
      console.log(`[chaos] ${expect.getState().currentTestName}: next originate ${next! - recoveredFrom} ms after the fault`);
      expect(next, 'an originate after the fault').toBeDefined();
      expect(next! - recoveredFrom, 'time to the next originate').toBeLessThanOrEqual(RESUMES_WITHIN_MS);
    }
  }

  it('worker SIGKILLed and restarted', async () => {
    await run(async (s) => {
      const w = s.workers[0]!;
      w.child.kill('SIGKILL');
      await w.exited();
      await sleep(1_000);
      s.startWorker();
      return Date.now();
    });
  }, 240_000);

  it('worker killed for good while a second one runs', async () => {
    await run(
      async (s) => {
        const w = s.workers[0]!;
        w.child.kill('SIGKILL');
        await w.exited();
        return Date.now();
      },
      {},
      2,
    );
  }, 240_000);

  it('Temporal SIGKILLed and restarted', async () => {
    await run(
      async (s) => {
        await s.temporalProc!.crash();
        await sleep(1_000);
        await s.restartTemporal();
        return Date.now();
      },
      { ownTemporal: true },
    );
  }, 240_000);

  it('store SIGKILLed and restarted', async () => {
    await run(
      async (s) => {
        await s.storeProc!.crash();
        await sleep(2_000);
        await s.restartStore();
        return Date.now();
      },
      { ownStore: true },
    );
  }, 240_000);

  it('ESL connections dropped, twice', async () => {
    await run(async (s) => {
      for (const sim of s.sims) sim.dropConnections();
      await sleep(1_500);
      for (const sim of s.sims) sim.dropConnections();
      return Date.now();
    });
  }, 240_000);

  it('30 % of events lost for a while', async () => {
    await run(async (s) => {
      for (const sim of s.sims) sim.control.setEventLoss(0.3);
      await sleep(5_000);
      for (const sim of s.sims) sim.control.setEventLoss(0);
    });
  }, 240_000);

  it('the callback receiver down for a while', async () => {
    await run(async (s) => {
      await s.receiver.close();
      await sleep(4_000);
      await s.receiver.listen();
    });
  }, 240_000);
});
