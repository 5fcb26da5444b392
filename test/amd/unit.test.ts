// The pure parts of voicemail detection and recordings: what the listener sends at a beep, the
// message a voicemail plays, a hangup with avmd_detect as amd MACHINE (→ voicemail), and the
// recording URL's signature and paths.
import { describe, expect, it } from 'vitest';
import { classifyCall } from '../../domain/causes.ts';
import { voicemailMessage } from '../../media/originate-app.ts';
import { recordingFile, recordingFsPath, recordingUrl, safeSegment, verifyRecording } from '../../media/recordings.ts';
import { beepCommand, callEventOf } from '../../telephony/call-events.ts';
import type { EslEvent } from '../../telephony/esl/index.ts';
import { testConfig } from '../helpers/env.ts';

const beep = (h: Record<string, string>): EslEvent => ({
  name: 'CUSTOM',
  subclass: 'avmd::beep',
  headers: { 'Event-Name': 'CUSTOM', 'Event-Subclass': 'avmd::beep', ...h },
  node: 'fs1',
  receivedAt: 0,
});

describe('at the beep', () => {
  const uuid = '6f1c2d3e-1111-4222-8333-944455556666';
  it('hangup → uuid_kill; leave_message → uuid_transfer to the message, inline; else nothing', () => {
    expect(beepCommand(beep({ 'Unique-ID': uuid, variable_cr_amd: 'hangup' }))).toBe(`uuid_kill ${uuid}`);
    expect(beepCommand(beep({ 'Unique-ID': uuid, variable_cr_amd: 'leave_message', variable_cr_amd_message: '/a/b.wav' }))).toBe(
      `uuid_transfer ${uuid} playback:/a/b.wav,hangup inline`,
    );
    // no message of its own: hung up
    expect(beepCommand(beep({ 'Unique-ID': uuid, variable_cr_amd: 'leave_message' }))).toBe(`uuid_kill ${uuid}`);
    // a message that would break the command: hung up rather than sent
    expect(beepCommand(beep({ 'Unique-ID': uuid, variable_cr_amd: 'leave_message', variable_cr_amd_message: 'a b,c' }))).toBe(
      `uuid_kill ${uuid}`,
    );
    expect(beepCommand(beep({ 'Unique-ID': uuid }))).toBeUndefined(); // amd off (or not ours)
    expect(beepCommand(beep({ 'Unique-ID': `${uuid} ; x`, variable_cr_amd: 'hangup' }))).toBeUndefined();
    expect(beepCommand({ ...beep({ 'Unique-ID': uuid, variable_cr_amd: 'hangup' }), name: 'CHANNEL_ANSWER' } as EslEvent)).toBeUndefined();
  });

  it('the message after the beep: playback’s file or play_and_get_digits’ prompt; none for park or a queue', () => {
    expect(voicemailMessage('&playback(http_cache://http://h/audio/x.wav)')).toBe('http_cache://http://h/audio/x.wav');
    expect(voicemailMessage("'&play_and_get_digits(1 1 3 5000 # /m.wav silence_stream://250 cr_digits \\d 3000)'")).toBe('/m.wav');
    expect(voicemailMessage('&park()')).toBeNull();
    expect(voicemailMessage('callcenter:q,playback:/x.wav,hangup inline')).toBeNull();
  });

  it('a hangup with avmd_detect=TRUE is amd MACHINE, which the cause table records voicemail', () => {
    const h = { variable_cr_lead_wf: 'lead:1', 'Unique-ID': 'u', variable_hangup_cause: 'NORMAL_CLEARING', variable_billsec: '3' };
    const machine = callEventOf('CHANNEL_HANGUP_COMPLETE', { ...h, variable_avmd_detect: 'TRUE' }, { at: 1 })!.payload;
    expect(machine.amd_result).toBe('MACHINE');
    expect(callEventOf('CHANNEL_HANGUP_COMPLETE', h, { at: 1 })!.payload.amd_result).toBeUndefined();
    const d = classifyCall({ hangupCause: 'NORMAL_CLEARING', answered: true, amdResult: machine.amd_result });
    expect([d.status, d.report, d.answered]).toEqual(['voicemail', 'no_answer', true]);
  });
});

describe('recording URLs and paths', () => {
  const config = testConfig({
    RECORDING_URL_SECRET: 's'.repeat(32),
    RECORDING_BASE_URL: 'https://api.example.vn/',
    RECORDING_RETENTION_DAYS: '7',
  });
  const call = {
    call_id: '0b9e6a3c-2f4e-4c39-9a51-6b1f1d1b0c2a',
    domain_uuid: '1b9e6a3c-2f4e-4c39-9a51-6b1f1d1b0c2a',
    ended_at: 1_700_000_000_000,
  };
  it('signs the call, its tenant and the expiry (call end + retention); nothing else verifies', () => {
    const u = new URL(recordingUrl(config, call));
    expect(u.origin + u.pathname).toBe(`https://api.example.vn/v3/recording/${call.call_id}`);
    const expires = Number(u.searchParams.get('expires'));
    expect(expires).toBe(1_700_000_000 + 7 * 86_400);
    const sig = u.searchParams.get('sig')!;
    const at = (expires - 1) * 1000;
    expect(verifyRecording(config, { ...call, expires, sig }, at)).toBe(true);
    expect(verifyRecording(config, { ...call, expires, sig }, expires * 1000)).toBe(false); // expired
    expect(verifyRecording(config, { ...call, expires: expires + 1, sig }, at)).toBe(false);
    expect(verifyRecording(config, { ...call, domain_uuid: 'other', expires, sig }, at)).toBe(false);
    expect(verifyRecording(config, { ...call, call_id: 'other', expires, sig }, at)).toBe(false);
    expect(verifyRecording(config, { ...call, expires: Number.NaN, sig }, at)).toBe(false);
    expect(verifyRecording(testConfig({ RECORDING_URL_SECRET: 't'.repeat(32) }), { ...call, expires, sig }, at)).toBe(false);
  });
  it('paths from the tenant uuid and the call id only: anything else is hashed', () => {
    expect(safeSegment(call.call_id)).toBe(call.call_id);
    expect(safeSegment('../../etc/passwd')).toMatch(/^[0-9a-f]{40}$/);
    const f = recordingFile(config, call.domain_uuid, '../x');
    expect(f).not.toContain('..');
    expect(recordingFsPath(testConfig({ RECORDINGS_FS_DIR: '/var/lib/fs/rec/' }), call.domain_uuid, call.call_id)).toBe(
      `/var/lib/fs/rec/${call.domain_uuid}/${call.call_id}.wav`,
    );
  });
});
