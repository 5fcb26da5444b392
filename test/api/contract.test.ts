// Issue 20, contract mismatches: what the docs say is what the API does and what /openapi.json
// says. A malformed (over-long) path uuid is 404; the run commands' `{}` body is not read (any body
// is accepted); an unsupported method on an existing path is 405 with Allow; an empty integer query
// parameter is a 400 in the validation shape; gateway names "." and ".." are refused; the
// rules between fields are stated in the document.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Harness } from './harness.ts';

let h: Harness;
let campaign: string;
beforeAll(async () => {
  h = await startApi({}, { temporal: true });
  campaign = (await h.call('POST', '/v3/campaign', { campaign_name: 'contract', type: 'autocall' })).body.campaign_uuid;
});
afterAll(async () => {
  await h?.close();
});

/** Any method (fetch refuses TRACE), with the tenant's token. */
function raw(method: string, path: string): Promise<{ status: number; allow: string | undefined; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${h.token}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('path uuids', () => {
  it('a uuid over 64 characters (malformed) is 404 Not Found, as any unknown uuid', async () => {
    const long = 'a'.repeat(65);
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `/v3/campaign/${long}`],
      ['PUT', `/v3/campaign/${long}`, { campaign_name: 'x', type: 'autocall', active: false }],
      ['DELETE', `/v3/campaign/${long}`],
      ['PATCH', `/v3/campaign/${long}/active`, { active: true }],
      ['PUT', `/v3/campaign/${long}/assign_extension`, { extensions: [] }],
      ['GET', `/v3/campaign/${long}/callbacks`],
      ['GET', `/v3/callbacks/${long}`],
      ['GET', `/v3/template/${long}`],
      ['DELETE', `/v3/carrier/${long}`],
      ['GET', `/v3/user/${'x'.repeat(500)}`],
      ['POST', `/v1/campaign/${long}/run/start`, {}],
      ['POST', `/v1/campaign/${long}/run/stop`, {}],
    ];
    for (const [m, path, body] of cases) {
      const res = await h.call(m, path, body);
      expect(res.status, `${m} ${path.slice(0, 40)}: ${res.text}`).toBe(404);
      expect(res.body).toEqual({ error: 'Not Found' });
    }
  });
});

describe('run start/pause/stop: the {} body is not read', () => {
  it('malformed JSON, another content type, an array or no body: the command is done', async () => {
    for (const action of ['start', 'pause', 'stop', 'start', 'stop']) {
      for (const [body, type] of [
        ['{not json', 'application/json'],
        ['[1,2]', 'application/json'],
        ['hello', 'text/plain'],
        [undefined, undefined],
        ['{}', 'application/json'],
      ] as const) {
        const headers: Record<string, string> = { authorization: `Bearer ${h.token}` };
        if (type) headers['content-type'] = type;
        const res = await fetch(`${h.baseUrl}/v1/campaign/${campaign}/run/${action}`, { method: 'POST', headers, body });
        expect(res.status, `${action} ${String(body)}`).toBe(200);
        expect(await res.json()).toEqual({ campaign_uuid: campaign });
      }
      const status = (await h.call('GET', `/v3/campaign/${campaign}`)).body.status;
      expect(status).toBe(action);
    }
    // An unknown campaign is still 404, whatever the body.
    const res = await h.call('POST', '/v1/campaign/7bbe986b-8a6e-404c-840b-781102b5aa07/run/start', '{x', { raw: true });
    expect(res.status).toBe(404);
  });
});

describe('unsupported methods', () => {
  it('on an existing path: 405 Method Not Allowed with Allow; an unknown path stays 404', async () => {
    const cases: Array<[string, string, string]> = [
      ['TRACE', '/v3/campaign', 'GET, HEAD, POST'],
      ['PATCH', `/v3/campaign/${campaign}`, 'GET, HEAD, PUT, DELETE'],
      ['TRACE', `/v3/campaign/${campaign}/active`, 'PATCH'],
      ['OPTIONS', '/v1/autocall/report', 'GET, HEAD'],
      ['DELETE', `/v1/campaign/${campaign}/run/start`, 'POST'],
      ['GET', '/v2/autocall/queue', 'POST'],
      ['TRACE', '/v2/autocall/queue/dnc', 'POST'],
      ['PUT', '/api/campaign/create', 'POST'],
      ['TRACE', '/v3/template/abc', 'GET, HEAD, PUT, DELETE'],
      ['PATCH', '/v3/audio', 'POST'],
      ['TRACE', `/v3/audio/${'ab'.repeat(32)}`, 'GET, HEAD, DELETE'],
    ];
    for (const [m, path, allow] of cases) {
      const res = await raw(m, path);
      expect(res.status, `${m} ${path}`).toBe(405);
      expect(res.allow, `${m} ${path}`).toBe(allow);
      expect(res.body).toEqual({ error: 'Method Not Allowed' });
    }
    for (const [m, path] of [
      ['TRACE', '/v3/nothing'],
      ['GET', '/v1/nothing/here'],
      ['TRACE', '/v2/autocall/queue/x/y'],
      ['GET', '/api/nothing'],
    ]) {
      const res = await raw(m!, path!);
      expect(res.status, `${m} ${path}`).toBe(404);
      expect(res.body).toEqual({ error: 'Not Found' });
    }
  });
});

