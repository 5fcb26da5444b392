// The campaign options of issue 17 through the v3 API: `amd` and `record_calls` are written by
// POST and PUT (a PUT that omits them keeps them), returned by GET only when set (after the
// documented fields, so the documented object is unchanged otherwise), and refused when invalid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Harness } from '../api/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

describe('campaign options amd and record_calls', () => {
  it('are stored, shown only when set, kept by a PUT that omits them, and validated', async () => {
    const plain = await h.call('POST', '/v3/campaign', { campaign_name: 'plain', type: 'autocall' });
    expect(plain.status).toBe(200);
    const got = await h.call('GET', `/v3/campaign/${plain.body.campaign_uuid}`);
    expect(Object.keys(got.body)).not.toContain('amd');
    expect(Object.keys(got.body)).not.toContain('record_calls');
    expect(Object.keys(got.body).at(-1)).toBe('orig_campaign_uuid');

    const c = await h.call('POST', '/v3/campaign', { campaign_name: 'vm', type: 'autocall', amd: 'leave_message', record_calls: true });
    expect(c.status).toBe(200);
    const uuid = c.body.campaign_uuid as string;
    const view = (await h.call('GET', `/v3/campaign/${uuid}`)).body;
    expect([view.amd, view.record_calls]).toEqual(['leave_message', true]);
    expect(Object.keys(view).slice(-3)).toEqual(['orig_campaign_uuid', 'amd', 'record_calls']);

    // a PUT without them keeps them; with them changes them; off / false hide them again
    expect((await h.call('PUT', `/v3/campaign/${uuid}`, { campaign_name: 'vm', type: 'autocall', active: false })).status).toBe(200);
    expect((await h.call('GET', `/v3/campaign/${uuid}`)).body.amd).toBe('leave_message');
    await h.call('PUT', `/v3/campaign/${uuid}`, { campaign_name: 'vm', type: 'autocall', active: false, amd: 'hangup' });
    expect((await h.call('GET', `/v3/campaign/${uuid}`)).body.amd).toBe('hangup');
    await h.call('PUT', `/v3/campaign/${uuid}`, { campaign_name: 'vm', type: 'autocall', active: false, amd: 'off', record_calls: false });
    const off = (await h.call('GET', `/v3/campaign/${uuid}`)).body;
    expect('amd' in off || 'record_calls' in off).toBe(false);

    const bad = await h.call('POST', '/v3/campaign', { campaign_name: 'bad', type: 'autocall', amd: 'beep', record_calls: 'yes' });
    expect(bad.status).toBe(400);
    expect(Array.isArray(bad.body.error)).toBe(true);
    const fields = (bad.body.error as Array<Record<string, string>>).flatMap((e) => Object.keys(e));
    expect(fields).toEqual(expect.arrayContaining(['amd', 'record_calls']));
    expect((await h.call('GET', '/v3/campaign?limit=100')).body.data.map((x: { campaign_name: string }) => x.campaign_name)).not.toContain(
      'bad',
    );
  });
});
