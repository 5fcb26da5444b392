// Window gating: a run started before today's window opens places no call until the opening (a
// durable timer), then dials; every originate in the simulator's log is at or after the opening.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

/** HH:MM:SS of an instant in Asia/Ho_Chi_Minh (UTC+7, no DST): the test tenant's zone. */
const hcm = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(11, 19);

describe('dialing window', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ default: { action: 'answer', ringMs: 20, talkMs: 50 } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('waits for a window that opens during the test, then dials', async () => {
    // Opens in 5-6 s (whole seconds: the window has second resolution), closes an hour later.
    const opening = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    const campaign = await e.campaign({ concurrent_call: 2, local_start_time: hcm(opening), local_end_time: hcm(opening + 3_600_000) });
    await e.addLeads(campaign, ['0984000001', '0984000002', '0984000003']);
    await e.startRun(campaign, { pollLeadsMs: 300 });

    // Under heavy load the run may first look after the opening: the closed state is checked when seen.
    const seen = await waitFor(async () => {
      const p = await e.progress(campaign).catch(() => undefined);
      if (p && p.window_open === false) return { closed: true, next: p.next_opening };
      return Date.now() > opening ? { closed: false, next: null } : undefined;
    });
    if (seen.closed) expect(seen.next).toBe(opening);

    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 60_000, 'leads done');
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(3);
    for (const x of log) expect(x.at).toBeGreaterThanOrEqual(opening);
    expect((await e.progress(campaign)).window_open).toBe(true);
  });
});
