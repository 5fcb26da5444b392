// Calling within the rules on the real stack (simulator, Temporal, store, the worker): contact
// limits across campaigns of one tenant (counted from the simulator's call log), the tenant's
// do-not-call list taking effect mid-run, a restricted period closing every campaign until its end.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { putHolidays } from '../../storage/holidays.ts';
import { putTenantPolicy } from '../../storage/policy.ts';
import { campaignRunWorkflowId, leadStateQuery, leadWorkflowId, stopSignal, type LeadState } from '../../workflows/contract.ts';
import { leadsOfCampaign, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const OPTS = { pollLeadsMs: 300, recallFloorMs: 200 };
const H24 = 86_400_000;
let e: Engine;
beforeAll(async () => {
  e = await startEngine({ default: { action: 'answer', ringMs: 20, talkMs: 300 } });
});
afterAll(async () => {
  await e?.close();
});

const leadState = (lead_uuid: string) => e.client.workflow.getHandle(leadWorkflowId(lead_uuid)).query(leadStateQuery);
const stop = (campaign_uuid: string) => e.client.workflow.getHandle(campaignRunWorkflowId(campaign_uuid)).signal(stopSignal);
const e164 = (national: string) => national; // the simulator logs the number as dialed (national form)
const noPolicy = { max_calls_per_number_24h: null, max_calls_per_number_day: null, allowed_hours: null };

describe('contact limits across campaigns', () => {
  it('1 call per number per 24 h: two campaigns started at the same moment dial each number once; the other lead waits, then is skipped when its run stops', async () => {
    await putTenantPolicy(e.mongo.db, e.tenant.domain_uuid, { ...noPolicy, max_calls_per_number_24h: 1 });
    const numbers = ['0961000001', '0961000002', '0961000003'];
    const a = await e.campaign({ concurrent_call: 3 });
    const b = await e.campaign({ concurrent_call: 3 });
    const leads = [...(await e.addLeads(a, numbers)), ...(await e.addLeads(b, numbers))];
    await Promise.all([e.startRun(a, OPTS), e.startRun(b, OPTS)]);

    // Each number: one lead called, the other held back (waiting_limit) until that call + 24 h.
    const states = await waitFor(
      async () => {
        const s = await Promise.all(leads.map((l) => leadState(l.lead_uuid)));
        return s.filter((x) => x.status === 'done').length === 3 && s.filter((x) => x.status === 'waiting_limit').length === 3
          ? s
          : undefined;
      },
      90_000,
      'three calls done and three leads waiting for the limit',
    );
    for (const n of numbers) expect(e.sim.callLog.byNumber(e164(n))).toHaveLength(1);
    numbers.forEach((n, i) => {
      const called = e.sim.callLog.byNumber(n)[0]!;
      const held = [states[i]!, states[i + 3]!].find((s) => s.status === 'waiting_limit') as LeadState;
      expect(held.next_attempt_at).toBeGreaterThan(called.at + H24 - 30_000);
      expect(held.next_attempt_at).toBeLessThanOrEqual(called.at + H24);
      expect(held.attempts).toBe(0); // not an attempt
    });
    // The runs hold no slot for the waiting leads.
    expect((await e.progress(a)).dialing + (await e.progress(b)).dialing).toBe(0);
    expect(((await e.progress(a)).waiting_limit ?? 0) + ((await e.progress(b)).waiting_limit ?? 0)).toBe(3);

    await Promise.all([stop(a), stop(b)]);
    await waitFor(
      async () =>
        (await Promise.all([a, b].map((c) => leadsOfCampaign(e, c)))).flat().filter((l) => (l.status as string) === 'skipped').length === 3,
      60_000,
      'the held leads recorded skipped',
    );
    const skipped = (await Promise.all([a, b].map((c) => leadsOfCampaign(e, c)))).flat().filter((l) => (l.status as string) === 'skipped');
    expect(skipped.map((l) => l.attempts)).toEqual([0, 0, 0]);
    for (const n of numbers) expect(e.sim.callLog.byNumber(n)).toHaveLength(1);
  }, 150_000);

  it('2 calls per number per day: three campaigns started at the same moment place exactly two calls to it', async () => {
    await putTenantPolicy(e.mongo.db, e.tenant.domain_uuid, { ...noPolicy, max_calls_per_number_day: 2 });
    const n = '0961000009';
    const campaigns = await Promise.all([0, 1, 2].map(() => e.campaign({ concurrent_call: 1 })));
    const leads = (await Promise.all(campaigns.map((c) => e.addLeads(c, [n])))).flat();
    await Promise.all(campaigns.map((c) => e.startRun(c, OPTS)));
    await waitFor(
      async () => {
        const s = await Promise.all(leads.map((l) => leadState(l.lead_uuid).catch(() => undefined)));
        return s.filter((x) => x?.status === 'done').length === 2 && s.filter((x) => x?.status === 'waiting_limit').length === 1;
      },
      90_000,
      'two calls and one lead held',
    );
    expect(e.sim.callLog.byNumber(n)).toHaveLength(2);
    await Promise.all(campaigns.map(stop));
  }, 150_000);
});

describe('the tenant do-not-call list', () => {
  it('a number added mid-run is never dialed after the API answered; its lead is recorded do_not_call', async () => {
    await putTenantPolicy(e.mongo.db, e.tenant.domain_uuid, noPolicy);
    const app = createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: pino({ level: 'silent' }) }, mountRoutes);
    const numbers = Array.from({ length: 8 }, (_, i) => `09620000${String(i).padStart(2, '0')}`);
    const c = await e.campaign({ concurrent_call: 1 });
    await e.addLeads(c, numbers);
    await e.startRun(c, OPTS);
    await waitFor(() => e.sim.callLog.byNumber(numbers[0]!).length > 0, 60_000, 'the first call');

    const res = await app.request('/v3/dnc', {
      method: 'POST',
      headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ numbers, reason: 'asked mid-run' }),
    });
    const answered = Date.now();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ added: 8, rejected: 0 });

    await waitFor(
      async () => (await leadsOfCampaign(e, c)).every((l) => l.status === 'done' || l.status === 'do_not_call'),
      60_000,
      'every lead done or do_not_call',
    );
    for (const n of numbers) for (const x of e.sim.callLog.byNumber(n)) expect(x.at).toBeLessThan(answered);
    const leads = await leadsOfCampaign(e, c);
    expect(leads.filter((l) => l.status === 'do_not_call').length).toBeGreaterThanOrEqual(4);
    for (const l of leads.filter((x) => x.status === 'do_not_call')) expect(e.sim.callLog.byNumber(l.phone_number)).toHaveLength(0);
    await stop(c);
  }, 150_000);
});

