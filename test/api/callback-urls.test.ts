// Issue 14: a callback URL that can never be delivered is refused when a campaign is written
// (create and update), in the documented validation shape, instead of being accepted and failing
// every delivery. Literal non-public addresses and credentials are judged as at delivery
// (callbacks/url.ts); host names are left to delivery. CALLBACK_ALLOW_PRIVATE=true lifts the
// address rule (not the credentials rule). And the voice-bot clone of a template saved before the
// rule is refused (error 400), nothing created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../domain/campaign.ts';
import { campaignsOf, createCampaign, updateCampaign } from '../../storage/campaigns.ts';
import { startApi, type Harness } from './harness.ts';

let h: Harness;
let open: Harness;
beforeAll(async () => {
  [h, open] = await Promise.all([startApi(), startApi({ CALLBACK_ALLOW_PRIVATE: 'true' })]);
});
afterAll(async () => {
  await Promise.all([h?.close(), open?.close()]);
});

let n = 0;
const create = (api: Harness, extra: Record<string, unknown>) =>
  api.call('POST', '/v3/campaign', { campaign_name: `cb ${n++}`, type: 'autocall', ...extra });

const REFUSED: Array<[string, string]> = [
  ['http://127.0.0.1:9/cdr', 'must not point at a loopback address (127.0.0.1)'],
  ['http://localhost:8080/cdr', 'must not point at a loopback address (localhost)'],
  ['https://10.1.2.3/cdr', 'must not point at a private address (10.1.2.3)'],
  ['http://192.168.1.10/cdr', 'must not point at a private address (192.168.1.10)'],
  ['http://169.254.169.254/latest/meta-data', 'must not point at a link-local address (169.254.169.254)'],
  ['http://[::1]/cdr', 'must not point at a loopback address (::1)'],
  ['https://user:secret@hooks.example.com/cdr', 'must not contain a user name or password'],
];

describe('callback_url / answer_callback_url checked on write', () => {
  it('create: a URL that can never be delivered is a 400 in the list shape, nothing stored', async () => {
    for (const [url, message] of REFUSED) {
      for (const field of ['callback_url', 'answer_callback_url']) {
        const res = await create(h, { [field]: url });
        expect(res.status, `${field} ${url}: ${res.text}`).toBe(400);
        expect(res.body, url).toEqual({ error: [{ [field]: message }] });
      }
    }
    // Both at once: one entry each.
    const both = await create(h, { callback_url: REFUSED[0]![0], answer_callback_url: REFUSED[6]![0] });
    expect(both.body).toEqual({ error: [{ callback_url: REFUSED[0]![1] }, { answer_callback_url: REFUSED[6]![1] }] });
    expect(await campaignsOf(h.mongo.db).countDocuments({ domain_uuid: h.tenant.domain_uuid })).toBe(0);
  });

  it('update: refused the same way, the stored URL unchanged', async () => {
    const made = await create(h, { callback_url: 'https://hooks.example.com/cdr' });
    expect(made.status, made.text).toBe(200);
    const uuid = made.body.campaign_uuid as string;
    for (const [url, message] of REFUSED) {
      const res = await h.call('PUT', `/v3/campaign/${uuid}`, {
        campaign_name: 'cb upd',
        type: 'autocall',
        active: false,
        callback_url: url,
      });
      expect(res.status, url).toBe(400);
      expect(res.body).toEqual({ error: [{ callback_url: message }] });
    }
    expect((await h.call('GET', `/v3/campaign/${uuid}`)).body.callback_url).toBe('https://hooks.example.com/cdr');
  });

  it('public literals, host names (checked at delivery) and "" are accepted', async () => {
    for (const url of [
      '',
      'https://hooks.example.com/cdr?x=1',
      'http://8.8.8.8:8080/cb',
      'https://internal.corp.example/cb',
      'http://[2001:4860:4860::8888]/cb',
    ]) {
      const res = await create(h, { callback_url: url, answer_callback_url: url });
      expect(res.status, `${url}: ${res.text}`).toBe(200);
    }
  });

  it('CALLBACK_ALLOW_PRIVATE=true accepts private and loopback addresses, never credentials', async () => {
    for (const url of ['http://127.0.0.1:9/cdr', 'http://localhost:8080/cdr', 'https://10.1.2.3/cdr']) {
      const res = await create(open, { callback_url: url });
      expect(res.status, `${url}: ${res.text}`).toBe(200);
    }
    const cred = await create(open, { callback_url: 'https://user:secret@hooks.example.com/cdr' });
    expect(cred.status).toBe(400);
    expect(cred.body).toEqual({ error: [{ callback_url: 'must not contain a user name or password' }] });
  });

  it('/openapi.json states the rule', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    const props = doc.components.schemas.CampaignCreate.properties;
    for (const f of ['callback_url', 'answer_callback_url']) expect(props[f].description).toMatch(/non-public address/);
  });
});

describe('voice-bot create: a template whose callback URL was saved before the rule', () => {
  it('is refused with error 400 naming the field and how to fix it; nothing is created', async () => {
    const template = await createCampaign(h.mongo.db, h.tenant.domain_uuid, {
      ...defaultSettings('autocall'),
      campaign_name: 'vbot template',
      type: 'autocall',
      template_name: '',
      carrier_name: '',
    });
    // As stored before URLs were checked on write.
    await updateCampaign(h.mongo.db, h.tenant.domain_uuid, template.campaign_uuid, { callback_url: 'http://127.0.0.1:9/hook' });
    const before = await campaignsOf(h.mongo.db).countDocuments({ domain_uuid: h.tenant.domain_uuid });
    const res = await h.call('POST', '/api/campaign/create', {
      vbotId: '1',
      groupCode: 'G',
      campaignId: template.campaign_id,
      name: 'vbot clone',
      phones: [{ fields: [{ key: 'phone', value: '0981300001' }] }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 0,
      error: 400,
      msg: `campaign ${template.campaign_id}: callback_url must not point at a loopback address (127.0.0.1); correct it with PUT /v3/campaign/${template.campaign_uuid}`,
      data: '-1',
    });
    expect(await campaignsOf(h.mongo.db).countDocuments({ domain_uuid: h.tenant.domain_uuid })).toBe(before);
  });
});
