// Call recordings on the real stack (issue 17): a campaign with record_calls runs record_session on
// the answered leg; the simulator writes the WAV as FreeSWITCH would at the hangup; the call record,
// its cdr callback body and the voice-bot record_file carry the signed record_url; the API serves
// the file by that URL (no token) or with the tenant's token, to that tenant only; a bad or expired
// signature is 403, another tenant's call and a call without a recording 404; the retention workflow
// deletes files older than RECORDING_RETENTION_DAYS and keeps the others.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { cdrCallPayload, voiceBotCallHistoryPayload } from '../../callbacks/payload.ts';
import { createLogger } from '../../config/log.ts';
import { recordingFile, recordingsDir, signRecording } from '../../media/recordings.ts';
import { freePort } from '../../scripts/lib/procs.ts';
import { createTenant } from '../../storage/tenants.ts';
import { ensureRecordingRetention } from '../../worker/recording-retention.ts';
import { callsOfCampaign, leadsOfCampaign, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const TALKER = '0981800001';
const BUSY = '0981800002';
const dataDir = mkdtempSync(join(tmpdir(), 'cr-rec-'));

/** Seconds of audio in a PCM WAV, from its header (data bytes / byte rate). */
function wavSeconds(b: Buffer): number {
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.toString('ascii', 8, 12)).toBe('WAVE');
  expect(b.toString('ascii', 36, 40)).toBe('data');
  expect(b.readUInt32LE(40)).toBe(b.length - 44);
  return b.readUInt32LE(40) / b.readUInt32LE(28);
}

describe('call recordings', () => {
  let e: Engine;
  let api: ReturnType<typeof serve>;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    e = await startEngine(
      {
        numbers: {
          [TALKER]: { action: 'answer', ringMs: 20, talkMs: 2_300 },
          [BUSY]: { action: 'busy', ringMs: 20 },
        },
      },
      { env: { DATA_DIR: dataDir, RECORDING_BASE_URL: base, RECORDING_RETENTION_DAYS: '30' } },
    );
    const logger = createLogger('recordings-test', 'silent');
    api = serve({
      fetch: createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger }, mountRoutes).fetch,
      hostname: '127.0.0.1',
      port,
    });
  });
  afterAll(async () => {
    await new Promise((r) => api?.close(r));
    await e?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a recorded call: the file has the call’s length, record_url serves it to its tenant only', async () => {
    const campaign = await e.campaign({ record_calls: true, recall_times: 0 });
    await e.addLeads(campaign, [TALKER, BUSY]);
    await e.startRun(campaign, { reconcileAfterMs: 10_000, pollLeadsMs: 300 });
    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 60_000, 'the leads done');
    const calls = await callsOfCampaign(e, campaign);
    const talk = calls.find((c) => c.phone_number === TALKER)!;
    const busy = calls.find((c) => c.phone_number === BUSY)!;
    expect(talk.answered).toBe(true);
    expect(busy.answered).toBe(false);
    expect(busy.record_url).toBe(''); // not answered: nothing recorded

    // the file, where record_session wrote it, as long as the call was up (answer → hangup)
    const file = recordingFile(e.config, e.tenant.domain_uuid, talk.call_id);
    expect(file.startsWith(recordingsDir(e.config))).toBe(true);
    expect(existsSync(file)).toBe(true);
    const secs = wavSeconds(readFileSync(file));
    const upSecs = (talk.ended_at!.getTime() - talk.answered_at!.getTime()) / 1000;
    expect(Math.abs(secs - upSecs)).toBeLessThan(0.5);
    expect(Math.abs(secs - 2.3)).toBeLessThan(0.5); // the callee's 2.3 s
    expect(Math.floor(secs)).toBeGreaterThanOrEqual(talk.billsec - 1);

    // record_url: signed, expiring with the retention (30 days after the call's end)
    const url = new URL(talk.record_url);
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/v3/recording/${talk.call_id}`);
    const expires = Number(url.searchParams.get('expires'));
    expect(expires).toBe(Math.floor(talk.ended_at!.getTime() / 1000) + 30 * 86_400);
    expect(url.searchParams.get('sig')).toMatch(/^[0-9a-f]{64}$/);
    // in the cdr callback body and the voice-bot call history
    expect(cdrCallPayload(talk).record_url).toBe(talk.record_url);
    expect(voiceBotCallHistoryPayload(talk).record_file).toBe(talk.record_url);
    expect(cdrCallPayload(busy).record_url).toBe('');

    // served by the signed URL, no token: the same bytes
    const got = await fetch(talk.record_url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await got.arrayBuffer()).equals(readFileSync(file))).toBe(true);

    // a signature that does not match, or has expired: 403
    const bad = new URL(talk.record_url);
    bad.searchParams.set('sig', (bad.searchParams.get('sig')![0] === 'a' ? 'b' : 'a') + bad.searchParams.get('sig')!.slice(1));
    expect((await fetch(bad)).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = `${base}/v3/recording/${talk.call_id}?expires=${past}&sig=${signRecording(e.config, talk.call_id, e.tenant.domain_uuid, past)}`;
    const r403 = await fetch(expired);
    expect(r403.status).toBe(403);
    expect(await r403.json()).toEqual({ error: 'invalid or expired signature' });
    const longer = new URL(talk.record_url);
    longer.searchParams.set('expires', String(expires + 86_400)); // the signature names its expiry
    expect((await fetch(longer)).status).toBe(403);

    // the tenant's token serves its own call; another tenant gets 404, even signing for itself
    const other = await createTenant(e.mongo.db, { name: 'someone else' });
    const bare = `${base}/v3/recording/${talk.call_id}`;
    const own = await fetch(bare, { headers: { authorization: `Bearer ${e.token}` } });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).length).toBe(statSync(file).size);
    const theirs = await fetch(bare, { headers: { authorization: `Bearer ${other.token}` } });
    expect(theirs.status).toBe(404);
    expect(await theirs.json()).toEqual({ error: 'recording not found' });
    const forged = `${bare}?expires=${expires}&sig=${signRecording(e.config, talk.call_id, other.tenant.domain_uuid, expires)}`;
    expect((await fetch(forged)).status).toBe(403);
    expect((await fetch(bare)).status).toBe(401); // neither a signature nor a token
    // no recording: the busy call, a call id that names nothing
    expect((await fetch(`${base}/v3/recording/${busy.call_id}`, { headers: { authorization: `Bearer ${e.token}` } })).status).toBe(404);
    expect((await fetch(`${base}/v3/recording/nothing-here?expires=${expires}&sig=${'0'.repeat(64)}`)).status).toBe(404);
  }, 90_000);

  it('the retention workflow deletes recordings older than RECORDING_RETENTION_DAYS and keeps the rest', async () => {
    const dir = join(recordingsDir(e.config), e.tenant.domain_uuid);
    mkdirSync(dir, { recursive: true });
    const old = join(dir, '00000000-0000-4000-8000-000000000001.wav');
    const fresh = join(dir, '00000000-0000-4000-8000-000000000002.wav');
    writeFileSync(old, Buffer.alloc(44));
    writeFileSync(fresh, Buffer.alloc(44));
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    utimesSync(old, days(31), days(31));
    utimesSync(fresh, days(29), days(29));
    await ensureRecordingRetention(e.client, e.config.TEMPORAL_TASK_QUEUE, { everyMs: 200 });
    await waitFor(() => !existsSync(old), 30_000, 'the old recording deleted');
    expect(existsSync(fresh)).toBe(true);
  }, 60_000);
});
