// The compliance API on the real app and store (docs/compliance.md): the tenant policy and the
// campaign override (only tightening), the tenant do-not-call list (bulk import with per-row
// errors, replay, lookup, paging, delete), holidays (overlaps refused); bad input answers the
// documented shapes and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Harness } from '../api/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

const campaign = async (name: string) =>
  (await h.call('POST', '/v3/campaign', { campaign_name: name, type: 'autodialer', ratio: 100 })).body.campaign_uuid as string;

describe('policy', () => {
  it('none until set; PUT replaces it whole; GET shows it', async () => {
    expect((await h.call('GET', '/v3/policy')).body).toEqual({
      max_calls_per_number_24h: null,
      max_calls_per_number_day: null,
      allowed_hours: null,
    });
    const p = { max_calls_per_number_24h: 1, allowed_hours: { start: '08:00', end: '17:00' } };
    const put = await h.call('PUT', '/v3/policy', p);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ...p, max_calls_per_number_day: null });
    expect((await h.call('GET', '/v3/policy')).body).toEqual({ ...p, max_calls_per_number_day: null });
  });

  it('values out of range or malformed: 400 naming the field, nothing stored', async () => {
    const before = (await h.call('GET', '/v3/policy')).body;
    const cases: Array<[unknown, string]> = [
      [{ max_calls_per_number_24h: 0 }, 'max_calls_per_number_24h'],
      [{ max_calls_per_number_24h: 101 }, 'max_calls_per_number_24h'],
      [{ max_calls_per_number_day: 1.5 }, 'max_calls_per_number_day'],
      [{ max_calls_per_number_day: '2' }, 'max_calls_per_number_day'],
      [{ allowed_hours: { start: '8:00', end: '17:00' } }, 'allowed_hours.start'],
      [{ allowed_hours: { start: '17:00', end: '08:00' } }, 'allowed_hours'],
      [{ allowed_hours: { start: '08:00' } }, 'allowed_hours'],
      [{ max_calls: 1 }, '(root)'],
    ];
    for (const [body, field] of cases) {
      const r = await h.call('PUT', '/v3/policy', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(Array.isArray(r.body.error), JSON.stringify(r.body)).toBe(true);
      expect(Object.keys(r.body.error[0])[0], JSON.stringify(r.body)).toBe(field);
    }
    expect((await h.call('PUT', '/v3/policy')).status).toBe(400);
    expect((await h.call('GET', '/v3/policy')).body).toEqual(before);
  });

  it('a campaign override may only tighten: a looser value → 400 naming the field', async () => {
    await h.call('PUT', '/v3/policy', {
      max_calls_per_number_24h: 2,
      max_calls_per_number_day: 3,
      allowed_hours: { start: '08:00', end: '17:00' },
    });
    const uuid = await campaign('override');
    const none = await h.call('GET', `/v3/campaign/${uuid}/policy`);
    expect(none.body).toMatchObject({ override: false, max_calls_per_number_24h: null, effective: { max_calls_per_number_24h: 2 } });

    const loose = await h.call('PUT', `/v3/campaign/${uuid}/policy`, {
      max_calls_per_number_24h: 3,
      allowed_hours: { start: '07:00', end: '12:00' },
    });
    expect(loose.status).toBe(400);
    expect(loose.body.error.map((e: object) => Object.keys(e)[0])).toEqual(['max_calls_per_number_24h', 'allowed_hours']);
    expect((await h.call('GET', `/v3/campaign/${uuid}/policy`)).body.override).toBe(false);

    const tight = await h.call('PUT', `/v3/campaign/${uuid}/policy`, {
      max_calls_per_number_24h: 1,
      allowed_hours: { start: '09:00', end: '17:00' },
    });
    expect(tight.status).toBe(200);
    expect(tight.body).toMatchObject({
      override: true,
      max_calls_per_number_24h: 1,
      effective: { max_calls_per_number_24h: 1, max_calls_per_number_day: 3, allowed_hours: { start: '09:00', end: '17:00' } },
    });
    expect((await h.call('PUT', '/v3/campaign/00000000-0000-4000-8000-000000000000/policy', {})).status).toBe(404);
    const other = await h.newTenant('other-policy');
    expect((await h.call('GET', `/v3/campaign/${uuid}/policy`, undefined, { token: other.token })).status).toBe(404);
  });
});

