// A call whose message cannot be played (issue 14): FreeSWITCH answers, playback says FILE NOT
// FOUND (capture 40-playback-file-not-found) and hangs up at once. The call is not a delivered
// answered call: it is recorded `failed` with its delivery_error (the URL in it), counted in the
// report's failed bucket, logged, and recalled per the campaign's rules. Here the simulator fetches
// the message from the API's audio address, which answers nothing (no API on that port).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/procs.ts';
import { updateCampaign } from '../../storage/campaigns.ts';
import { templates } from '../../storage/directory.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cr-notdelivered-'));

describe('a message that cannot be played', () => {
  let e: Engine;
  beforeAll(async () => {
    const nowhere = await freePort(); // FreeSWITCH (the simulator) fetches the audio here: refused
    e = await startEngine(
      // missingMedia "fail" is FreeSWITCH's behaviour (and the simulator's default)
      { missingMedia: 'fail', default: { action: 'answer', ringMs: 20, talkMs: 30_000 } },
      { env: { DATA_DIR: dataDir, AUDIO_DELIVERY: 'http', AUDIO_BASE_URL: `http://127.0.0.1:${nowhere}` } },
    );
  });
  afterAll(async () => {
    await e?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is recorded failed with the reason, counted failed, and recalled', async () => {
    const template = await templates(e.mongo.db).create(e.tenant.domain_uuid, {
      template_name: 'tb',
      type_autocall: 'autocall_voice_tts',
      content: 'Xin chào quý khách',
      audio_file: '',
      otp_param: '',
      otp_repeat: 2,
      description: '',
    });
    const campaign = await e.campaign({ recall_times: 1, schedule_recall: 'after', recall_status: ['failed'] });
    await updateCampaign(e.mongo.db, e.tenant.domain_uuid, campaign, {
      template_uuid: template.template_uuid,
      template_name: 'tb',
      type_autocall: 'autocall_voice_tts',
    });
    await e.addLeads(campaign, ['0981400001']);
    await e.startRun(campaign, { recallFloorMs: 300, reconcileAfterMs: 5_000, pollLeadsMs: 300 });
    await waitFor(async () => (await leadsOfCampaign(e, campaign))[0]?.status === 'done', 60_000, 'the lead done');
    const calls = (await callsOfCampaign(e, campaign)).sort((a, b) => a.attempt - b.attempt);
    expect(calls).toHaveLength(2); // recalled once
    for (const c of calls) {
      expect(c).toMatchObject({ answered: true, disposition: 'failed', report: 'failed', billsec: 0 });
      expect(c.delivery_error, c.delivery_error).toMatch(
        /^playback: FILE NOT FOUND \(http_cache:\/\/http:\/\/127\.0\.0\.1:\d+\/[^)]+\.wav\)$/,
      );
    }
    expect(originatesOf(e, campaign)).toHaveLength(2);
  }, 90_000);
});
