// Call recordings in an S3-compatible store (issue 17; media/recording-store.ts), on the real
// stack and a real S3 API: moto's server (pinned, installed from PyPI into the tools cache by
// scripts/lib/tools.ts ensureMoto, started here on a free port). With RECORDINGS_S3_BUCKET a
// recorded call's file moves to the bucket after the call (recording-upload workflow) and leaves
// the disk; record_url serves the object's bytes to its tenant only; the upload is idempotent
// (a retry overwrites the same key, a try after the move does nothing) and is retried until the
// file is there; the retention deletes old objects (only the product's keys) and uploads what an
// upload missed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { serve } from '@hono/node-server';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { parseConfig } from '../../config/index.ts';
import { createLogger } from '../../config/log.ts';
import { headRecording, purgeStore, recordingKey, uploadRecording } from '../../media/recording-store.ts';
import { recordingFile, signRecording } from '../../media/recordings.ts';
import { freePort, portOpen, startProc, waitReady, type Proc } from '../../scripts/lib/procs.ts';
import { ensureMoto, MOTO } from '../../scripts/lib/tools.ts';
import { createTenant } from '../../storage/tenants.ts';
import { ensureRecordingRetention } from '../../worker/recording-retention.ts';
import { recordingUploadWorkflowId } from '../../workflows/recording-upload.ts';
import { callsOfCampaign, leadsOfCampaign, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const TALKER = '0981800011';
const BUCKET = 'recordings-test';
const PREFIX = 'rec/';
const dataDir = mkdtempSync(join(tmpdir(), 'cr-rec-s3-'));

/** A finished 8 kHz 16-bit mono WAV of `n` samples (RIFF size = length - 8). */
function wav(n: number, fill = 0): Buffer {
  const b = Buffer.alloc(44 + n * 2, fill);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(n * 2, 40);
  return b;
}

describe(`recordings in an S3-compatible store (moto ${MOTO.version})`, () => {
  let e: Engine;
  let api: ReturnType<typeof serve>;
  let moto: Proc;
  let s3: S3Client;
  let base: string;
  const object = async (Key: string): Promise<Buffer> =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToByteArray());
  const keys = async (): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!).sort();

  beforeAll(async () => {
    const exe = await ensureMoto(parseConfig(process.env).TOOLS_CACHE_DIR, (l) => console.log(`[moto] ${l}`));
    const s3Port = await freePort();
    moto = startProc('moto', exe, ['-H', '127.0.0.1', '-p', String(s3Port)], { logDir: join(dataDir, 'logs') });
    await waitReady(moto, 'moto_server', () => portOpen(s3Port), 60_000);
    const endpoint = `http://127.0.0.1:${s3Port}`;
    const credentials = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };
    s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    e = await startEngine(
      { numbers: { [TALKER]: { action: 'answer', ringMs: 20, talkMs: 1_800 } } },
      {
        env: {
          DATA_DIR: dataDir,
          RECORDING_BASE_URL: base,
          RECORDING_RETENTION_DAYS: '30',
          RECORDINGS_S3_BUCKET: BUCKET,
          RECORDINGS_S3_ENDPOINT: endpoint,
          RECORDINGS_S3_PREFIX: PREFIX,
          RECORDINGS_S3_FORCE_PATH_STYLE: 'true',
          RECORDINGS_S3_ACCESS_KEY_ID: credentials.accessKeyId,
          RECORDINGS_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
      },
    );
    api = serve({
      fetch: createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: createLogger('s3-test', 'silent') }, mountRoutes)
        .fetch,
      hostname: '127.0.0.1',
      port,
    });
  }, 600_000);
  afterAll(async () => {
    await new Promise((r) => api?.close(r));
    await e?.close();
    s3?.destroy();
    await moto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a recorded call’s file moves to the bucket, leaves the disk, and is served to its tenant only', async () => {
    const campaign = await e.campaign({ record_calls: true, recall_times: 0 });
    await e.addLeads(campaign, [TALKER]);
    await e.startRun(campaign, { reconcileAfterMs: 10_000, pollLeadsMs: 300 });
    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 60_000, 'the lead done');
    const talk = (await callsOfCampaign(e, campaign))[0]!;
    expect(talk.answered).toBe(true);
    const domain = e.tenant.domain_uuid;
    const file = recordingFile(e.config, domain, talk.call_id);
    const key = recordingKey(e.config, domain, talk.call_id);
    expect(key).toBe(`${PREFIX}${domain}/${talk.call_id}.wav`);

    // the upload workflow: uploaded, verified, the local file deleted
    const upload = e.client.workflow.getHandle(recordingUploadWorkflowId(talk.call_id));
    // recordCall starts it after the lead's update: the lead may be done a moment before it exists.
    await waitFor(() => upload.describe(), 30_000, 'the upload workflow started');
    expect(await upload.result()).toBe('uploaded');
    expect(existsSync(file)).toBe(false);
    const body = await object(key);
    expect(body.toString('ascii', 0, 4)).toBe('RIFF');
    expect(body.readUInt32LE(4)).toBe(body.length - 8);
    const secs = body.readUInt32LE(40) / body.readUInt32LE(28);
    const upSecs = (talk.ended_at!.getTime() - talk.answered_at!.getTime()) / 1000;
    expect(Math.abs(secs - upSecs)).toBeLessThan(0.5); // the call's length

    // the signed URL serves the object's bytes, no token
    const got = await fetch(talk.record_url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('audio/wav');
    expect(got.headers.get('content-length')).toBe(String(body.length));
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
    // the tenant's token too; another tenant: 404 by token, 403 signing for itself; nothing: 401
    const bare = `${base}/v3/recording/${talk.call_id}`;
    const own = await fetch(bare, { headers: { authorization: `Bearer ${e.token}` } });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(body)).toBe(true);
    const other = await createTenant(e.mongo.db, { name: 'someone else' });
    const theirs = await fetch(bare, { headers: { authorization: `Bearer ${other.token}` } });
    expect(theirs.status).toBe(404);
    expect(await theirs.json()).toEqual({ error: 'recording not found' });
    const expires = Number(new URL(talk.record_url).searchParams.get('expires'));
    const forged = `${bare}?expires=${expires}&sig=${signRecording(e.config, talk.call_id, other.tenant.domain_uuid, expires)}`;
    expect((await fetch(forged)).status).toBe(403);
    expect((await fetch(bare)).status).toBe(401);

    // idempotent: a try after the move does nothing; a retry before the local delete overwrites the same key
    const etag = (await headRecording(e.config, domain, talk.call_id))!.etag;
    expect(await uploadRecording(e.config, domain, talk.call_id)).toBe('already');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    expect(await uploadRecording(e.config, domain, talk.call_id)).toBe('uploaded');
    expect(existsSync(file)).toBe(false);
    expect((await keys()).filter((k) => k.includes(talk.call_id))).toEqual([key]);
    expect((await headRecording(e.config, domain, talk.call_id))!.etag).toBe(etag);
    expect((await object(key)).equals(body)).toBe(true);

    // deleted from the bucket: 404 like a deleted file
    const r = await purgeStore(e.config, Date.now() + 31 * 86_400_000);
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    expect(await headRecording(e.config, domain, talk.call_id)).toBeNull();
    const gone = await fetch(talk.record_url);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'recording not found' });
  }, 120_000);

  it('an upload waits, retried, until FreeSWITCH has closed the file', async () => {
    const domain = e.tenant.domain_uuid;
    const call_id = '00000000-0000-4000-8000-0000000000a1';
    const file = recordingFile(e.config, domain, call_id);
    mkdirSync(dirname(file), { recursive: true });
    const data = wav(8000, 3);
    const open = Buffer.from(data);
    open.writeUInt32LE(0, 4); // FreeSWITCH still writing: the RIFF size is not final yet
    writeFileSync(file, open);
    expect(await uploadRecording(e.config, domain, call_id)).toBe('incomplete');
    expect(await headRecording(e.config, domain, call_id)).toBeNull();
    // the workflow retries until the file is closed
    const h = await e.client.workflow.start('recordingUploadWorkflow', {
      taskQueue: e.config.TEMPORAL_TASK_QUEUE,
      workflowId: recordingUploadWorkflowId(call_id),
      args: [{ call_id, domain_uuid: domain }],
    });
    await new Promise((r) => setTimeout(r, 2_500));
    writeFileSync(file, data);
    expect(await h.result()).toBe('uploaded');
    expect(existsSync(file)).toBe(false);
    expect((await object(recordingKey(e.config, domain, call_id))).equals(data)).toBe(true);
  }, 60_000);

  it('the retention deletes objects past RECORDING_RETENTION_DAYS (the product’s keys only) and uploads files an upload missed', async () => {
    const domain = e.tenant.domain_uuid;
    const ids = ['00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000b2'];
    for (const id of ids) {
      mkdirSync(dirname(recordingFile(e.config, domain, id)), { recursive: true });
      writeFileSync(recordingFile(e.config, domain, id), wav(800));
      expect(await uploadRecording(e.config, domain, id)).toBe('uploaded');
    }
    // keys that are not recordings of this product are never touched
    for (const Key of [`${PREFIX}notes.wav`, `${PREFIX}${domain}/not-a-call.wav`, `elsewhere/${domain}/${ids[0]}.wav`])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    expect(await purgeStore(e.config, Date.now() + 29 * 86_400_000)).toMatchObject({ deleted: 0 });
    const r = await purgeStore(e.config, Date.now() + 31 * 86_400_000);
    expect(r.deleted).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect(await headRecording(e.config, domain, id)).toBeNull();
    expect(await keys()).toEqual(
      expect.arrayContaining([`${PREFIX}notes.wav`, `${PREFIX}${domain}/not-a-call.wav`, `elsewhere/${domain}/${ids[0]}.wav`]),
    );

    // a file left on disk (its upload gave up) 20 minutes after its last write: the retention
    // workflow's pass uploads it and removes it from the disk
    const left = '00000000-0000-4000-8000-0000000000c1';
    const file = recordingFile(e.config, domain, left);
    writeFileSync(file, wav(1600, 5));
    const ago = new Date(Date.now() - 20 * 60_000);
    utimesSync(file, ago, ago);
    await ensureRecordingRetention(e.client, e.config.TEMPORAL_TASK_QUEUE, { everyMs: 200 });
    await waitFor(() => !existsSync(file), 30_000, 'the left-over file uploaded');
    expect((await object(recordingKey(e.config, domain, left))).equals(wav(1600, 5))).toBe(true);
  }, 60_000);
});

