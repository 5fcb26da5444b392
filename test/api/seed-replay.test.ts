// Replays every request and error example of the v3 campaign seeds (fixtures/seed-examples.json,
// copied verbatim from the vendor documents that docs/api-contract.md §1 restates) against the running API over real HTTP, on the
// real MongoDB-compatible store, and compares the bodies with the documented ones: same keys in
// the same order, same values — except the uuids and timestamps the server generates, which are
// mapped onto the documented ones after checking their format.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TS_RE, UUID_RE, type Harness, type Res } from './harness.ts';

interface Example {
  id: string;
  source: string;
  method: string;
  path: string;
  body: string | null;
  response: string;
}
const { examples } = JSON.parse(readFileSync(new URL('./fixtures/seed-examples.json', import.meta.url), 'utf8')) as {
  examples: Example[];
};
const ex = (id: string): Example => {
  const e = examples.find((x) => x.id === id);
  if (!e) throw new Error(`no example ${id}`);
  return e;
};

/** Replace documented uuids by ours in a path or raw body. */
const substitute = (text: string, map: Record<string, string>) =>
  Object.entries(map).reduce((t, [doc, ours]) => t.split(doc).join(ours), text);

/** Our uuids back to the documented ones, timestamps to the documented ones (format checked). */
function normalise(actual: unknown, expected: unknown, map: Record<string, string>): unknown {
  const reverse = Object.fromEntries(Object.entries(map).map(([d, o]) => [o, d]));
  const walk = (a: unknown, e: unknown): unknown => {
    if (typeof a === 'string') {
      if (reverse[a]) return reverse[a];
      if (typeof e === 'string' && TS_RE.test(e) && TS_RE.test(a)) {
        expect(a.endsWith('+07:00'), `${a} carries the tenant offset`).toBe(true);
        return e;
      }
      return a;
    }
    if (Array.isArray(a)) return a.map((x, i) => walk(x, Array.isArray(e) ? e[i] : undefined));
    if (a && typeof a === 'object') {
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, walk(v, (e as Record<string, unknown> | undefined)?.[k])]));
    }
    return a;
  };
  return walk(actual, expected);
}

/** Same body, key order included (Go's encoder order is what customers' parsers saw). */
function expectDocumented(res: Res, e: Example, map: Record<string, string>, status: number) {
  const documented = JSON.parse(e.response);
  expect(res.status, `${e.id}: ${res.text}`).toBe(status);
  const ours = normalise(res.body, documented, map);
  expect(JSON.stringify(ours, null, 1)).toBe(JSON.stringify(documented, null, 1));
}

let h: Harness;
const send = (e: Example, map: Record<string, string>, body?: string) =>
  h.call(e.method, substitute(e.path, map), body ?? (e.body === null ? undefined : substitute(e.body, map)), { raw: true });

beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

