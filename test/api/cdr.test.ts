// POST /freeswitch/cdr with the records a real FreeSWITCH 1.10.12 posted (test/fixtures/real-fs):
// each becomes the hangup event's payload, stored once per leg; the password is required; calls
// that are not ours are accepted and dropped; the replay script posts what FreeSWITCH gave up on.
import { serve } from '@hono/node-server';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { freePort } from '../../scripts/lib/procs.ts';
import { cdrsOf } from '../../storage/cdrs.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { parseJsonCdr } from '../../telephony/cdr.ts';
import { testConfig } from '../helpers/env.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/real-fs');
const PASSWORD = 'cdr-test-password-0123';
/** The JSON body of a captured request. */
const bodyOf = (file: string) => {
  const t = readFileSync(join(fixtures, file), 'utf8');
  return t.slice(t.indexOf('\n{') + 1);
};
const auth = (password: string) => `Basic ${Buffer.from(`freeswitch:${password}`).toString('base64')}`;

describe('parseJsonCdr (real FreeSWITCH records)', () => {
  it.each([
    ['cdr-answer.http', { hangup_cause: 'NORMAL_CLEARING', sip_term_status: '200' }, true],
    ['cdr-busy.http', { hangup_cause: 'USER_BUSY', sip_term_status: '486', billsec: 0 }, false],
    ['cdr-ring.http', { hangup_cause: 'NO_ANSWER', billsec: 0 }, false],
    ['cdr-reject.http', { hangup_cause: 'CALL_REJECTED', sip_term_status: '603' }, false],
    ['cdr-unreach.http', { hangup_cause: 'NORMAL_TEMPORARY_FAILURE', sip_term_status: '503' }, false],
  ] as const)('%s', (file, expected, answered) => {
    const cdr = parseJsonCdr(JSON.parse(bodyOf(file)))!;
    expect(cdr.workflowId).toBe('lead:test'); // URL-decoded: lead%3Atest
    expect(cdr.payload).toMatchObject({ event: 'CHANNEL_HANGUP_COMPLETE', ...expected });
    expect(cdr.payload.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cdr.payload.call_id).toBe(cdr.payload.uuid);
    expect(cdr.payload.answer_epoch !== undefined).toBe(answered);
    expect(cdr.coreUuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a message that could not be played: the content error, decoded', () => {
    const cdr = parseJsonCdr(JSON.parse(bodyOf('cdr-playback-missing.http')))!;
    expect(cdr.payload).toMatchObject({
      hangup_cause: 'NORMAL_CLEARING',
      billsec: 0,
      content_error: 'playback: FILE NOT FOUND (/nonexistent.wav)',
    });
  });

  it('two legs of a serial originate: one record each, the same call id', () => {
    const a = parseJsonCdr(JSON.parse(bodyOf('cdr-serial-legA-busy.http')))!;
    const b = parseJsonCdr(JSON.parse(bodyOf('cdr-serial-legB-answer.http')))!;
    expect(a.payload.uuid).not.toBe(b.payload.uuid);
    expect(a.payload.hangup_cause).toBe('USER_BUSY');
    expect(b.payload.answer_epoch).toBeGreaterThan(0);
  });

  it('not ours, or not a record', () => {
    const body = JSON.parse(bodyOf('cdr-answer.http')) as { variables: Record<string, string> };
    delete body.variables.cr_lead_wf;
    expect(parseJsonCdr(body)).toBeUndefined();
    for (const junk of [null, 1, 'x', [], {}, { variables: [] }, { variables: 'x' }]) expect(parseJsonCdr(junk)).toBeUndefined();
  });
});

describe('POST /freeswitch/cdr', () => {
  let mongo: Mongo;
  let app: App;
  let closed: App;
  const post = (a: App, body: string, headers: Record<string, string> = { authorization: auth(PASSWORD) }) =>
    a.request('/freeswitch/cdr?uuid=x', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    const config = testConfig({ FREESWITCH_HTTP_PASSWORD: PASSWORD });
    mongo = await connectMongo(config);
    app = createApp({ config, db: mongo.db, logger: pino({ level: 'silent' }) }, mountRoutes);
    closed = createApp(
      { config: testConfig({ MONGODB_DB: config.MONGODB_DB }), db: mongo.db, logger: pino({ level: 'silent' }) },
      mountRoutes,
    );
  });
  afterAll(async () => {
    await mongo?.db.dropDatabase();
    await mongo?.close();
  });

  it('stores each leg once; refuses a wrong password; off without one', async () => {
    const body = bodyOf('cdr-answer.http');
    const first = await post(app, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ stored: true });
    expect((await post(app, body)).status).toBe(200); // FreeSWITCH may post twice
    const uuid = parseJsonCdr(JSON.parse(body))!.payload.uuid;
    expect(await cdrsOf(mongo.db).countDocuments({ _id: uuid })).toBe(1);
    expect((await cdrsOf(mongo.db).findOne({ _id: uuid }))!.event).toMatchObject({ hangup_cause: 'NORMAL_CLEARING', uuid });

    const wrong = await post(app, body, { authorization: auth('not-the-password-xx') });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid credentials' });
    expect((await post(app, body, {})).status).toBe(401);
    expect((await post(closed, body)).status).toBe(404);
    expect((await post(app, '{"variables":')).status).toBe(400);
    const foreign = JSON.parse(body) as { variables: Record<string, string> };
    delete foreign.variables.cr_lead_wf;
    const r = await post(app, JSON.stringify(foreign));
    expect(await r.json()).toEqual({ stored: false });
  });

  it('npm run cdr:replay posts what FreeSWITCH gave up on', async () => {
    const port = await freePort();
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
    const dir = mkdtempSync(join(tmpdir(), 'cr-cdr-replay-'));
    try {
      cpSync(join(fixtures, 'err-log-dir'), dir, { recursive: true });
      const uuids = readdirSync(dir).map((n) => n.slice(0, -'.cdr.json'.length));
      const run = () =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/replay-cdrs.ts', dir, '--url', `http://127.0.0.1:${port}`], {
          cwd: root,
          env: { ...process.env, FREESWITCH_HTTP_PASSWORD: PASSWORD },
        });
      expect((await run()).stdout).toContain(`posted ${uuids.length}, failed 0`);
      await run(); // again: stored once
      for (const u of uuids) expect(await cdrsOf(mongo.db).countDocuments({ _id: u })).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
