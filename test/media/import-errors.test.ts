// Import-time errors about what the call will play: a missing placeholder value, a missing OTP
// code, an unknown template, a missing audio file → POST /v3/autocall/import answers 400 in the
// documented shapes and stores no lead; the v2 queue import puts such customers in `fail`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { audioFileProblem, paramProblems } from '../../media/import-check.ts';
import { leadsOf } from '../../storage/leads.ts';
import { templatesOf } from '../../storage/directory.ts';
import { startApi, type Harness } from '../api/harness.ts';

const DEBT = 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}';
let h: Harness;
let dir: string;
let wav: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-import-'));
  wav = join(dir, 'menu.wav');
  await writeFile(wav, 'RIFF');
  h = await startApi({ DATA_DIR: dir, AUDIO_DELIVERY: 'path' });
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

async function campaignWith(template: Record<string, unknown>): Promise<{ campaign_uuid: string; template_uuid: string }> {
  const t = await h.call('POST', '/v3/template', { template_name: `t-${Math.random()}`, ...template });
  expect(t.status, JSON.stringify(t.body)).toBe(200);
  const c = await h.call('POST', '/v3/campaign', { campaign_name: `c-${Math.random()}`, type: 'autocall', template_uuid: t.body.template_uuid });
  expect(c.status, JSON.stringify(c.body)).toBe(200);
  return { campaign_uuid: c.body.campaign_uuid, template_uuid: t.body.template_uuid };
}
const leadsIn = (campaign_uuid: string) => leadsOf(h.mongo.db).countDocuments({ campaign_uuid });

describe('POST /v3/autocall/import', () => {
  it('missing placeholder values → 400 list naming each, no lead; all values → success', async () => {
    const { campaign_uuid } = await campaignWith({ type_autocall: 'autocall_voice_tts', content: DEBT });
    const res = await h.call('POST', '/v3/autocall/import', { campaign_uuid, phone_number: '0982596021', param: { customer_name: 'Nguyễn Văn A', due_date: null } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: [{ param: 'due_amount is required' }, { param: 'due_date is required' }] });
    expect(await leadsIn(campaign_uuid)).toBe(0);
    const ok = await h.call('POST', '/v3/autocall/import', {
      campaign_uuid,
      phone_number: '0982596021',
      param: { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '30/01/2021' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.message).toBe('success');
    expect(await leadsIn(campaign_uuid)).toBe(1);
  });

  it('OTP: the code is required and must have digits', async () => {
    const { campaign_uuid } = await campaignWith({ type_autocall: 'autocall_voice_otp', content: 'Mã OTP của bạn là {{otp}}' });
    const post = (param: Record<string, unknown>) => h.call('POST', '/v3/autocall/import', { campaign_uuid, phone_number: '0982596021', param });
    expect((await post({})).body).toEqual({ error: [{ param: 'otp is required' }] });
    expect((await post({ otp: 'abc' })).body).toEqual({ error: [{ 'param.otp': 'must contain the digits of the OTP code' }] });
    expect((await post({ otp: '123456' })).status).toBe(200);
  });

  it('an unknown template (deleted behind the API) → 400 naming it', async () => {
    const { campaign_uuid, template_uuid } = await campaignWith({ type_autocall: 'autocall_voice_tts', content: 'Xin chào' });
    await templatesOf(h.mongo.db).deleteOne({ _id: template_uuid });
    const res = await h.call('POST', '/v3/autocall/import', { campaign_uuid, phone_number: '0982596021', param: {} });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: `template_uuid ${template_uuid} not found` });
    expect(await leadsIn(campaign_uuid)).toBe(0);
  });

  it('autocall_audio: a missing file on the shared disk → 400; present → success', async () => {
    const missing = join(dir, 'nope.wav');
    const bad = await campaignWith({ type_autocall: 'autocall_audio', audio_file: missing });
    const res = await h.call('POST', '/v3/autocall/import', { campaign_uuid: bad.campaign_uuid, phone_number: '0982596021', param: {} });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: `audio_file ${missing} not found` });
    const good = await campaignWith({ type_autocall: 'autocall_audio', audio_file: wav });
    expect((await h.call('POST', '/v3/autocall/import', { campaign_uuid: good.campaign_uuid, phone_number: '0982596021', param: {} })).status).toBe(200);
  });

  it('a campaign without a template is not checked', async () => {
    const c = await h.call('POST', '/v3/campaign', { campaign_name: `c-${Math.random()}`, type: 'autocall' });
    expect((await h.call('POST', '/v3/autocall/import', { campaign_uuid: c.body.campaign_uuid, phone_number: '0982596021', param: {} })).status).toBe(200);
  });
});