describe('seeds/000: autodialer campaign, every example', () => {
  const map: Record<string, string> = {};
  const docCampaign = '7bbe986b-8a6e-404c-840b-781102b5aa07';

  it('POST /v3/campaign with the documented body (trailing comma and all) → the documented response', async () => {
    const e = ex('000-create');
    expect(e.body).toMatch(/,\s*}$/); // the documented body really has the trailing comma
    const res = await send(e, map);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body)).toEqual(['call_center_queue_uuid', 'campaign_uuid', 'created', 'dialplan_uuid']);
    for (const k of ['call_center_queue_uuid', 'campaign_uuid', 'dialplan_uuid']) expect(res.body[k]).toMatch(UUID_RE);
    map[docCampaign] = res.body.campaign_uuid;
    map['ed9c141b-2699-4ad4-beee-15fd4e2ef630'] = res.body.call_center_queue_uuid;
    map['07f87476-90e0-4786-b697-1cb84dd0d24c'] = res.body.dialplan_uuid;
    map['c275b950-9885-4775-b1bd-09fc865afa48'] = h.tenant.domain_uuid;
    expectDocumented(res, e, map, 200);
  });

  it('the same name again → {"error":"campaign_name is already taken"} (409)', async () => {
    expectDocumented(await send(ex('000-create-name-taken'), map), ex('000-create-name-taken'), map, 409);
  });

  it('an empty campaign_name → the documented gojsonschema list (400)', async () => {
    const e = ex('000-create-empty-name');
    const body = substitute(ex('000-create').body!, map).replace('"Get Log Autodilaer"', '""');
    expectDocumented(await send(e, map, body), e, map, 400);
  });

  it('PUT /v3/campaign/{uuid} with the documented body → {"campaign_uuid"}', async () => {
    expectDocumented(await send(ex('000-update'), map), ex('000-update'), map, 200);
  });

  it('PUT with the "sample data" body → the same', async () => {
    expectDocumented(await send(ex('000-update-sample'), map), ex('000-update-sample'), map, 200);
  });

  it('PUT renaming another campaign to a taken name → {"error":"campaign_name is already taken"} (409)', async () => {
    const other = await h.call('POST', '/v3/campaign', { campaign_name: 'Other', type: 'autodialer', ratio: 150 });
    expect(other.status).toBe(200);
    const e = ex('000-update-name-taken');
    expectDocumented(await send(e, { ...map, [docCampaign]: other.body.campaign_uuid }), e, map, 409);
    expect((await h.call('DELETE', `/v3/campaign/${other.body.campaign_uuid}`)).status).toBe(200);
  });

  it('GET /v3/campaign → the documented list, field for field', async () => {
    expectDocumented(await send(ex('000-list'), map), ex('000-list'), map, 200);
  });

  it('GET /v3/campaign/{uuid} → the documented campaign, field for field', async () => {
    expectDocumented(await send(ex('000-get'), map), ex('000-get'), map, 200);
  });

  it('PUT /v3/campaign/{uuid}/assign_extension → the documented users', async () => {
    const e = ex('000-assign');
    const documented = JSON.parse(e.response) as { users: { extension: string; user_uuid: string }[] };
    for (const u of documented.users) {
      const res = await h.call('POST', '/v3/user', { username: `agent${u.extension}`, extension: u.extension });
      expect(res.status, res.text).toBe(200);
      map[u.user_uuid] = res.body.user_uuid;
    }
    expectDocumented(await send(e, map), e, map, 200);
    const got = await h.call('GET', `/v3/campaign/${map[docCampaign]}`);
    expect(got.body.users).toEqual(documented.users.map((u) => map[u.user_uuid]));
  });

  it('assign_extension with "extensions": null → the documented gojsonschema list (400)', async () => {
    const e = ex('000-assign-null');
    expectDocumented(await send(e, map, '{"extensions": null}'), e, map, 400);
  });

  it('PATCH /v3/campaign/{uuid}/active → {"active","campaign_uuid"}', async () => {
    expectDocumented(await send(ex('000-patch-active'), map), ex('000-patch-active'), map, 200);
    expectDocumented(await send(ex('000-patch-sample'), map), ex('000-patch-sample'), map, 200);
  });

  it('PATCH of an unknown campaign → {"error":"Not Found"} (404)', async () => {
    const e = ex('000-patch-not-found');
    expectDocumented(await send(e, {}), e, {}, 404);
  });

  it('PATCH without active → {"error":"active is missing"} (400)', async () => {
    const e = ex('000-patch-missing');
    expectDocumented(await send(e, map, '{}'), e, map, 400);
  });

  it('DELETE of an active campaign → {"error":"campaign must be deactive"} (409)', async () => {
    expect((await h.call('PATCH', `/v3/campaign/${map[docCampaign]}/active`, { active: true })).body.active).toBe(true);
    expectDocumented(await send(ex('000-delete-active'), map), ex('000-delete-active'), map, 409);
  });

  it('DELETE of an inactive campaign → {"campaign_uuid"}; its call records stay', async () => {
    await h.call('PATCH', `/v3/campaign/${map[docCampaign]}/active`, { active: false });
    const calls = h.mongo.db.collection('calls');
    await calls.insertOne({ campaign_uuid: map[docCampaign], domain_uuid: h.tenant.domain_uuid, note: 'a call record' });
    expectDocumented(await send(ex('000-delete'), map), ex('000-delete'), map, 200);
    expect(await calls.countDocuments({ campaign_uuid: map[docCampaign] })).toBe(1);
    expect(await h.mongo.db.collection('call_center_queues').countDocuments({ campaign_uuid: map[docCampaign] })).toBe(0);
    expect(await h.mongo.db.collection('dialplans').countDocuments({ campaign_uuid: map[docCampaign] })).toBe(0);
  });

  it('DELETE again → {"error":"Not Found"} (404)', async () => {
    expectDocumented(await send(ex('000-delete-not-found'), map), ex('000-delete-not-found'), map, 404);
  });
});