describe('the S3 settings', () => {
  const env = { ESL_PASSWORD: 'x' };
  it('are off without a bucket, and checked when given', () => {
    expect(parseConfig(env).RECORDINGS_S3_BUCKET).toBeUndefined();
    const c = parseConfig({
      ...env,
      RECORDINGS_S3_BUCKET: 'my-recordings',
      RECORDINGS_S3_FORCE_PATH_STYLE: 'true',
      RECORDINGS_S3_PREFIX: 'a/b/',
    });
    expect(c).toMatchObject({ RECORDINGS_S3_FORCE_PATH_STYLE: true, RECORDINGS_S3_PREFIX: 'a/b/' });
    expect(recordingKey(c, 'D0D0D0D0-0000-4000-8000-000000000001', 'x y')).toMatch(
      /^a\/b\/d0d0d0d0-0000-4000-8000-000000000001\/[0-9a-f]{40}\.wav$/,
    );
    expect(() => parseConfig({ ...env, RECORDINGS_S3_BUCKET: 'My_Bucket' })).toThrow(/RECORDINGS_S3_BUCKET/);
    expect(() => parseConfig({ ...env, RECORDINGS_S3_PREFIX: 'recordings' })).toThrow(/RECORDINGS_S3_PREFIX/);
    expect(() => parseConfig({ ...env, RECORDINGS_S3_ENDPOINT: 'not a url' })).toThrow(/RECORDINGS_S3_ENDPOINT/);
    expect(() => parseConfig({ ...env, RECORDINGS_S3_ACCESS_KEY_ID: 'only-one' })).toThrow(/set both, or neither/);
  });
});
