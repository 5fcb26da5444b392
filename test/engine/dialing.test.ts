// The engine end to end: mixed outcomes, recalls on time, the cap proven from the simulator's log,
// one originate per attempt, every call recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadWorkflowId } from '../../workflows/contract.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

const ANSWER = { action: 'answer' as const, ringMs: 20, talkMs: 150 };
const RULES = {
  default: ANSWER,
  numbers: {
    '0981000002': { action: 'busy' as const, ringMs: 20 },
    '0981000003': [{ action: 'busy' as const, ringMs: 20 }, ANSWER],
    '0981000004': { action: 'unallocated' as const, ringMs: 10 },
    '0981000005': { action: 'noanswer' as const },
  },
};

describe('dialing engine', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine(RULES);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('dials mixed outcomes, recalls on time, never above the cap, one originate per attempt', async () => {
    const cap = 3;
    const campaign = await e.campaign({ concurrent_call: cap, recall_times: 2, schedule_recall: 'after', call_timeout: 30 });
    const answered = Array.from({ length: 8 }, (_, i) => `09810001${String(i).padStart(2, '0')}`);
    const numbers = ['0981000002', '0981000003', '0981000004', '0981000005', ...answered, '12345'];
    const leads = await e.addLeads(campaign, numbers);
    await e.startRun(campaign, { recallFloorMs: 400, reconcileAfterMs: 5_000, pollLeadsMs: 300 });

    const final = await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, campaign);
        return ls.every((l) => l.status === 'done' || l.status === 'invalid') ? ls : undefined;
      },
      90_000,
      'every lead done',
    );
    const byNumber = Object.fromEntries(final.map((l) => [l.phone_number, l]));
    expect(byNumber['0981000002']!.attempts).toBe(3); // busy: first call + 2 recalls
    expect(byNumber['0981000002']!.disposition).toBe('busy');
    expect(byNumber['0981000003']!.attempts).toBe(2); // busy, then answered
    expect(byNumber['0981000003']!.disposition).toBe('answered');
    expect(byNumber['0981000004']!.attempts).toBe(1); // invalid-number is never recalled
    expect(byNumber['0981000004']!.disposition).toBe('invalid-number');
    expect(byNumber['0981000005']!.attempts).toBe(3);
    expect(byNumber['0981000005']!.disposition).toBe('no-answered');
    for (const n of answered) expect(byNumber[n]!.disposition).toBe('answered');
    expect(byNumber['12345']!.status).toBe('invalid');

    const log = originatesOf(e, campaign);
    // The cap, from what the far end saw.
    expect(e.sim.callLog.peakConcurrency((x) => x.variables.campaign_uuid === campaign)).toBeLessThanOrEqual(cap);
    // One originate per attempt: origination uuids (= call ids) are unique, and as many as attempts.
    const callIds = log.map((x) => x.variables.cr_call_id ?? x.legs[0]?.variables.origination_uuid);
    expect(new Set(callIds).size).toBe(log.length);
    const attempts = final.reduce((s, l) => s + l.attempts, 0);
    expect(log.length).toBe(attempts);
    expect(log.some((x) => x.legs.some((l) => l.number === '12345'))).toBe(false);

    // Every call recorded once, with the outcome the far end produced.
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, campaign);
      return cs.filter((c) => c.dialed).length === log.length && cs.every((c) => c.state === 'done') ? cs : undefined;
    });
    expect(new Set(calls.filter((c) => c.dialed).map((c) => c.call_id))).toEqual(new Set(callIds));
    const busyCalls = calls.filter((c) => c.phone_number === '0981000002');
    expect(busyCalls.map((c) => c.hangup_cause)).toEqual(['USER_BUSY', 'USER_BUSY', 'USER_BUSY']);

    // Recalls on time: not before the recall delay after the previous call ended.
    const busyLog = log.filter((x) => x.legs.some((l) => l.number === '0981000002')).sort((a, b) => a.at - b.at);
    for (let i = 1; i < busyLog.length; i++) {
      const prevEnd = busyLog[i - 1]!.completedAt ?? busyLog[i - 1]!.at;
      expect(busyLog[i]!.at - prevEnd).toBeGreaterThanOrEqual(350);
    }

    // The release signal follows the record: poll for the run to see every slot back.
    const p = await waitFor(async () => {
      const q = await e.progress(campaign);
      return q.dialing === 0 && q.calls === log.length ? q : undefined;
    });
    expect(p.calls).toBe(log.length);
    expect(p.max_dialing).toBeLessThanOrEqual(cap);
    expect(leads.length).toBe(numbers.length);
  });

  it("starts lead workflows eagerly: their first workflow task comes back with the start to the worker's own connection", async () => {
    const campaign = await e.campaign({ concurrent_call: 5, recall_times: 0 });
    const leads = await e.addLeads(
      campaign,
      Array.from({ length: 5 }, (_, i) => `09820001${String(i).padStart(2, '0')}`),
    );
    await e.startRun(campaign, { pollLeadsMs: 300 });
    await waitFor(async () => ((await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done') ? true : undefined), 60_000);
    // The server marks a start whose first workflow task went back with it. A start finds a free
    // workflow-task slot on the worker or goes the usual way, so at least one, not every one.
    const eager = await Promise.all(
      leads.map(async (l) => {
        const { events } = await e.client.workflow.getHandle(leadWorkflowId(l.lead_uuid)).fetchHistory();
        return events?.[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted === true;
      }),
    );
    expect(eager.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });
});
