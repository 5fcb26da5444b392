// Tenants and auth (401s, isolation in every endpoint, time zones, the dev tenant), the directory
// (templates, carriers, users) and how campaigns refer to it, concurrency of unique names, and the
// OpenAPI document / docs page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TENANT_NAME, ensureDevTenant, tenantForToken } from '../../storage/tenants.ts';
import { startApi, TS_RE, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

const autodialer = (name: string) => ({ campaign_name: name, type: 'autodialer', ratio: 100 });

describe('auth', () => {
  it('no token, a malformed header or an unknown token → 401 in the documented error shape', async () => {
    for (const [path, headers] of [
      ['/v3/campaign', {}],
      ['/v3/campaign', { authorization: 'Basic abc' }],
      ['/v3/campaign', { authorization: 'Bearer nope-nope-nope-nope' }],
      ['/v3/template', {}],
      ['/v1/anything', {}],
      ['/v2/autocall/queue', {}],
      ['/api/campaign/create', {}],
    ] as const) {
      const res = await h.call('GET', path, undefined, { token: null, headers });
      expect(res.status, path).toBe(401);
      expect(typeof res.body.error).toBe('string');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('a POST without a token is refused before its body is looked at', async () => {
    const res = await h.call('POST', '/v3/campaign', '{not json', { token: null, raw: true });
    expect(res.status).toBe(401);
  });

  it('/healthz, /openapi.json and /docs need no token', async () => {
    expect((await h.call('GET', '/openapi.json', undefined, { token: null })).status).toBe(200);
    expect((await h.call('GET', '/docs', undefined, { token: null })).status).toBe(200);
    expect([200, 503]).toContain((await h.call('GET', '/healthz', undefined, { token: null })).status);
  });

  it("another tenant's campaign is Not Found in every endpoint, and absent from its list", async () => {
    const mine = await h.call('POST', '/v3/campaign', autodialer('isolated'));
    const uuid = mine.body.campaign_uuid as string;
    const other = await h.newTenant('other-co');
    const as = { token: other.token };
    const notFound = { error: 'Not Found' };
    const calls: [string, string, unknown?][] = [
      ['GET', `/v3/campaign/${uuid}`],
      ['PUT', `/v3/campaign/${uuid}`, { campaign_name: 'stolen', type: 'autocall', active: false }],
      ['PUT', `/v3/campaign/${uuid}/assign_extension`, { extensions: [] }],
      ['PATCH', `/v3/campaign/${uuid}/active`, { active: true }],
      ['DELETE', `/v3/campaign/${uuid}`],
    ];
    for (const [m, p, b] of calls) {
      const res = await h.call(m, p, b, as);
      expect(res.status, `${m} ${p}`).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    const list = await h.call('GET', '/v3/campaign', undefined, as);
    expect(list.body).toEqual({ data: [], limit: 10, offset: 0, total: 0 });
    // and the same name is free for the other tenant (unique per tenant, not globally)
    expect((await h.call('POST', '/v3/campaign', autodialer('isolated'), as)).status).toBe(200);
    // untouched
    const still = await h.call('GET', `/v3/campaign/${uuid}`);
    expect(still.body.campaign_name).toBe('isolated');
    expect(still.body.active).toBe(false);
  });

  it('timestamps carry the tenant time zone offset', async () => {
    const paris = await h.newTenant('paris-co', 'Europe/Paris');
    const c = await h.call('POST', '/v3/campaign', autodialer('tz'), { token: paris.token });
    const got = await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`, undefined, { token: paris.token });
    expect(got.body.created_at).toMatch(TS_RE);
    expect(got.body.created_at).toMatch(/\+0[12]:00$/);
    const vn = await h.call('POST', '/v3/campaign', autodialer('tz'));
    const got2 = await h.call('GET', `/v3/campaign/${vn.body.campaign_uuid}`);
    expect(got2.body.created_at).toMatch(/\+07:00$/);
  });

  it('tokens are stored hashed; ensureDevTenant creates once and can re-register a kept token', async () => {
    const tokens = await h.mongo.db.collection('api_tokens').find().toArray();
    expect(tokens.every((t) => /^[0-9a-f]{64}$/.test(String(t._id)) && !JSON.stringify(t).includes(h.token))).toBe(true);
    const first = await ensureDevTenant(h.mongo.db);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^cr_/);
    expect(first.tenant.name).toBe(DEV_TENANT_NAME);
    expect(first.tenant.time_zone).toBe('Asia/Ho_Chi_Minh');
    const again = await ensureDevTenant(h.mongo.db);
    expect(again).toMatchObject({ created: false, token: null, tenant: { domain_uuid: first.tenant.domain_uuid } });
    const kept = await ensureDevTenant(h.mongo.db, { token: first.token! });
    expect(kept.token).toBe(first.token);
    expect((await tenantForToken(h.mongo.db, first.token!))?.domain_uuid).toBe(first.tenant.domain_uuid);
    expect((await h.call('GET', '/v3/campaign', undefined, { token: first.token })).status).toBe(200);
  });
});

describe('unique names under concurrency', () => {
  it('of 10 concurrent creates with one name exactly one wins; the rest get 409', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => h.call('POST', '/v3/campaign', autodialer('race'))));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const lost = results.filter((r) => r.status !== 200);
    expect(lost.every((r) => r.status === 409 && r.body.error === 'campaign_name is already taken')).toBe(true);
  });
});

describe('list', () => {
  it('filters by type, pages with limit/offset and counts the total', async () => {
    const t = await h.newTenant('lister');
    const as = { token: t.token };
    for (let i = 0; i < 7; i++) await h.call('POST', '/v3/campaign', { campaign_name: `ac${i}`, type: 'autocall' }, as);
    for (let i = 0; i < 3; i++) await h.call('POST', '/v3/campaign', { campaign_name: `man${i}`, type: 'manual' }, as);
    const all = await h.call('GET', '/v3/campaign?limit=4&offset=2', undefined, as);
    expect(all.body).toMatchObject({ limit: 4, offset: 2, total: 10 });
    expect(all.body.data).toHaveLength(4);
    const ac = await h.call('GET', '/v3/campaign?type=autocall&limit=100', undefined, as);
    expect(ac.body.total).toBe(7);
    expect(ac.body.data.every((c: { type: string }) => c.type === 'autocall')).toBe(true);
    const names = ac.body.data.map((c: { campaign_name: string }) => c.campaign_name);
    expect(names[0]).toBe('ac6'); // newest first
    const bad = await h.call('GET', '/v3/campaign?type=robot&limit=0', undefined, as);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual(
      expect.arrayContaining([
        { limit: 'Must be greater than or equal to 1' },
        { type: 'type must be one of the following: "autodialer", "autocall", "inbound", "manual"' },
      ]),
    );
  });
});

describe('directory', () => {
  it('templates: create, list, get (with its placeholders), replace, delete', async () => {
    const body = {
      template_name: 'Nhắc nợ',
      type_autocall: 'autocall_voice_tts',
      content: 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}',
    };
    const c = await h.call('POST', '/v3/template', body);
    expect(c.status, c.text).toBe(200);
    expect(Object.keys(c.body)).toEqual(['created', 'template_uuid']);
    const got = await h.call('GET', `/v3/template/${c.body.template_uuid}`);
    expect(got.body).toMatchObject({ ...body, params: ['customer_name', 'due_amount', 'due_date'], audio_file: '' });
    expect((await h.call('POST', '/v3/template', body)).body).toEqual({ error: 'template_name is already taken' });
    const list = await h.call('GET', '/v3/template');
    expect(list.body.total).toBe(1);
    const upd = await h.call('PUT', `/v3/template/${c.body.template_uuid}`, { ...body, content: 'Mã {{otp}}' });
    expect(upd.body).toEqual({ template_uuid: c.body.template_uuid });
    expect((await h.call('DELETE', `/v3/template/${c.body.template_uuid}`)).status).toBe(200);
    expect((await h.call('GET', `/v3/template/${c.body.template_uuid}`)).status).toBe(404);
  });

  it('templates: each type needs its content', async () => {
    const audio = await h.call('POST', '/v3/template', { template_name: 'a', type_autocall: 'autocall_audio' });
    expect(audio.body).toEqual({ error: [{ '(root)': 'audio_file is required' }] });
    const otp = await h.call('POST', '/v3/template', { template_name: 'o', type_autocall: 'autocall_voice_otp', content: 'Mã của bạn' });
    expect(otp.body).toEqual({ error: [{ content: 'Must contain the placeholder {{otp}}' }] });
    const tts = await h.call('POST', '/v3/template', { template_name: 't', type_autocall: 'autocall_voice_tts' });
    expect(tts.body).toEqual({ error: [{ '(root)': 'content is required' }] });
  });

  it('carriers and templates fill carrier_name / template_name, follow renames, and cannot be deleted while used', async () => {
    const t = await h.call('POST', '/v3/template', {
      template_name: 'OTP',
      type_autocall: 'autocall_voice_otp',
      content: 'Mã OTP {{otp}}',
    });
    const cr = await h.call('POST', '/v3/carrier', {
      carrier_name: 'VNPT',
      gateway: 'vnpt-gw',
      caller_numbers: ['02473001234', '+842473001235'],
      networks: ['vina', 'offnet'],
      cps: 5,
    });
    expect(cr.status, cr.text).toBe(200);
    const c = await h.call('POST', '/v3/campaign', {
      campaign_name: 'otp-campaign',
      type: 'autocall',
      template_uuid: t.body.template_uuid,
      carrier_uuid: cr.body.carrier_uuid,
    });
    expect(c.status, c.text).toBe(200);
    const got = await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`);
    expect(got.body).toMatchObject({ template_name: 'OTP', carrier_name: 'VNPT', type_autocall: 'autocall_voice_otp' });
    await h.call('PUT', `/v3/carrier/${cr.body.carrier_uuid}`, {
      carrier_name: 'VNPT Hà Nội',
      gateway: 'vnpt-gw',
      caller_numbers: ['02473001234'],
    });
    expect((await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`)).body.carrier_name).toBe('VNPT Hà Nội');
    const del = await h.call('DELETE', `/v3/carrier/${cr.body.carrier_uuid}`);
    expect(del.status).toBe(409);
    expect(del.body.error).toContain('otp-campaign');
    expect((await h.call('DELETE', `/v3/template/${t.body.template_uuid}`)).status).toBe(409);
    // a template of another type_autocall than the campaign's is refused
    const mismatch = await h.call('PUT', `/v3/campaign/${c.body.campaign_uuid}`, {
      campaign_name: 'otp-campaign',
      type: 'autocall',
      active: false,
      type_autocall: 'autocall_audio',
      template_uuid: t.body.template_uuid,
    });
    expect(mismatch.status).toBe(400);
  });

  it('unknown template / carrier / user references are clear 400s', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const t = await h.call('POST', '/v3/campaign', { campaign_name: 'g1', type: 'autocall', template_uuid: ghost });
    expect(t).toMatchObject({ status: 400, body: { error: `template_uuid ${ghost} is not a template of this tenant` } });
    const c = await h.call('POST', '/v3/campaign', { campaign_name: 'g2', type: 'autocall', carrier_uuid: ghost });
    expect(c.status).toBe(400);
    const u = await h.call('POST', '/v3/campaign', { campaign_name: 'g3', type: 'autocall', users: [ghost] });
    expect(u.body).toEqual({ error: `unknown user_uuid: ${ghost}` });
  });

  it('users: extensions unique per tenant; assign_extension names an unknown extension', async () => {
    const u = await h.call('POST', '/v3/user', { username: 'lan', extension: '201', display_name: 'Lan' });
    expect(u.status).toBe(200);
    expect((await h.call('POST', '/v3/user', { username: 'lan2', extension: '201' })).status).toBe(409);
    const bad = await h.call('POST', '/v3/user', { username: 'x', extension: '12a' });
    expect(bad.body).toEqual({ error: [{ extension: "Does not match pattern '^[0-9]{2,10}$'" }] });
    const c = await h.call('POST', '/v3/campaign', autodialer('assign'));
    const res = await h.call('PUT', `/v3/campaign/${c.body.campaign_uuid}/assign_extension`, { extensions: ['201', '999'] });
    expect(res).toMatchObject({ status: 400, body: { error: 'extension 999 not found' } });
    const ok = await h.call('PUT', `/v3/campaign/${c.body.campaign_uuid}/assign_extension`, { extensions: ['201'] });
    expect(ok.body).toEqual({ campaign_uuid: c.body.campaign_uuid, users: [{ extension: '201', user_uuid: u.body.user_uuid }] });
    // the documented update body sends "users": null — that must not drop the assignment
    await h.call('PUT', `/v3/campaign/${c.body.campaign_uuid}`, {
      campaign_name: 'assign',
      type: 'autodialer',
      active: false,
      ratio: 100,
      hopper: 20,
      local_start_time: '08:00:00',
      local_end_time: '17:30:00',
      call_center_queue_strategy: 'ring-all',
      users: null,
    });
    expect((await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`)).body.users).toEqual([u.body.user_uuid]);
    expect((await h.call('DELETE', `/v3/user/${u.body.user_uuid}`)).status).toBe(409);
  });
});

describe('create also creates the queue and dialplan', () => {
  it('stores both records with the returned uuids, and the queue follows the strategy', async () => {
    const c = await h.call('POST', '/v3/campaign', { ...autodialer('with-queue'), call_center_queue_strategy: 'round-robin' });
    const q = await h.mongo.db.collection('call_center_queues').findOne({ _id: c.body.call_center_queue_uuid });
    const d = await h.mongo.db.collection('dialplans').findOne({ _id: c.body.dialplan_uuid });
    expect(q).toMatchObject({ campaign_uuid: c.body.campaign_uuid, strategy: 'round-robin', domain_uuid: h.tenant.domain_uuid });
    expect(d).toMatchObject({ campaign_uuid: c.body.campaign_uuid, domain_uuid: h.tenant.domain_uuid });
    await h.call('PUT', `/v3/campaign/${c.body.campaign_uuid}`, {
      campaign_name: 'with-queue',
      type: 'autodialer',
      active: false,
      ratio: 100,
      hopper: 20,
      local_start_time: '08:00:00',
      local_end_time: '17:30:00',
      call_center_queue_strategy: 'top-down',
    });
    expect((await h.mongo.db.collection('call_center_queues').findOne({ _id: c.body.call_center_queue_uuid }))?.strategy).toBe('top-down');
  });
});

describe('OpenAPI', () => {
  it('documents every v3 path with the same schemas that validate', async () => {
    const doc = (await h.call('GET', '/openapi.json', undefined, { token: null })).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v3/campaign',
      '/v3/campaign/{uuid}',
      '/v3/campaign/{uuid}/assign_extension',
      '/v3/campaign/{uuid}/active',
      '/v3/template',
      '/v3/carrier',
      '/v3/user',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const upd = doc.components.schemas.CampaignUpdate;
    expect(upd.required).toEqual(expect.arrayContaining(['campaign_name', 'type', 'active']));
    expect(upd.properties.mode_call.enum).toEqual(['', 'direct', 'serial', 'parralel']);
    expect(upd.properties.hopper.maximum).toBe(100);
  });
});
