// The contact-limit counter on the real store (storage/contact-slots.ts): concurrent dials for one
// number never take more calls than the limit (the unique `_id` decides), a retried dial finds its
// own reservation, a call given back counts no more.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_POLICY, type Policy } from '../../domain/compliance.ts';
import { releaseContact, reserveContact } from '../../storage/contact-slots.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { testConfig } from '../helpers/env.ts';

let mongo: Mongo;
beforeAll(async () => {
  mongo = await connectMongo(testConfig());
});
afterAll(async () => {
  await mongo?.db.dropDatabase().catch(() => {});
  await mongo?.close();
});

const req = (e164: string, policy: Policy, call_id: string = randomUUID()) => ({
  domain_uuid: 'tenant-a',
  campaign_uuid: 'c',
  e164,
  call_id,
  policy,
  time_zone: 'Asia/Ho_Chi_Minh',
  now: Date.now(),
});

describe('reserveContact', () => {
  it('eight dials racing for a number limited to 1 per 24 h: exactly one wins, for every number', async () => {
    const policy = { ...NO_POLICY, max_calls_per_number_24h: 1 };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => `+8491000${String(i).padStart(4, '0')}`).map((n) =>
        Promise.all(Array.from({ length: 8 }, () => reserveContact(mongo.db, req(n, policy)))),
      ),
    );
    for (const r of results) {
      expect(r.filter((x) => x.ok)).toHaveLength(1);
      for (const x of r) if (!x.ok) expect(x.rule).toBe('max_calls_per_number_24h');
    }
  });

  it('a limit of 3 per day with ten racing dials: exactly three', async () => {
    const policy = { ...NO_POLICY, max_calls_per_number_day: 3 };
    const r = await Promise.all(Array.from({ length: 10 }, () => reserveContact(mongo.db, req('+84910009999', policy))));
    expect(r.filter((x) => x.ok)).toHaveLength(3);
  });

  it('a retried dial (same call id) gets its own slot back; a call given back counts no more', async () => {
    const policy = { ...NO_POLICY, max_calls_per_number_24h: 1 };
    const first = await reserveContact(mongo.db, req('+84910008888', policy, 'call-1'));
    const retry = await reserveContact(mongo.db, req('+84910008888', policy, 'call-1'));
    expect(first.ok && retry.ok && retry.slot === first.slot).toBe(true);
    expect((await reserveContact(mongo.db, req('+84910008888', policy, 'call-2'))).ok).toBe(false);
    await releaseContact(mongo.db, (first as { slot: string }).slot);
    expect((await reserveContact(mongo.db, req('+84910008888', policy, 'call-2'))).ok).toBe(true);
  });

  it("another tenant's calls to the same number do not count", async () => {
    const policy = { ...NO_POLICY, max_calls_per_number_24h: 1 };
    expect((await reserveContact(mongo.db, req('+84910007777', policy))).ok).toBe(true);
    expect((await reserveContact(mongo.db, { ...req('+84910007777', policy), domain_uuid: 'tenant-b' })).ok).toBe(true);
  });
});