describe('seeds/002: autocall campaign update, every example', () => {
  const map: Record<string, string> = {};
  const docCampaign = 'c2da23c0-9739-4287-828a-7b15cf0fb19e';
  let templateName = '';
  let carrierName = '';

  beforeAll(async () => {
    const c = await h.call('POST', '/v3/campaign', { campaign_name: 'AutocallAudio', type: 'autocall' });
    expect(c.status, c.text).toBe(200);
    map[docCampaign] = c.body.campaign_uuid;
    templateName = 'Thông báo cước';
    const t = await h.call('POST', '/v3/template', {
      template_name: templateName,
      type_autocall: 'autocall_audio',
      audio_file: 'https://cdn.example.com/audio/notice.wav',
    });
    expect(t.status, t.text).toBe(200);
    map['5f427552-857e-4939-8edf-cbd0f1ef6842'] = t.body.template_uuid;
    carrierName = 'Viettel trunk';
    const cr = await h.call('POST', '/v3/carrier', { carrier_name: carrierName, gateway: 'viettel', caller_numbers: ['02873001234'] });
    expect(cr.status, cr.text).toBe(200);
    map['a18b400f-d487-4e17-b5e7-eba5fe6fa54f'] = cr.body.carrier_uuid;
  });

  it('PUT with the documented body → {"campaign_uuid"}, and GET shows every field it set', async () => {
    const e = ex('002-update');
    expectDocumented(await send(e, map), e, map, 200);
    const sent = JSON.parse(substitute(e.body!, map)) as Record<string, unknown>;
    const got = (await h.call('GET', `/v3/campaign/${map[docCampaign]}`)).body as Record<string, unknown>;
    const readOnly = new Set(['created_at', 'updated_at', 'template_name', 'carrier_name', 'domain_name', 'run_id', 'orig_campaign_uuid']);
    for (const [k, v] of Object.entries(sent)) if (!readOnly.has(k)) expect(got[k], k).toEqual(v);
    // names come from the directory, not from the body
    expect(got.template_name).toBe(templateName);
    expect(got.carrier_name).toBe(carrierName);
    expect(got.created_at).toMatch(TS_RE);
    expect(got.created_at).not.toBe(sent.created_at);
  });

  it('PUT with the "sample data" body → {"campaign_uuid"}', async () => {
    expectDocumented(await send(ex('002-update-sample'), map), ex('002-update-sample'), map, 200);
  });

  it('PUT giving another campaign the name → {"error":"campaign_name is already taken"} (409)', async () => {
    const other = await h.call('POST', '/v3/campaign', { campaign_name: 'Another', type: 'autocall' });
    const e = ex('002-update-name-taken');
    expectDocumented(await send(e, { ...map, [docCampaign]: other.body.campaign_uuid }), e, map, 409);
  });
});
