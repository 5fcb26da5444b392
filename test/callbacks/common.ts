// Shared by the callback engine tests: the API app on the engine's servers (same task queue, so
// the API's invalid-number callbacks run on the test worker), and waiting for deliveries.
import pino from 'pino';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { deliveriesOf, type CallbackDeliveryDoc } from '../../callbacks/store.ts';
import { callsOf, type CallDoc } from '../../storage/calls.ts';
import { leadsOf } from '../../storage/leads.ts';
import { waitFor, type Engine } from '../engine/harness.ts';

export function apiOf(e: Engine): {
  app: App;
  get(path: string, token?: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  post(path: string, body: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
} {
  const app = createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: pino({ level: 'silent' }) }, mountRoutes);
  const req = async (method: string, path: string, body?: unknown, token = e.token) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return { app, get: (path, token) => req('GET', path, undefined, token), post: (path, body) => req('POST', path, body) };
}

/** Every lead of the campaign finished (done or invalid) and every call record final. */
export async function campaignFinished(e: Engine, campaign_uuid: string, timeoutMs = 90_000): Promise<CallDoc[]> {
  await waitFor(
    async () => {
      const ls = await leadsOf(e.mongo.db).find({ campaign_uuid }).toArray();
      return ls.length > 0 && ls.every((l) => l.status === 'done' || l.status === 'invalid');
    },
    timeoutMs,
    'every lead done',
  );
  return waitFor(
    async () => {
      const cs = await callsOf(e.mongo.db).find({ campaign_uuid }).toArray();
      return cs.length > 0 && cs.every((c) => c.state === 'done') ? cs : undefined;
    },
    timeoutMs,
    'every call record final',
  );
}

export const deliveriesOfCampaign = (e: Engine, campaign_uuid: string): Promise<CallbackDeliveryDoc[]> =>
  deliveriesOf(e.mongo.db).find({ campaign_uuid }).toArray();

/** The Idempotency-Keys a campaign's calls should produce: a cdr per record, an answer per answered call. */
export function expectedKeys(calls: CallDoc[], opts: { answers: boolean }): Set<string> {
  const keys = new Set(calls.map((c) => `${c.call_id}:cdr`));
  if (opts.answers) for (const c of calls) if (c.answered) keys.add(`${c.call_id}:answer`);
  return keys;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