describe('do-not-call list', () => {
  it('bulk import: per-row errors for malformed numbers, the good rows stored, normalised as the dialer does', async () => {
    const r = await h.call('POST', '/v3/dnc', {
      numbers: ['0912345678', '+84 98 259 6021', 'abc', '0912'],
      entries: [{ number: '84903000111', reason: 'lawyer', expires_at: '2099-01-01T00:00:00+07:00' }, { number: '+1 212 555 0100' }],
      reason: 'customer request',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ added: 3, updated: 0, unchanged: 0, rejected: 3 });
    expect(r.body.errors.map((e: { row: number }) => e.row)).toEqual([2, 3, 5]);
    expect(r.body.errors[0]).toMatchObject({ number: 'abc', error: expect.stringContaining('digits') });

    const one = await h.call('GET', '/v3/dnc?number=0982596021');
    expect(one.body.data).toEqual([
      expect.objectContaining({
        number: '+84982596021',
        national: '0982596021',
        reason: 'customer request',
        expires_at: null,
        active: true,
      }),
    ]);
    const lawyer = await h.call('GET', '/v3/dnc?number=0903000111');
    expect(lawyer.body.data[0]).toMatchObject({ reason: 'lawyer', expires_at: '2099-01-01T00:00:00+07:00' });
    expect((await h.call('GET', '/v3/dnc?number=0900000000')).body).toMatchObject({ data: [], total: 0 });
    expect((await h.call('GET', '/v3/dnc?number=xyz')).body).toMatchObject({ data: [], total: 0 });
  });

  it('a replay adds nothing; a changed reason is updated; the list pages by number', async () => {
    const again = await h.call('POST', '/v3/dnc', { numbers: ['0912345678', '0982596021'], reason: 'customer request' });
    expect(again.body).toMatchObject({ added: 0, updated: 0, unchanged: 2, rejected: 0 });
    const changed = await h.call('POST', '/v3/dnc', { numbers: ['0912345678'], reason: 'complaint' });
    expect(changed.body).toMatchObject({ added: 0, updated: 1, unchanged: 0 });
    const page = await h.call('GET', '/v3/dnc?limit=2&offset=1');
    expect(page.body.total).toBe(3);
    expect(page.body.data.map((d: { number: string }) => d.number)).toEqual(['+84912345678', '+84982596021']);
  });

  it('a few thousand in one request, and a second tenant sees none of them', async () => {
    const numbers = Array.from({ length: 5000 }, (_, i) => `097${String(i).padStart(7, '0')}`);
    const r = await h.call('POST', '/v3/dnc', { numbers, expires_at: null });
    expect(r.body).toMatchObject({ added: 5000, rejected: 0 });
    expect((await h.call('GET', '/v3/dnc')).body.total).toBe(5003);
    const other = await h.newTenant('other-dnc');
    expect((await h.call('GET', '/v3/dnc', undefined, { token: other.token })).body.total).toBe(0);
  });

  it('delete: by any form of the number; not listed → 404', async () => {
    expect((await h.call('DELETE', '/v3/dnc/0912%20345%20678')).body).toEqual({ number: '+84912345678' });
    expect((await h.call('DELETE', '/v3/dnc/0912345678')).status).toBe(404);
    expect((await h.call('DELETE', '/v3/dnc/not-a-number')).status).toBe(404);
  });

  it('a malformed body stores nothing: 400 in the validation shape', async () => {
    const before = (await h.call('GET', '/v3/dnc')).body.total;
    for (const body of [
      { numbers: ['0911111111', 912] },
      { numbers: ['0911111111'], expires_at: 'tomorrow' },
      { numbers: ['0911111111'], reason: 'x'.repeat(201) },
      { entries: [{ number: '0911111111', colour: 'red' }] },
    ]) {
      const r = await h.call('POST', '/v3/dnc', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(Array.isArray(r.body.error)).toBe(true);
    }
    const none = await h.call('POST', '/v3/dnc');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: 'request body is empty: expected a JSON object' });
    expect((await h.call('POST', '/v3/dnc', {})).body).toMatchObject({ added: 0, rejected: 0 });
    expect((await h.call('GET', '/v3/dnc')).body.total).toBe(before);
  });
});

describe('holidays', () => {
  it('PUT replaces the list; GET shows it and the built-in public holidays when asked', async () => {
    const r = await h.call('PUT', '/v3/holidays', {
      holidays: [
        { name: 'Tết (nghỉ bù)', start: '2026-02-14', end: '2026-02-22' },
        { name: 'bảo trì', start: '2026-03-02T10:00', end: '2026-03-02T12:00' },
      ],
      vn_public_holidays: true,
    });
    expect(r.status).toBe(200);
    expect(r.body.holidays).toHaveLength(2);
    expect(r.body.vn_public_holidays).toBe(true);
    expect(r.body.public_holidays.some((x: { name: string }) => x.name === 'Tết Nguyên Đán')).toBe(true);
  });

  it('overlapping or malformed entries: 400 naming them, nothing stored', async () => {
    const before = (await h.call('GET', '/v3/holidays')).body;
    const overlap = await h.call('PUT', '/v3/holidays', {
      holidays: [
        { name: 'a', start: '2026-05-01', end: '2026-05-03' },
        { name: 'b', start: '2026-05-03', end: '2026-05-04' },
      ],
    });
    expect(overlap.status).toBe(400);
    expect(overlap.body).toEqual({ error: [{ 'holidays.1': 'overlaps holidays.0 (2026-05-01 – 2026-05-03)' }] });
    const malformed = await h.call('PUT', '/v3/holidays', { holidays: [{ name: 'a', start: '2026-13-01', end: '2026-13-02' }] });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.error[0])).toEqual(['holidays.0']);
    expect((await h.call('PUT', '/v3/holidays', { holidays: 'none' })).status).toBe(400);
    expect((await h.call('GET', '/v3/holidays')).body).toEqual(before);
  });
});
