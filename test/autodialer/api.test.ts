// The autodialer's API side on real servers (the store, Temporal; docs/autodialer.md): agent
// statuses and who is told, a campaign's agents now (the run's `agents` query, played here by a
// stub workflow with the run's id; today's counters from agent_stats), queue settings and their
// rules, and the bad inputs around them (assign_extension, ratio, custom_ratio, deleting a user
// or a campaign that is in use).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { agentRow, mergeLive } from '../../api/v3/agents.ts';
import type { Config } from '../../config/index.ts';
import { agentStatsOf, agentStatsToday, noteAgentCall, statsDay } from '../../storage/agent-stats.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { DEFAULT_QUEUE_SETTINGS } from '../../storage/queue-settings.ts';
import { createTenant, type Tenant } from '../../storage/tenants.ts';
import { campaignRunWorkflowId, type AgentLive } from '../../workflows/contract.ts';
import { testConfig } from '../helpers/env.ts';
import { configChangesQuery, setAgentsSignal } from './stub-run-workflow.ts';

let config: Config;
let mongo: Mongo;
let app: App;
let client: Client;
let worker: Worker;
let workerDone: Promise<void>;
let tenant: Tenant;
let token: string;
let otherToken: string;
const started: string[] = [];

interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}
async function call(method: string, path: string, body?: unknown, tok = token): Promise<Res> {
  const headers: Record<string, string> = { authorization: `Bearer ${tok}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed };
}

async function user(extension: string, tok = token): Promise<string> {
  const r = await call('POST', '/v3/user', { username: `agent${extension}`, extension, display_name: `Agent ${extension}` }, tok);
  expect(r.status).toBe(200);
  return r.body.user_uuid as string;
}

async function campaign(name: string, extra: Record<string, unknown> = {}, extensions: string[] = []): Promise<string> {
  const r = await call('POST', '/v3/campaign', { campaign_name: name, type: 'autodialer', ratio: 100, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const uuid = r.body.campaign_uuid as string;
  if (extensions.length) expect((await call('PUT', `/v3/campaign/${uuid}/assign_extension`, { extensions })).status).toBe(200);
  return uuid;
}

/** The stub run of a campaign (workflow id campaign-run:<uuid>), answering `agents` with `agents`. */
async function startRun(campaign_uuid: string, agents: AgentLive[] = [], taskQueue = config.TEMPORAL_TASK_QUEUE): Promise<void> {
  await client.workflow.start('stubRunWorkflow', { taskQueue, workflowId: campaignRunWorkflowId(campaign_uuid), args: [{ agents }] });
  started.push(campaign_uuid);
}
const changes = (campaign_uuid: string) => client.workflow.getHandle(campaignRunWorkflowId(campaign_uuid)).query(configChangesQuery);

let u101: string;
let u102: string;
let u103: string;
let foreignUser: string;

beforeAll(async () => {
  config = testConfig();
  mongo = await connectMongo(config);
  await ensureIndexes(mongo.db);
  ({ tenant, token } = await createTenant(mongo.db, { name: 'dialer' }));
  ({ token: otherToken } = await createTenant(mongo.db, { name: 'other' }));
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  app = createApp({ config, db: mongo.db, temporal: client, logger: pino({ level: 'silent' }) }, mountRoutes);
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./stub-run-workflow.ts', import.meta.url)),
  });
  workerDone = worker.run();
  u101 = await user('101');
  u102 = await user('102');
  u103 = await user('103');
  foreignUser = await user('101', otherToken);
});

afterAll(async () => {
  for (const c of started)
    await client.workflow
      .getHandle(campaignRunWorkflowId(c))
      .terminate('test over')
      .catch(() => {});
  worker?.shutdown();
  await workerDone?.catch(() => {});
  await mongo?.db.dropDatabase().catch(() => {});
  await mongo?.close();
});

describe('PUT /v3/user/{uuid}/status', () => {
  it('stores the status and answers the user with it', async () => {
    const r = await call('PUT', `/v3/user/${u103}/status`, { status: 'On Break' });
    expect(r).toEqual({ status: 200, body: { user_uuid: u103, extension: '103', display_name: 'Agent 103', status: 'On Break' } });
    const back = await call('PUT', `/v3/user/${u103}/status`, { status: 'Logged Out' });
    expect(back.body.status).toBe('Logged Out');
  });

  it.each([
    [{ status: 'Busy' }, { status: 'status must be one of the following: "Logged Out", "Available", "On Break"' }],
    [{ status: 'available' }, { status: 'status must be one of the following: "Logged Out", "Available", "On Break"' }],
    [{ status: 'Available (On Demand)' }, { status: 'status must be one of the following: "Logged Out", "Available", "On Break"' }],
    [{ status: 1 }, { status: 'status must be one of the following: "Logged Out", "Available", "On Break"' }],
    [{}, { '(root)': 'status is required' }],
  ])('%j → 400 in the validation shape', async (body, error) => {
    const r = await call('PUT', `/v3/user/${u103}/status`, body);
    expect(r).toEqual({ status: 400, body: { error: [error] } });
  });

  it('unknown or another tenant’s user → 404', async () => {
    for (const uuid of [foreignUser, '00000000-0000-4000-8000-000000000000', 'nope']) {
      expect(await call('PUT', `/v3/user/${uuid}/status`, { status: 'Available' })).toEqual({ status: 404, body: { error: 'Not Found' } });
    }
    // the other tenant's user is untouched
    const mine = await call('PUT', `/v3/user/${foreignUser}/status`, { status: 'Available' }, otherToken);
    expect(mine.status).toBe(200);
  });

  it('signals configChanged to the runs of running or paused autodialer campaigns that have the user, no others', async () => {
    const running = await campaign('St running', { status: 'start' }, ['101', '102']);
    const paused = await campaign('St paused', { status: 'pause' }, ['101']);
    const stopped = await campaign('St stopped', { status: 'stop' }, ['101']);
    const others = await campaign('St others', { status: 'start' }, ['102']);
    const autocall = await call('POST', '/v3/campaign', { campaign_name: 'St autocall', type: 'autocall', status: 'start' });
    const ac = autocall.body.campaign_uuid as string;
    await call('PUT', `/v3/campaign/${ac}/assign_extension`, { extensions: ['101'] });
    for (const c of [running, paused, stopped, others, ac]) await startRun(c);
    const t0 = Date.now();
    expect((await call('PUT', `/v3/user/${u101}/status`, { status: 'Available' })).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await changes(running)).toBe(1);
    expect(await changes(paused)).toBe(1);
    expect(await changes(stopped)).toBe(0);
    expect(await changes(others)).toBe(0);
    expect(await changes(ac)).toBe(0);
    // the same word again still tells them (the run reconciles; mod_callcenter takes it again)
    await call('PUT', `/v3/user/${u101}/status`, { status: 'Available' });
    expect(await changes(running)).toBe(2);
  });
});

describe('GET /v3/campaign/{uuid}/agents', () => {
  it('no run open: the stored status, state unknown, zero counters, in the order assigned', async () => {
    const c = await campaign('Ag no run', {}, ['102', '101']);
    const r = await call('GET', `/v3/campaign/${c}/agents`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ campaign_uuid: c, day: statsDay(new Date(), tenant.time_zone), live: false });
    expect(r.body.data).toEqual([
      {
        user_uuid: u102,
        extension: '102',
        display_name: 'Agent 102',
        status: 'Logged Out',
        state: 'unknown',
        live_status: null,
        calls_answered_today: 0,
        talk_time_today: 0,
        last_call_at: null,
        current_call: null,
      },
      expect.objectContaining({ user_uuid: u101, extension: '101', status: 'Available', state: 'unknown' }),
    ]);
  });

  it("a run's view: state, mod_callcenter's status, the current call; today's counters and the last call from agent_stats", async () => {
    const c = await campaign('Ag live', { status: 'start' }, ['101', '102', '103']);
    const now = Math.floor(Date.now() / 1000);
    await startRun(c, [
      {
        agent_name: `agent-${u101}`,
        status: 'Available',
        state: 'In a queue call',
        calls_answered: 3,
        talk_time: 95,
        last_bridge_end: now - 120,
        no_answer_count: 0,
        last_bridge_start: now - 30,
        call_id: 'c0ffee00-0000-4000-8000-000000000001',
      },
      {
        agent_name: `agent-${u102}`,
        status: 'On Break',
        state: 'Waiting',
        calls_answered: 0,
        talk_time: 0,
        last_bridge_end: 0,
        no_answer_count: 3,
      },
      {
        agent_name: 'agent-someone-else',
        status: 'Available',
        state: 'Waiting',
        calls_answered: 0,
        talk_time: 0,
        last_bridge_end: 0,
        no_answer_count: 0,
      },
    ]);
    const day = statsDay(new Date(), tenant.time_zone);
    const at = new Date(Date.now() - 60_000);
    const note = { user_uuid: u101, domain_uuid: tenant.domain_uuid, day, talk_s: 30, at, call_id: 'call-1' };
    expect(await noteAgentCall(mongo.db, note)).toBe(true);
    expect(await noteAgentCall(mongo.db, note)).toBe(false); // a retried recordCall counts once
    expect(await noteAgentCall(mongo.db, { ...note, call_id: 'call-2', talk_s: 15.4, at: at.getTime() - 5_000 })).toBe(true);
    await noteAgentCall(mongo.db, { ...note, user_uuid: u103, day: '2020-01-01', call_id: 'old', at: new Date('2020-01-01T03:00:00Z') });

    const r = await call('GET', `/v3/campaign/${c}/agents`);
    expect(r.status).toBe(200);
    expect(r.body.live).toBe(true);
    const [a, b, d] = r.body.data;
    expect(a).toMatchObject({
      user_uuid: u101,
      status: 'Available',
      state: 'In a queue call',
      live_status: 'Available',
      calls_answered_today: 2,
      talk_time_today: 45,
      current_call: { call_id: 'c0ffee00-0000-4000-8000-000000000001' },
    });
    expect(Date.parse(a.current_call.since)).toBe((now - 30) * 1000);
    expect(Date.parse(a.last_call_at)).toBe(at.getTime()); // later than mod_callcenter's last_bridge_end
    expect(a.last_call_at).toMatch(/\+07:00$/); // the tenant's zone
    expect(b).toMatchObject({
      user_uuid: u102,
      status: 'Logged Out',
      state: 'Waiting',
      live_status: 'On Break',
      current_call: null,
      last_call_at: null,
    });
    // an agent the run does not list yet: unknown; its last call (2020) is still its last
    expect(d).toMatchObject({ user_uuid: u103, state: 'unknown', live_status: null, calls_answered_today: 0, talk_time_today: 0 });
    expect(Date.parse(d.last_call_at)).toBe(Date.parse('2020-01-01T03:00:00Z'));
    expect(r.body.data).toHaveLength(3);

    // the run's view changes: the list follows
    await client.workflow.getHandle(campaignRunWorkflowId(c)).signal(setAgentsSignal, []);
    const r2 = await call('GET', `/v3/campaign/${c}/agents`);
    expect(r2.body.live).toBe(true);
    expect(r2.body.data.map((x: { state: string }) => x.state)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('a run that does not answer (no worker): state unknown after a short wait', async () => {
    const c = await campaign('Ag silent', { status: 'start' }, ['101']);
    await startRun(c, [], `nobody-${randomBytes(4).toString('hex')}`);
    const t0 = Date.now();
    const r = await call('GET', `/v3/campaign/${c}/agents`);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(r.status).toBe(200);
    expect(r.body.live).toBe(false);
    expect(r.body.data[0]).toMatchObject({ user_uuid: u101, state: 'unknown', live_status: null });
  });

  it('no agents: an empty list', async () => {
    const c = await campaign('Ag none');
    expect((await call('GET', `/v3/campaign/${c}/agents`)).body).toMatchObject({ live: false, data: [] });
  });

  it('not an autodialer → 400; unknown or another tenant’s → 404', async () => {
    const ac = (await call('POST', '/v3/campaign', { campaign_name: 'Ag autocall', type: 'autocall' })).body.campaign_uuid;
    expect(await call('GET', `/v3/campaign/${ac}/agents`)).toEqual({ status: 400, body: { error: 'campaign is not an autodialer' } });
    const c = await campaign('Ag foreign');
    expect(await call('GET', `/v3/campaign/${c}/agents`, undefined, otherToken)).toEqual({ status: 404, body: { error: 'Not Found' } });
    expect((await call('GET', '/v3/campaign/00000000-0000-4000-8000-000000000000/agents')).status).toBe(404);
  });
});

describe('agent rows (pure)', () => {
  const ref = { user_uuid: 'u', extension: '1', display_name: 'A', agent_name: 'agent-u', status: 'Available' as const };
  const row = (state: string, extra: Partial<AgentLive> = {}): AgentLive => ({
    agent_name: 'agent-u',
    status: 'Available',
    state,
    calls_answered: 1,
    talk_time: 10,
    last_bridge_end: 0,
    no_answer_count: 0,
    ...extra,
  });

  it('several nodes: the busiest state and its call, summed counters, the latest end', () => {
    const m = mergeLive([
      row('Waiting', { node: 'a', last_bridge_end: 50 }),
      row('In a queue call', { node: 'b', call_id: 'x', last_bridge_end: 20 }),
    ])!;
    expect(m).toMatchObject({ state: 'In a queue call', call_id: 'x', node: 'b', calls_answered: 2, talk_time: 20, last_bridge_end: 50 });
    expect(mergeLive([])).toBeUndefined();
  });

  it('in a call without a start time or call id: current_call with nulls', () => {
    expect(agentRow(ref, row('In a queue call'), true, undefined, 'UTC').current_call).toEqual({ call_id: null, since: null });
    expect(agentRow(ref, row('In a queue call'), false, undefined, 'UTC')).toMatchObject({
      state: 'unknown',
      current_call: { call_id: null },
    });
  });
});

describe('agent_stats', () => {
  // One agent's calls end one after another, so its notes do not race (FerretDB's updates are not
  // atomic against each other: docs/decisions.md); a retried note comes after the first.
  it('the day in the tenant zone; calls and talk per day; a retried note counts once', async () => {
    expect(statsDay(new Date('2024-03-01T18:30:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2024-03-02');
    expect(statsDay(Date.parse('2024-03-01T18:30:00Z'), 'UTC')).toBe('2024-03-01');
    const u = `stats-${randomBytes(4).toString('hex')}`;
    const base = { user_uuid: u, domain_uuid: 'd', day: '2024-03-02', at: new Date('2024-03-01T18:30:00Z') };
    for (const i of [1, 2, 3]) expect(await noteAgentCall(mongo.db, { ...base, talk_s: 10, call_id: `c${i}` })).toBe(true);
    expect(await noteAgentCall(mongo.db, { ...base, talk_s: 10, call_id: 'c2' })).toBe(false);
    await noteAgentCall(mongo.db, { ...base, talk_s: 7 }); // no call id: always counted
    const s = (await agentStatsToday(mongo.db, [u, 'nobody'], '2024-03-02')).get(u)!;
    expect(s).toEqual({ calls_answered: 4, talk_time: 37, last_call_at: new Date('2024-03-01T18:30:00Z') });
    expect((await agentStatsToday(mongo.db, [u], '2024-03-03')).get(u)).toMatchObject({ calls_answered: 0, talk_time: 0 });
    expect(await agentStatsOf(mongo.db).countDocuments({ user_uuid: u })).toBe(2); // the day, the last call
  });
});

describe('GET/PUT /v3/campaign/{uuid}/queue_settings', () => {
  it('defaults; a partial change keeps the rest; GET /v3/campaign stays as documented', async () => {
    const c = await campaign('Qs defaults', { status: 'start' });
    const before = await call('GET', `/v3/campaign/${c}`);
    expect(await call('GET', `/v3/campaign/${c}/queue_settings`)).toEqual({ status: 200, body: DEFAULT_QUEUE_SETTINGS });
    await startRun(c);
    const change = {
      wrap_up_time: 0,
      abandon_target_percent: 2.5,
      adaptive: false,
      predictive: true,
      agent_contact: 'sofia/internal/{extension}%pbx.example.com',
    };
    const r = await call('PUT', `/v3/campaign/${c}/queue_settings`, change);
    expect(r).toEqual({ status: 200, body: { ...DEFAULT_QUEUE_SETTINGS, ...change } });
    expect((await call('GET', `/v3/campaign/${c}/queue_settings`)).body).toEqual({ ...DEFAULT_QUEUE_SETTINGS, ...change });
    expect(await changes(c)).toBe(1); // the run is told
    expect(
      (await call('PUT', `/v3/campaign/${c}/queue_settings`, { max_wait_time: 0, abandon_message: 'Xin lỗi, {{x}} 100%' })).body,
    ).toMatchObject({
      ...change,
      max_wait_time: 0,
      abandon_message: 'Xin lỗi, {{x}} 100%',
    });
    expect((await call('PUT', `/v3/campaign/${c}/queue_settings`, {})).body).toMatchObject({ max_wait_time: 0 }); // nothing to change
    expect(await changes(c)).toBe(2);
    const after = await call('GET', `/v3/campaign/${c}`);
    expect(Object.keys(after.body)).toEqual(Object.keys(before.body));
    expect({ ...after.body, updated_at: '' }).toEqual({ ...before.body, updated_at: '' });
  });

  it.each([
    [{ wrap_up_time: 601 }, { wrap_up_time: 'Must be less than or equal to 600' }],
    [{ wrap_up_time: -1 }, { wrap_up_time: 'Must be greater than or equal to 0' }],
    [{ wrap_up_time: 1.5 }, { wrap_up_time: 'Invalid type. Expected: integer, given: number' }],
    [{ wrap_up_time: '10' }, { wrap_up_time: 'Invalid type. Expected: integer, given: string' }],
    [{ max_no_answer: 101 }, { max_no_answer: 'Must be less than or equal to 100' }],
    [{ agent_ring_timeout: 4 }, { agent_ring_timeout: 'Must be greater than or equal to 5' }],
    [{ agent_ring_timeout: 121 }, { agent_ring_timeout: 'Must be less than or equal to 120' }],
    [{ no_answer_delay_time: 601 }, { no_answer_delay_time: 'Must be less than or equal to 600' }],
    [{ max_wait_time: 601 }, { max_wait_time: 'Must be less than or equal to 600' }],
    [{ max_wait_time_with_no_agent: -5 }, { max_wait_time_with_no_agent: 'Must be greater than or equal to 0' }],
    [{ abandon_target_percent: 100.5 }, { abandon_target_percent: 'Must be less than or equal to 100' }],
    [{ abandon_target_percent: null }, { abandon_target_percent: 'Invalid type. Expected: number, given: null' }],
    [{ adaptive: 'yes' }, { adaptive: 'Invalid type. Expected: boolean, given: string' }],
    [{ abandon_message: 'x'.repeat(501) }, { abandon_message: 'String length must be less than or equal to 500' }],
    [{ abandon_message: 'Xin lỗi ${caller_id_number}' }, { abandon_message: 'must not contain ${' }],
    [{ abandon_message: 'line\nbreak' }, { abandon_message: 'must not contain control characters (line breaks included)' }],
    [{ abandon_message: 5 }, { abandon_message: 'Invalid type. Expected: string, given: integer' }],
    [{ agent_contact: 'user/{ext}@x' }, { agent_contact: 'unknown placeholder {ext}: only {extension}, {user_uuid}, {domain_uuid}' }],
    [{ agent_contact: 'user/${ext}' }, { agent_contact: 'must not contain ${' }],
    [{ agent_contact: 'user/{extension} x' }, { agent_contact: 'must not contain spaces' }],
    [
      { agent_contact: '[leg_timeout=5]user/{extension}' },
      { agent_contact: 'must not contain [ ] { } outside the placeholders {extension}, {user_uuid}, {domain_uuid}' },
    ],
    [
      { agent_contact: 'user/{extension}}' },
      { agent_contact: 'must not contain [ ] { } outside the placeholders {extension}, {user_uuid}, {domain_uuid}' },
    ],
    [{ agent_contact: 'user/{extension},user/1000' }, { agent_contact: 'must not contain , or | (one phone per agent)' }],
    [{ agent_contact: 'user/{extension}|user/1000' }, { agent_contact: 'must not contain , or | (one phone per agent)' }],
    [
      { agent_contact: "user/{extension}'x" },
      { agent_contact: 'may contain only letters, digits, _ . @ : / = + ; % # * ~ - and the placeholders' },
    ],
    [{ agent_contact: 'user/1000@pbx' }, { agent_contact: 'must contain {extension} or {user_uuid} (each agent its own phone)' }],
    [{ agent_contact: `user/{extension}@${'x'.repeat(200)}` }, { agent_contact: 'String length must be less than or equal to 200' }],
    [{ ratio: 100 }, { '(root)': 'Additional property ratio is not allowed' }],
  ])('%j → 400', async (body, error) => {
    const c = await campaign(`Qs bad ${randomBytes(4).toString('hex')}`);
    const r = await call('PUT', `/v3/campaign/${c}/queue_settings`, body);
    expect(r).toEqual({ status: 400, body: { error: [error] } });
    expect((await call('GET', `/v3/campaign/${c}/queue_settings`)).body).toEqual(DEFAULT_QUEUE_SETTINGS); // nothing stored
  });

  it('several bad fields: one entry each; a body that is not an object', async () => {
    const c = await campaign('Qs several');
    const r = await call('PUT', `/v3/campaign/${c}/queue_settings`, { wrap_up_time: 9999, max_no_answer: -1 });
    expect(r.body.error).toEqual([
      { wrap_up_time: 'Must be less than or equal to 600' },
      { max_no_answer: 'Must be greater than or equal to 0' },
    ]);
    expect(await call('PUT', `/v3/campaign/${c}/queue_settings`, [])).toEqual({
      status: 400,
      body: { error: [{ '(root)': 'Invalid type. Expected: object, given: array' }] },
    });
  });

  it('agent contacts that are fine', async () => {
    const c = await campaign('Qs contacts');
    for (const agent_contact of [
      '',
      'user/{extension}@{domain_uuid}',
      'sofia/gateway/pbx/{extension}',
      'sofia/internal/{user_uuid}@10.0.0.5:5060;transport=tcp',
      'loopback/{extension}/default',
    ]) {
      expect((await call('PUT', `/v3/campaign/${c}/queue_settings`, { agent_contact })).status, agent_contact).toBe(200);
    }
  });

  it('not an autodialer → 400; unknown or another tenant’s → 404', async () => {
    const ac = (await call('POST', '/v3/campaign', { campaign_name: 'Qs autocall', type: 'autocall' })).body.campaign_uuid;
    expect(await call('GET', `/v3/campaign/${ac}/queue_settings`)).toEqual({
      status: 400,
      body: { error: 'campaign is not an autodialer' },
    });
    expect(await call('PUT', `/v3/campaign/${ac}/queue_settings`, { wrap_up_time: 5 })).toEqual({
      status: 400,
      body: { error: 'campaign is not an autodialer' },
    });
    const c = await campaign('Qs foreign');
    expect((await call('GET', `/v3/campaign/${c}/queue_settings`, undefined, otherToken)).status).toBe(404);
    expect((await call('PUT', `/v3/campaign/${c}/queue_settings`, { wrap_up_time: 5 }, otherToken)).status).toBe(404);
    expect((await call('GET', `/v3/campaign/${c}/queue_settings`)).body).toEqual(DEFAULT_QUEUE_SETTINGS);
  });
});

describe('bad input around the autodialer', () => {
  it('assign_extension with unknown extensions: the documented message', async () => {
    const c = await campaign('Bad assign');
    expect(await call('PUT', `/v3/campaign/${c}/assign_extension`, { extensions: ['101', '999'] })).toEqual({
      status: 400,
      body: { error: 'extension 999 not found' },
    });
    expect(await call('PUT', `/v3/campaign/${c}/assign_extension`, { extensions: ['998', '999'] })).toEqual({
      status: 400,
      body: { error: 'extensions not found: 998, 999' },
    });
    expect(await call('PUT', `/v3/campaign/${c}/assign_extension`, { extensions: null })).toEqual({
      status: 400,
      body: { error: [{ extensions: 'Invalid type. Expected: array, given: null' }] },
    });
  });

  it('ratio outside the list; custom_ratio 0 or 100–1000', async () => {
    const bad = await call('POST', '/v3/campaign', { campaign_name: 'Bad ratio', type: 'autodialer', ratio: 250 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual([{ ratio: expect.stringMatching(/^ratio must be one of the following: .*100, 150, 200, 300, 400$/) }]);
    for (const [custom_ratio, error] of [
      [50, 'Must be 0 or greater than or equal to 100'],
      [1001, 'Must be less than or equal to 1000'],
      [-1, 'Must be greater than or equal to 0'],
      [2.5, 'Invalid type. Expected: integer, given: number'],
    ] as const) {
      const r = await call('POST', '/v3/campaign', {
        campaign_name: `Bad custom ${custom_ratio}`,
        type: 'autodialer',
        ratio: 100,
        custom_ratio,
      });
      expect(r, String(custom_ratio)).toEqual({ status: 400, body: { error: [{ custom_ratio: error }] } });
    }
    for (const custom_ratio of [0, 100, 250, 1000]) {
      expect(
        (await call('POST', '/v3/campaign', { campaign_name: `Custom ${custom_ratio}`, type: 'autodialer', ratio: 100, custom_ratio }))
          .status,
      ).toBe(200);
    }
  });

  it('one agent in two campaigns: allowed, listed in both', async () => {
    const a = await campaign('Two A', {}, ['102']);
    const b = await campaign('Two B', {}, ['102', '101']);
    for (const c of [a, b])
      expect((await call('GET', `/v3/campaign/${c}/agents`)).body.data.map((x: { user_uuid: string }) => x.user_uuid)).toContain(u102);
  });

  it('deleting a user: refused while assigned to a running autodialer campaign, and while any campaign still has it', async () => {
    const u = await user('150');
    const c = await campaign('Del running', { status: 'start' }, ['150']);
    expect(await call('DELETE', `/v3/user/${u}`)).toEqual({
      status: 409,
      body: { error: 'user is assigned to running campaign Del running: unassign it or stop the campaign first' },
    });
    const cur = (await call('GET', `/v3/campaign/${c}`)).body;
    await call('PUT', `/v3/campaign/${c}`, { ...cur, status: 'stop', local_start_time: '08:00:00', local_end_time: '17:00:00' });
    expect(await call('DELETE', `/v3/user/${u}`)).toEqual({
      status: 409,
      body: { error: `user_uuid ${u} is used by campaign "Del running"` },
    });
    expect((await call('PUT', `/v3/campaign/${c}/assign_extension`, { extensions: [] })).status).toBe(200);
    expect(await call('DELETE', `/v3/user/${u}`)).toEqual({ status: 200, body: { user_uuid: u } });
  });

  it('deleting an active campaign is refused (what exists: `active`, not the run, decides)', async () => {
    const c = await campaign('Del campaign', { active: true, status: 'start' });
    expect(await call('DELETE', `/v3/campaign/${c}`)).toEqual({ status: 409, body: { error: 'campaign must be deactive' } });
  });
});
