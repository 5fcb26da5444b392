// The voice-bot API's create (docs/api-contract.md §4) on the real stack: the API in-process, the
// Temporal dev server, the store, the worker and the simulator. The documented request is replayed
// and the bodies compared exactly; integer campaign ids are checked for uniqueness under
// concurrency, stability and lazy assignment of campaigns made before them.
import pino from 'pino';
import { templates } from '../../storage/directory.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { bumpVersion } from '../../storage/campaign-cache.ts';
import { allocateCampaignId } from '../../storage/campaign-ids.ts';
import { campaignsOf, createCampaign, getCampaign } from '../../storage/campaigns.ts';
import { leadsOf } from '../../storage/leads.ts';
import { createTenant } from '../../storage/tenants.ts';
import { campaignByIntegerId } from '../../storage/voicebot.ts';
import { defaultSettings } from '../../domain/campaign.ts';
import { originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const DOCUMENTED = {
  vbotId: '44634xxxx',
  groupCode: 'PR20230307144xxxxx',
  campaignId: 2932,
  name: 'campaign_name_new',
  phones: [
    {
      fields: [
        { key: 'phone', value: '0366255xxx' },
        { key: 'name', value: 'Nguyễn Văn x' },
      ],
    },
  ],
};
const invalid = (msg: string) => ({ status: 0, error: 201, msg, data: '-1' });

describe('voice-bot: POST /api/campaign/create and integer campaign ids', () => {
  let e: Engine;
  let app: App;
  const post = async (body: unknown, opts: { raw?: boolean; token?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const tok = opts.token === undefined ? e.token : opts.token;
    if (tok !== null) headers.authorization = `Bearer ${tok}`;
    const res = await app.request('/api/campaign/create', {
      method: 'POST',
      headers,
      body: opts.raw ? String(body) : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    e = await startEngine({ default: { action: 'answer', ringMs: 20, talkMs: 100 } });
    app = createApp(
      {
        config: e.config,
        db: e.mongo.db,
        temporal: e.client,
        logger: pino({ level: 'silent' }),
        engineOptions: { recallFloorMs: 300, reconcileAfterMs: 5_000, pollLeadsMs: 300 },
      },
      mountRoutes,
    );
  });
  afterAll(async () => {
    await e?.close();
  });

  it('integer ids: unique and dense under concurrent creates, per tenant, stable', async () => {
    const { tenant } = await createTenant(e.mongo.db, { name: 'ids' });
    const base = { ...defaultSettings('autocall'), type: 'autocall' as const, template_name: '', carrier_name: '' };
    const docs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createCampaign(e.mongo.db, tenant.domain_uuid, { ...base, campaign_name: `c${i}` })),
    );
    const ids = docs.map((d) => d.campaign_id!);
    expect(new Set(ids).size).toBe(12);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Stored, and found again by id.
    for (const d of docs) {
      expect((await campaignsOf(e.mongo.db).findOne({ _id: d.campaign_uuid }))?.campaign_id).toBe(d.campaign_id);
      expect((await campaignByIntegerId(e.mongo.db, tenant.domain_uuid, d.campaign_id!))?.campaign_uuid).toBe(d.campaign_uuid);
    }
    // Another tenant counts from 1 and cannot reach these by id.
    const other = await createTenant(e.mongo.db, { name: 'ids-other' });
    const o = await createCampaign(e.mongo.db, other.tenant.domain_uuid, { ...base, campaign_name: 'c0' });
    expect(o.campaign_id).toBe(1);
    expect(await campaignByIntegerId(e.mongo.db, other.tenant.domain_uuid, 2)).toBeNull();
    // Concurrent assignment for one campaign agrees on one id.
    const same = await Promise.all(
      Array.from({ length: 5 }, () => allocateCampaignId(e.mongo.db, tenant.domain_uuid, docs[0]!.campaign_uuid)),
    );
    expect(new Set(same)).toEqual(new Set([docs[0]!.campaign_id]));
  });

  it('a campaign made before integer ids gets one lazily, after those that exist', async () => {
    const { tenant } = await createTenant(e.mongo.db, { name: 'lazy' });
    const base = { ...defaultSettings('autocall'), type: 'autocall' as const, template_name: '', carrier_name: '' };
    const first = await createCampaign(e.mongo.db, tenant.domain_uuid, { ...base, campaign_name: 'new-one' });
    expect(first.campaign_id).toBe(1);
    const old = {
      ...first,
      _id: 'old-uuid-1',
      campaign_uuid: 'old-uuid-1',
      campaign_name: 'old',
      created_at: new Date(Date.now() - 86_400_000),
    };
    delete (old as { campaign_id?: number }).campaign_id;
    await campaignsOf(e.mongo.db).insertOne(old);
    await bumpVersion(e.mongo.db, tenant.domain_uuid);
    const found = await campaignByIntegerId(e.mongo.db, tenant.domain_uuid, 2);
    expect(found?.campaign_uuid).toBe('old-uuid-1');
    expect((await getCampaign(e.mongo.db, tenant.domain_uuid, 'old-uuid-1'))?.campaign_id).toBe(2);
    expect(await campaignByIntegerId(e.mongo.db, tenant.domain_uuid, 3)).toBeNull();
  });

  it('the documented request: clones the template, imports the phones, starts dialing, answers the documented body', async () => {
    const template = await e.campaign({
      concurrent_call: 2,
      recall_times: 2,
      schedule_recall: 'after',
      callback_url: 'https://hooks.example.com/vbot',
      call_timeout: 25,
      description: 'tpl',
    });
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, template))!;
    const body = {
      ...DOCUMENTED,
      campaignId: t.campaign_id,
      phones: [
        {
          fields: [
            { key: 'phone', value: '0366255001' },
            { key: 'name', value: 'Nguyễn Văn x' },
            { key: 'description', value: 'hạn 10/3' },
            { key: 'numberCall', value: '2' },
            { key: 'contract', value: 'HD1' },
          ],
        },
        { fields: [{ key: 'phone', value: '0981255002' }] },
      ],
    };
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['status', 'error', 'msg', 'data']);
    expect(res.body).toEqual({ status: 1, error: 0, msg: 'success', data: res.body.data });
    expect(Number.isInteger(res.body.data)).toBe(true);
    expect(res.body.data).toBeGreaterThan(t.campaign_id!);

    const c = (await campaignByIntegerId(e.mongo.db, e.tenant.domain_uuid, res.body.data))!;
    expect(c).toMatchObject({
      campaign_name: 'campaign_name_new',
      orig_campaign_uuid: template,
      callback_format: 'voice_bot',
      callback_url: 'https://hooks.example.com/vbot',
      carrier_uuid: t.carrier_uuid,
      concurrent_call: 2,
      recall_times: 2,
      schedule_recall: 'after',
      call_timeout: 25,
      description: 'tpl',
      active: true,
      status: 'start',
      vbot_id: '44634xxxx',
      group_code: 'PR20230307144xxxxx',
    });
    expect(c.campaign_uuid).not.toBe(template);
    const leads = await leadsOf(e.mongo.db).find({ campaign_uuid: c.campaign_uuid }).sort({ order: 1 }).toArray();
    expect(leads.map((l) => [l.phone_number, l.source])).toEqual([
      ['0366255001', 'voice_bot'],
      ['0981255002', 'voice_bot'],
    ]);
    expect(leads[0]!.param).toEqual({ phone: '0366255001', name: 'Nguyễn Văn x', description: 'hạn 10/3', numberCall: 2, contract: 'HD1' });
    // It dials.
    await waitFor(() => originatesOf(e, c.campaign_uuid).length >= 2, 30_000, 'both phones dialed');
  });

  it('a re-post of the same request (its answer lost) answers the same campaign and adds nothing', async () => {
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, await e.campaign({ concurrent_call: 1 })))!;
    const phones = [{ fields: [{ key: 'phone', value: '0366255101' }] }, { fields: [{ key: 'phone', value: '0366255102' }] }];
    const body = { ...DOCUMENTED, campaignId: t.campaign_id, name: 'vb-retry', phones };
    const first = await post(body);
    expect(first.body).toMatchObject({ status: 1, error: 0 });
    const c = (await campaignByIntegerId(e.mongo.db, e.tenant.domain_uuid, first.body.data))!;
    // What a first try that died after storing one lead (and before starting the run) leaves.
    await leadsOf(e.mongo.db).deleteMany({ campaign_uuid: c.campaign_uuid, phone_number: '0366255102' });
    expect(await post(body)).toEqual({ status: 200, body: first.body });
    const leads = await leadsOf(e.mongo.db).find({ campaign_uuid: c.campaign_uuid }).toArray();
    expect(leads.map((l) => l.phone_number).sort()).toEqual(['0366255101', '0366255102']);
    await waitFor(() => originatesOf(e, c.campaign_uuid).length >= 2, 30_000, 'both phones dialed');
    expect(await post(body)).toEqual({ status: 200, body: first.body });
    expect(await leadsOf(e.mongo.db).countDocuments({ campaign_uuid: c.campaign_uuid })).toBe(2);
    // Another request under the same name is not a retry: the name is taken.
    expect((await post({ ...body, phones: [phones[0]] })).body).toEqual(invalid('name "vb-retry" is already taken'));
  });

  it('failure shapes: invalid parameters are error 201 with HTTP 200', async () => {
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, await e.campaign({})))!;
    const ok = { ...DOCUMENTED, campaignId: t.campaign_id, name: 'x-fail', phones: [{ fields: [{ key: 'phone', value: '0366255000' }] }] };
    const without = (k: string) => Object.fromEntries(Object.entries(ok).filter(([key]) => key !== k));
    const cases: Array<[unknown, string, boolean?]> = [
      [without('vbotId'), 'vbotId is required'],
      [without('groupCode'), 'groupCode is required'],
      [without('campaignId'), 'campaignId is required'],
      [without('name'), 'name is required'],
      [without('phones'), 'phones is required'],
      [{ ...ok, name: '  ' }, 'name must not be empty'],
      [{ ...ok, campaignId: 'abc' }, 'campaignId must be a positive integer'],
      [{ ...ok, phones: [] }, 'phones must not be empty'],
      [{ ...ok, phones: [{}] }, 'phones[0].fields is required (a list of {key, value})'],
      [{ ...ok, phones: [{ fields: [{ key: 'name', value: 'A' }] }] }, 'phones[0] has no phone field'],
      [
        { ...ok, phones: [{ fields: [{ key: 'phone', value: '0981000001' }] }, { fields: [{ key: 'phone', value: '12345' }] }] },
        'phones[1]: "12345" is not a valid phone number',
      ],
      [
        {
          ...ok,
          phones: [
            {
              fields: [
                { key: 'phone', value: '0981000001' },
                { key: 'numberCall', value: 'two' },
              ],
            },
          ],
        },
        'phones[0]: numberCall must be an integer from 1 to 100',
      ],
      [{ ...ok, phones: [{ fields: [{ key: 'phone' }] }] }, 'phones[0].fields[0].value is required'],
      [{ ...ok, campaignId: 999_999 }, 'campaignId 999999 is not a campaign of this account'],
      ['{"vbotId": "1",', 'malformed JSON body: ', true],
      ['[1,2]', 'the body must be a JSON object', true],
      ['', 'request body is empty: expected a JSON object', true],
    ];
    for (const [body, msg, raw] of cases) {
      const res = await post(body, { raw });
      expect(res.status, msg).toBe(200);
      if (msg.endsWith(': ')) {
        expect(res.body).toEqual(invalid(res.body.msg));
        expect(res.body.msg.startsWith(msg)).toBe(true);
      } else expect(res.body, msg).toEqual(invalid(msg));
    }
    // Another tenant's template is unknown here.
    const other = await createTenant(e.mongo.db, { name: 'vb-other' });
    const theirs = await createCampaign(e.mongo.db, other.tenant.domain_uuid, {
      ...defaultSettings('autocall'),
      type: 'autocall',
      campaign_name: 'theirs',
      template_name: '',
      carrier_name: '',
    });
    expect((await post({ ...ok, campaignId: theirs.campaign_id === t.campaign_id ? 999_998 : 999_997 })).body.error).toBe(201);
    // A name already taken is an invalid parameter; nothing was created by any failure.
    expect((await post({ ...ok, name: t.campaign_name })).body).toEqual(invalid(`name "${t.campaign_name}" is already taken`));
    expect(await campaignsOf(e.mongo.db).countDocuments({ campaign_name: 'x-fail' })).toBe(0);
    // A template that cannot run: error 400.
    const inbound = await e.campaign({ type: 'inbound' });
    const ib = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, inbound))!;
    expect(await post({ ...ok, campaignId: ib.campaign_id })).toEqual({
      status: 200,
      body: {
        status: 0,
        error: 400,
        msg: `campaign ${ib.campaign_id} is inbound: only autocall/autodialer campaigns can be cloned and run`,
        data: '-1',
      },
    });
    // No token: the shared 401.
    expect((await post(ok, { token: null })).status).toBe(401);
  });

  it("a phone without a value the template's script needs is refused (201) and nothing is created", async () => {
    const script = await templates(e.mongo.db).create(e.tenant.domain_uuid, {
      template_name: `vb-${Math.random().toString(36).slice(2)}`,
      type_autocall: 'autocall_voice_tts',
      content: 'Chào {{name}}, khoản nợ {{due_amount}}',
      audio_file: '',
      otp_param: '',
      otp_repeat: 1,
      description: '',
    });
    const uuid = await e.campaign({ template_uuid: script.template_uuid, type_autocall: 'autocall_voice_tts' });
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, uuid))!;
    const phones = [
      {
        fields: [
          { key: 'phone', value: '0366255010' },
          { key: 'name', value: 'An' },
          { key: 'due_amount', value: '10410000' },
        ],
      },
      {
        fields: [
          { key: 'phone', value: '0366255011' },
          { key: 'name', value: 'Bình' },
        ],
      },
    ];
    const before = await campaignsOf(e.mongo.db).countDocuments({ domain_uuid: e.tenant.domain_uuid });
    expect(await post({ ...DOCUMENTED, campaignId: t.campaign_id, name: 'vb-missing', phones })).toEqual({
      status: 200,
      body: invalid('phones[1]: due_amount is required'),
    });
    expect(await campaignsOf(e.mongo.db).countDocuments({ domain_uuid: e.tenant.domain_uuid })).toBe(before);
    const res = await post({ ...DOCUMENTED, campaignId: t.campaign_id, name: 'vb-complete', phones: [phones[0]] });
    expect(res.body).toMatchObject({ status: 1, error: 0, msg: 'success' });
  });

  it('is in /openapi.json', async () => {
    const doc = await (await app.request('/openapi.json')).json();
    expect(doc.paths['/api/campaign/create'].post.tags).toEqual(['voice-bot']);
  });
});