describe('integer query parameters', () => {
  it('an empty, non-integer or out-of-range limit/offset is a 400 in the validation shape; absent is the default', async () => {
    const cases: Array<[string, unknown]> = [
      ['offset=', [{ offset: 'Invalid type. Expected: integer, given: string' }]],
      ['limit=', [{ limit: 'Invalid type. Expected: integer, given: string' }]],
      ['offset=abc', [{ offset: 'Invalid type. Expected: integer, given: string' }]],
      ['offset=1.5', [{ offset: 'Invalid type. Expected: integer, given: string' }]],
      ['offset=-1', [{ offset: 'Must be greater than or equal to 0' }]],
      ['offset=1000000001', [{ offset: 'Must be less than or equal to 1000000000' }]],
      ['limit=0', [{ limit: 'Must be greater than or equal to 1' }]],
      ['limit=1001', [{ limit: 'Must be less than or equal to 1000' }]],
    ];
    for (const path of ['/v3/campaign', '/v3/template', '/v3/carrier', '/v3/user', `/v3/campaign/${campaign}/callbacks`]) {
      for (const [qs, error] of cases) {
        const res = await h.call('GET', `${path}?${qs}`);
        expect(res.status, `${path}?${qs}`).toBe(400);
        expect(res.body, `${path}?${qs}`).toEqual({ error });
      }
      const ok = await h.call('GET', path);
      expect(ok.status).toBe(200);
      expect([ok.body.limit, ok.body.offset]).toEqual([10, 0]);
      expect((await h.call('GET', `${path}?limit=5&offset=1000000000`)).body).toMatchObject({ limit: 5, offset: 1_000_000_000, data: [] });
    }
  });
});

describe('carriers', () => {
  it('gateway names "." and ".." are refused (they name no gateway: sofia/gateway/../…)', async () => {
    for (const gateway of ['.', '..']) {
      const res = await h.call('POST', '/v3/carrier', { carrier_name: `g${gateway}`, gateway, caller_numbers: ['02873001234'] });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: [{ gateway: "Does not match pattern '^(?!\\.\\.?$)[A-Za-z0-9_.-]{1,128}$'" }] });
    }
    for (const gateway of ['...', '.trunk', 'viettel.hcm', 'a..b']) {
      const res = await h.call('POST', '/v3/carrier', { carrier_name: `g${gateway}`, gateway, caller_numbers: ['02873001234'] });
      expect(res.status, gateway).toBe(200);
    }
  });
});

describe('/openapi.json states the rules between fields', () => {
  it('x-cross-field-rules, uniqueItems, optional report dates, the create body without campaign_uuid', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    const s = doc.components.schemas;
    expect(s.CampaignCreate['x-cross-field-rules']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^type autodialer: ratio is required/)]),
    );
    expect(s.CampaignUpdate['x-cross-field-rules']).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/hopper, local_start_time, local_end_time and call_center_queue_strategy are required/),
      ]),
    );
    expect(s.CampaignCreate.properties.campaign_uuid).toBeUndefined();
    expect(s.TemplateBody['x-cross-field-rules']).toEqual(
      expect.arrayContaining(['type_autocall autocall_audio: audio_file is required (not blank)', 'digits: min ≤ max']),
    );
    expect(s.TemplateDigits['x-cross-field-rules']).toEqual(['min ≤ max']);
    expect(s.CarrierBody.properties.networks.uniqueItems).toBe(true);
    expect(s.CarrierBody.properties.gateway.pattern).toBe('^(?!\\.\\.?$)[A-Za-z0-9_.-]{1,128}$');
    const report = doc.paths['/v1/autocall/report'].get.parameters;
    expect(report.filter((p: { required: boolean }) => p.required).map((p: { name: string }) => p.name)).toEqual(['campaign_uuid']);
    const list = doc.paths['/v3/campaign'].get.parameters.find((p: { name: string }) => p.name === 'offset');
    expect(list.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: 1_000_000_000 });
    const start = doc.paths['/v1/campaign/{uuid}/run/start'].post;
    expect(start.requestBody.required).toBe(false);
    expect(start.requestBody.content['application/json'].schema.type).toBeUndefined(); // any body
    expect(doc.paths['/v3/campaign/{uuid}'].get.parameters[0].schema.maxLength).toBeUndefined();
    expect(Object.keys(doc.paths['/v3/audio'].post.requestBody.content)).toContain('audio/wav');
    // A blank queue code is refused (400 `queue_code is required`): the schema says so with a pattern.
    const importCode = doc.paths['/v2/autocall/queue/import'].get.parameters.find((p: { name: string }) => p.name === 'queue_code');
    expect(importCode.schema).toMatchObject({ minLength: 1, maxLength: 200, pattern: '\\S' });
  });
});