describe('holidays and restricted periods', () => {
  it('a restricted period closes every campaign of the tenant; the runs resume at its end', async () => {
    await putTenantPolicy(e.mongo.db, e.tenant.domain_uuid, noPolicy);
    // Local (Asia/Ho_Chi_Minh, UTC+7) date-times with second resolution: from a minute ago to 6-7 s from now.
    const end = Math.ceil((Date.now() + 6_000) / 1000) * 1000;
    const local = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19);
    await putHolidays(e.mongo.db, e.tenant.domain_uuid, {
      holidays: [{ name: 'maintenance', start: local(end - 60_000), end: local(end) }],
      vn_public_holidays: false,
    });
    const campaigns = await Promise.all([0, 1].map(() => e.campaign({ concurrent_call: 2 })));
    await e.addLeads(campaigns[0]!, ['0963000001', '0963000002']);
    await e.addLeads(campaigns[1]!, ['0963000003', '0963000004']);
    await Promise.all(campaigns.map((c) => e.startRun(c, OPTS)));

    // Seen closed (when the runs looked before the end), with the period's end as the next opening.
    for (const c of campaigns) {
      const seen = await waitFor(async () => {
        const p = await e.progress(c).catch(() => undefined);
        if (p && p.window_open === false) return { closed: true, next: p.next_opening };
        return Date.now() > end ? { closed: false, next: null } : undefined;
      });
      if (seen.closed) expect(seen.next).toBe(end);
    }
    await waitFor(
      async () => (await Promise.all(campaigns.map((c) => leadsOfCampaign(e, c)))).flat().every((l) => l.status === 'done'),
      60_000,
      'leads done',
    );
    for (const c of campaigns) {
      const log = e.sim.callLog.byVariable('campaign_uuid', c);
      expect(log).toHaveLength(2);
      for (const x of log) expect(x.at).toBeGreaterThanOrEqual(end);
    }
    await Promise.all(campaigns.map(stop));
  }, 150_000);

  it("a holiday today closes the tenant's campaigns until the next local midnight", async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    await putHolidays(e.mongo.db, e.tenant.domain_uuid, {
      holidays: [{ name: 'holiday', start: today, end: today }],
      vn_public_holidays: false,
    });
    const c = await e.campaign({ concurrent_call: 1 });
    await e.addLeads(c, ['0964000001']);
    await e.startRun(c, OPTS);
    const p = await waitFor(async () => {
      const x = await e.progress(c).catch(() => undefined);
      return x && x.window_open === false ? x : undefined;
    });
    expect(p.next_opening).toBe(Date.parse(`${today}T00:00:00+07:00`) + H24);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(e.sim.callLog.byVariable('campaign_uuid', c)).toHaveLength(0);
    await stop(c);
  }, 150_000);
});