describe('POST /v2/autocall/queue', () => {
  it('customers without the template values go to fail; a missing audio file fails the import', async () => {
    const name = `v2-${Math.random()}`;
    await h.call('POST', '/v3/template', { template_name: name, type_autocall: 'autocall_voice_tts', content: 'Hợp đồng {{contract_number}} quá hạn {{dpd}} ngày' });
    const res = await fetch(`${h.baseUrl}/v2/autocall/queue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queue_code: 'Q-tpl', template: name, customers: [{ id: 'A', mobiles: ['0982596021'], contract_number: 'HD1' }, { id: 'B', mobiles: ['0982596022'] }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 400, content: 'import fail', data: { fail: ['A', 'B'], success: [] } });

    const audio = `v2a-${Math.random()}`;
    await h.call('POST', '/v3/template', { template_name: audio, type_autocall: 'autocall_audio', audio_file: join(dir, 'gone.wav') });
    const r2 = await fetch(`${h.baseUrl}/v2/autocall/queue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queue_code: 'Q-audio', template: audio, customers: [{ id: 'A', mobiles: ['0982596021'] }] }),
    });
    expect(await r2.json()).toEqual({ code: 400, content: 'import fail', data: { fail: [], success: [] } });
  });
});

describe('the checks (pure)', () => {
  const t = { type_autocall: 'autocall_audio' as const, content: '', audio_file: '/x/y.wav', otp_param: 'otp', otp_repeat: 2 };
  it('audio files are only looked for on a shared disk; unplayable names are refused', () => {
    expect(audioFileProblem(parseConfig({ AUDIO_DELIVERY: 'http' }), '', t)).toBeNull();
    expect(audioFileProblem(parseConfig({ AUDIO_DELIVERY: 'path' }), '', t)).toBe('audio_file /x/y.wav not found');
    expect(audioFileProblem(parseConfig({ AUDIO_DELIVERY: 'path' }), '', { ...t, audio_file: 'https://cdn.vn/a.wav' })).toBeNull();
    expect(audioFileProblem(parseConfig({}), '', { ...t, audio_file: '/my file.wav' })).toMatch(/cannot be played by an originate/);
    expect(audioFileProblem(parseConfig({}), '', { ...t, audio_file: ' ' })).toBe('the template has no audio_file');
    expect(audioFileProblem(parseConfig({ AUDIO_DELIVERY: 'path' }), 'autocall_voice_tts', { ...t, type_autocall: 'autocall_voice_tts' })).toBeNull();
  });
  it('param problems', () => {
    const tts = { ...t, type_autocall: 'autocall_voice_tts' as const, content: '{{a}} {{b}}' };
    expect(paramProblems('', tts, { a: 1, b: 2 })).toEqual([]);
    expect(paramProblems('', tts, { a: 1 })).toEqual([{ param: 'b is required' }]);
    expect(paramProblems('', { ...tts, content: '{{a}}' }, { a: '   ' })).toEqual([{ '(root)': 'the template text is empty once rendered' }]);
  });
});

describe('originateApplication (for activities/dial.ts)', () => {
  it('park without a template; the lead content otherwise; an unplayable template throws', async () => {
    const { originateApplication } = await import('../../media/originate-app.ts');
    const { Tts, EspeakProvider } = await import('../../media/tts.ts');
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'audio'));
    const deps = { db: h.mongo.db, config: h.config, tts };
    const domain_uuid = h.tenant.domain_uuid;
    const plain = await h.call('POST', '/v3/campaign', { campaign_name: `c-${Math.random()}`, type: 'autocall' });
    expect(await originateApplication(deps, { domain_uuid, campaign_uuid: plain.body.campaign_uuid, lead_uuid: 'none' })).toBe('&park()');

    const { campaign_uuid, template_uuid } = await campaignWith({ type_autocall: 'autocall_voice_tts', content: DEBT, digits: { regexp: '^[12]$' } });
    const imp = await h.call('POST', '/v3/autocall/import', { campaign_uuid, phone_number: '0982596021', param: { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '30/01/2021' } });
    expect(imp.status).toBe(200);
    const app = await originateApplication(deps, { domain_uuid, campaign_uuid, lead_uuid: imp.body.lead_uuid });
    // AUDIO_DELIVERY=path in this file: the cached file itself.
    expect(app).toMatch(new RegExp(`^'&play_and_get_digits\\(1 1 3 5000 # ${dir}/audio/[0-9a-f]{64}\\.wav silence_stream://250 cr_digits \\^\\[12\\]\\$ 3000\\)'$`));
    expect(tts.synthesized).toBe(1);

    await templatesOf(h.mongo.db).deleteOne({ _id: template_uuid });
    await expect(originateApplication(deps, { domain_uuid, campaign_uuid, lead_uuid: imp.body.lead_uuid })).rejects.toThrow(/not found/);
  });
});
