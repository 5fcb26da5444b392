// Voicemail detection on the real stack (issue 17): the campaign's `amd` makes the answered leg run
// mod_avmd (execute_on_answer=avmd_start); the simulator's `machine` callee beeps as capture
// 41-avmd-start-beep shows; the node listener hears avmd::beep and hangs up (`hangup`) or plays the
// message after the beep (`leave_message`: uuid_transfer); the call is recorded `voicemail` and
// recalled per recall_status. A person is recorded answered; without `amd` nothing runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCampaign } from '../../storage/campaigns.ts';
import { templates } from '../../storage/directory.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';
import { RawEsl, type Frame } from '../simulator/raw.ts';

const MACHINE = '0981700001';
const MACHINE2 = '0981700002';
const PERSON = '0981700003';
const dataDir = mkdtempSync(join(tmpdir(), 'cr-amd-'));
const RUN = { recallFloorMs: 300, reconcileAfterMs: 10_000, pollLeadsMs: 300 };

describe('voicemail detection (mod_avmd)', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine(
      {
        numbers: {
          // the greeting lasts 20 s if nobody acts on the beep, which sounds 400 ms after the answer
          [MACHINE]: { action: 'machine', ringMs: 20, beepMs: 400, talkMs: 20_000 },
          [MACHINE2]: { action: 'machine', ringMs: 20, beepMs: 400, talkMs: 20_000 },
          [PERSON]: { action: 'answer', ringMs: 20, talkMs: 1_200 },
        },
      },
      { env: { DATA_DIR: dataDir, AUDIO_DELIVERY: 'path' } },
    );
  });
  afterAll(async () => {
    await e?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('amd hangup: a machine is hung up at the beep, recorded voicemail and recalled; a person is answered', async () => {
    const campaign = await e.campaign({ amd: 'hangup', recall_times: 1, schedule_recall: 'after', recall_status: ['voicemail'] });
    await e.addLeads(campaign, [MACHINE, PERSON]);
    await e.startRun(campaign, RUN);
    await waitFor(async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done'), 60_000, 'both leads done');
    const calls = await callsOfCampaign(e, campaign);
    const machine = calls.filter((c) => c.phone_number === MACHINE).sort((a, b) => a.attempt - b.attempt);
    const person = calls.filter((c) => c.phone_number === PERSON);
    expect(machine).toHaveLength(2); // recalled once (recall_times 1)
    for (const c of machine) {
      expect(c).toMatchObject({ answered: true, disposition: 'voicemail', report: 'no_answer', voice_bot_status: 2 });
      // hung up by us at the beep, not by the machine's 20 s greeting
      expect(c.billsec).toBeLessThan(5);
    }
    expect(person).toHaveLength(1);
    expect(person[0]).toMatchObject({ answered: true, disposition: 'answered' });
    const dials = originatesOf(e, campaign);
    expect(dials).toHaveLength(3);
    for (const d of dials) expect(d.variables).toMatchObject({ execute_on_answer_amd: 'avmd_start', cr_amd: 'hangup' });
    for (const d of dials.filter((x) => x.dialString.includes(MACHINE))) expect(d.endedAt! - d.completedAt!).toBeLessThan(5_000);
  }, 90_000);

  it('voicemail not in recall_status: recorded voicemail, not recalled', async () => {
    const campaign = await e.campaign({ amd: 'hangup', recall_times: 2, schedule_recall: 'after', recall_status: ['busy'] });
    await e.addLeads(campaign, [MACHINE2]);
    await e.startRun(campaign, RUN);
    await waitFor(async () => (await leadsOfCampaign(e, campaign))[0]?.status === 'done', 60_000, 'the lead done');
    const calls = await callsOfCampaign(e, campaign);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ disposition: 'voicemail', answered: true });
    expect(originatesOf(e, campaign)).toHaveLength(1);
  }, 60_000);

  it('amd off: nothing listens for a beep; the machine is an answered call that lasts its greeting', async () => {
    const campaign = await e.campaign({ recall_times: 0 });
    e.sim.control.setNumberRule(MACHINE2, { action: 'machine', ringMs: 20, beepMs: 100, talkMs: 1_500 });
    await e.addLeads(campaign, [MACHINE2]);
    await e.startRun(campaign, RUN);
    await waitFor(async () => (await leadsOfCampaign(e, campaign))[0]?.status === 'done', 60_000, 'the lead done');
    const [c] = await callsOfCampaign(e, campaign);
    expect(c).toMatchObject({ answered: true, disposition: 'answered' });
    expect(c!.billsec).toBeGreaterThanOrEqual(1); // the greeting's 1.5 s, not cut at its beep
    const [d] = originatesOf(e, campaign);
    expect(d!.variables['execute_on_answer_amd']).toBeUndefined();
    expect(d!.variables['cr_amd']).toBeUndefined();
  }, 60_000);

  it('amd leave_message: the message plays over the greeting, then again from its start after the beep; voicemail', async () => {
    const template = await templates(e.mongo.db).create(e.tenant.domain_uuid, {
      template_name: 'vm',
      type_autocall: 'autocall_voice_tts',
      content: 'Xin chào, đây là tin nhắn nhắc thanh toán',
      audio_file: '',
      otp_param: '',
      otp_repeat: 1,
      description: '',
    });
    const campaign = await e.campaign({ amd: 'leave_message', recall_times: 0, recall_status: ['voicemail'] });
    await updateCampaign(e.mongo.db, e.tenant.domain_uuid, campaign, {
      template_uuid: template.template_uuid,
      template_name: 'vm',
      type_autocall: 'autocall_voice_tts',
    });
    const watch = await RawEsl.connect(e.sim.port);
    await watch.login(e.sim.password);
    watch.send('event plain CHANNEL_EXECUTE CHANNEL_HANGUP_COMPLETE CUSTOM avmd::beep');
    await e.addLeads(campaign, [MACHINE]);
    await e.startRun(campaign, RUN);
    await waitFor(async () => (await leadsOfCampaign(e, campaign))[0]?.status === 'done', 60_000, 'the lead done');
    const [c] = await callsOfCampaign(e, campaign);
    expect(c).toMatchObject({ answered: true, disposition: 'voicemail', delivery_error: '' });
    const [d] = originatesOf(e, campaign);
    expect(d!.variables['cr_amd']).toBe('leave_message');
    const file = d!.variables['cr_amd_message']!;
    expect(d!.app).toBe(`&playback(${file})`);
    const mine = (f: Frame) => f.event?.h['Unique-ID'] === c!.call_id;
    const seq = watch
      .events()
      .filter(mine)
      .map((f) => {
        const h = f.event!.h;
        if (h['Event-Name'] === 'CHANNEL_EXECUTE') return `${h['Application']}(${h['Application-Data'] ?? ''})`;
        return h['Event-Subclass'] ?? h['Event-Name']!;
      });
    expect(seq).toEqual([
      'avmd_start()',
      `playback(${file})`,
      'avmd::beep',
      'avmd::beep',
      `playback(${file})`,
      'hangup()',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    watch.close();
  }, 90_000);
});
