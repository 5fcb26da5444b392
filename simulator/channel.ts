// One simulated FreeSWITCH channel (an outbound sofia leg) and the headers its events carry,
// modelled on captures of a real FreeSWITCH 1.10.12 (originate answered, busy, no answer; api commands).
import type { CalleeRule } from './rules.ts';
import type { CallLogLeg } from './calllog.ts';
import { fsQ850, fsSipStatus } from '../domain/fs-causes.ts';

export type CallState = 'DOWN' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HANGUP';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-23 18:43:19` in the process's local time (FreeSWITCH's Event-Date-Local / *_stamp). */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The simulator's clock in ms: the channels' times and the callcenter clock (callcenter-legs.ts)
 *  both run on it — Date.now() drifts a second and more from it on a loaded machine. */
export const clockMs = (): number => performance.timeOrigin + performance.now();

/** Wall clock in µs, monotonic within the process. */
let lastUs = 0;
export function nowUs(): number {
  const us = Math.floor(clockMs() * 1000);
  lastUs = us > lastUs ? us : lastUs + 1;
  return lastUs;
}

export interface ChannelInit {
  uuid: string;
  sessionId: number;
  number: string;
  profile: string;
  host: string;
  gateway?: string;
  channelName: string;
  dialVars: Array<[string, string]>;
  rule: CalleeRule & { source: string };
  ignoreEarlyMedia: boolean;
  log: CallLogLeg;
}

export class Channel {
  readonly uuid: string;
  readonly sessionId: number;
  readonly number: string;
  readonly profile: string;
  readonly host: string;
  readonly gateway?: string;
  readonly channelName: string;
  readonly rule: CalleeRule & { source: string };
  readonly ignoreEarlyMedia: boolean;
  readonly log: CallLogLeg;
  readonly vars = new Map<string, string>();

  state = 'CS_INIT';
  stateNumber = 2;
  callState: CallState = 'DOWN';
  answerState: AnswerState = 'ringing';
  hitDialplan = false;
  cidFlipped = false;
  hangupCause?: string;
  createdUs: number;
  progressUs = 0;
  progressMediaUs = 0;
  answeredUs = 0;
  hangupUs = 0;
  networkKnown = false;
  answered = false;
  gone = false;
  /** Originate still waiting on this leg (not yet won, lost or failed). */
  pending = true;
  timers = new Set<NodeJS.Timeout>();
  lastApp?: string;
  lastArg?: string;
  cidName: string;
  cidNumber: string;

  constructor(init: ChannelInit) {
    this.uuid = init.uuid;
    this.sessionId = init.sessionId;
    this.number = init.number;
    this.profile = init.profile;
    this.host = init.host;
    this.gateway = init.gateway;
    this.channelName = init.channelName;
    this.rule = init.rule;
    this.ignoreEarlyMedia = init.ignoreEarlyMedia;
    this.log = init.log;
    this.createdUs = nowUs();
    const dv = new Map(init.dialVars);
    this.cidName = dv.get('origination_caller_id_name') ?? '';
    this.cidNumber = dv.get('origination_caller_id_number') ?? '0000000000';
    const port = 16384 + ((this.sessionId * 2) % 16000);
    const v = this.vars;
    v.set('direction', 'outbound');
    v.set('is_outbound', 'true');
    v.set('uuid', this.uuid);
    v.set('call_uuid', this.uuid);
    v.set('session_id', String(this.sessionId));
    v.set('sip_local_network_addr', '127.0.0.1');
    v.set('sip_profile_name', this.profile);
    v.set('video_media_flow', 'disabled');
    v.set('text_media_flow', 'disabled');
    v.set('channel_name', this.channelName);
    v.set('sip_destination_url', `sip:${this.number}@${this.host}`);
    if (this.gateway) v.set('sip_gateway_name', this.gateway);
    for (const [k, val] of init.dialVars) v.set(k, val);
    v.set('originate_early_media', 'false');
    v.set('originate_endpoint', 'sofia');
    v.set('rtp_use_codec_string', 'PCMU,PCMA');
    v.set('local_media_ip', '127.0.0.1');
    v.set('local_media_port', String(port));
    v.set('advertised_media_ip', '127.0.0.1');
    v.set('audio_media_flow', 'sendrecv');
    v.set(
      'rtp_local_sdp_str',
      `v=0\r\no=FreeSWITCH 1795430261 1795430262 IN IP4 127.0.0.1\r\ns=FreeSWITCH\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n`,
    );
    v.set('sip_outgoing_contact_uri', `<sip:mod_sofia@127.0.0.1:5080>`);
    v.set('sip_req_uri', `${this.number}@${this.host}`);
    v.set('sip_to_host', this.host);
    v.set('sip_from_host', '127.0.0.1');
    v.set('sofia_profile_name', this.profile);
    v.set('recovery_profile_name', this.profile);
    v.set('sofia_profile_url', 'sip:mod_sofia@127.0.0.1:5080');
  }

  /**
   * switch_channel_set_variable on a variable that exists: FreeSWITCH deletes it and appends it, so
   * it moves to the end of the channel's variables (current_application* in captures 40 and 41).
   * `undefined` deletes it.
   */
  setVar(name: string, value: string | undefined): void {
    this.vars.delete(name);
    if (value !== undefined) this.vars.set(name, value);
  }

  /** The far end said something (a provisional or final response): the SIP dialog variables appear. */
  markNetwork(): void {
    if (this.networkKnown) return;
    this.networkKnown = true;
    const v = this.vars;
    const tag = this.uuid.slice(0, 8);
    v.set('sip_reply_host', '127.0.0.1');
    v.set('sip_reply_port', '5060');
    v.set('sip_network_ip', '127.0.0.1');
    v.set('sip_network_port', '5060');
    v.set('sip_recover_contact', '<sip:127.0.0.1:5060;transport=UDP>');
    v.set('sip_full_via', `SIP/2.0/UDP 127.0.0.1:5080;rport;branch=z9hG4bK${tag}`);
    v.set('sip_full_from', `<sip:${this.cidNumber}@127.0.0.1>;tag=${tag}F`);
    v.set('sip_full_to', `<sip:${this.number}@${this.host}>;tag=${tag}T`);
    v.set('sip_from_user', this.cidNumber);
    v.set('sip_to_user', this.number);
    v.set('sip_to_tag', `${tag}T`);
    v.set('sip_from_tag', `${tag}F`);
    v.set('sip_cseq', String(100000 + this.sessionId));
    v.set('sip_call_id', `${this.uuid}-sim`);
  }

  markAnswerMedia(): void {
    const v = this.vars;
    v.set(
      'switch_r_sdp',
      `v=0\r\no=callee 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`,
    );
    v.set('ep_codec_string', 'CORE_PCM_MODULE.PCMU@8000h@20i@64000b');
    v.set('rtp_use_codec_name', 'PCMU');
    v.set('rtp_use_codec_rate', '8000');
    v.set('rtp_use_codec_ptime', '20');
    v.set('read_codec', 'PCMU');
    v.set('read_rate', '8000');
    v.set('write_codec', 'PCMU');
    v.set('write_rate', '8000');
    v.set('dtmf_type', 'rfc2833');
    v.set('remote_media_ip', '127.0.0.1');
    v.set('remote_media_port', '16000');
  }

  /** Variables FreeSWITCH sets when the channel reaches CS_REPORTING (CHANNEL_HANGUP_COMPLETE). */
  setReportingVars(): void {
    const v = this.vars;
    const cause = this.hangupCause ?? 'NORMAL_CLEARING';
    const s = (us: number) => Math.floor(us / 1e6);
    const created = this.createdUs;
    const end = this.hangupUs;
    v.set('hangup_cause', cause);
    v.set('hangup_cause_q850', String(fsQ850(cause)));
    v.set('digits_dialed', 'none');
    v.set('start_stamp', localStamp(created / 1000));
    v.set('profile_start_stamp', localStamp(created / 1000));
    if (this.answeredUs) v.set('answer_stamp', localStamp(this.answeredUs / 1000));
    if (this.progressUs) v.set('progress_stamp', localStamp(this.progressUs / 1000));
    if (this.progressMediaUs) v.set('progress_media_stamp', localStamp(this.progressMediaUs / 1000));
    v.set('end_stamp', localStamp(end / 1000));
    v.set('start_epoch', String(s(created)));
    v.set('start_uepoch', String(created));
    v.set('profile_start_epoch', String(s(created)));
    v.set('profile_start_uepoch', String(created));
    v.set('answer_epoch', String(this.answeredUs ? s(this.answeredUs) : 0));
    v.set('answer_uepoch', String(this.answeredUs));
    v.set('bridge_epoch', '0');
    v.set('bridge_uepoch', '0');
    v.set('last_hold_epoch', '0');
    v.set('last_hold_uepoch', '0');
    v.set('hold_accum_seconds', '0');
    v.set('hold_accum_usec', '0');
    v.set('hold_accum_ms', '0');
    v.set('resurrect_epoch', '0');
    v.set('resurrect_uepoch', '0');
    v.set('progress_epoch', String(this.progressUs ? s(this.progressUs) : 0));
    v.set('progress_uepoch', String(this.progressUs));
    v.set('progress_media_epoch', String(this.progressMediaUs ? s(this.progressMediaUs) : 0));
    v.set('progress_media_uepoch', String(this.progressMediaUs));
    v.set('end_epoch', String(s(end)));
    v.set('end_uepoch', String(end));
    if (this.lastApp) {
      v.set('last_app', this.lastApp);
      if (this.lastArg) v.set('last_arg', this.lastArg);
    }
    v.set('caller_id', this.cidFlipped ? `"Outbound Call" <${this.number}>` : this.cidNumber);
    // switch_channel_set_timestamps: seconds are differences of whole epoch seconds.
    const secs = (a: number, b: number) => (a && b ? s(a) - s(b) : 0);
    const dur = { sec: s(end) - s(created), ms: Math.floor((end - created) / 1000), us: end - created };
    const bill = this.answeredUs
      ? { sec: secs(end, this.answeredUs), ms: Math.floor((end - this.answeredUs) / 1000), us: end - this.answeredUs }
      : { sec: 0, ms: 0, us: 0 };
    const diff = (t: number) =>
      t ? { sec: secs(t, created), ms: Math.floor((t - created) / 1000), us: t - created } : { sec: 0, ms: 0, us: 0 };
    const progress = diff(this.progressUs);
    const answer = diff(this.answeredUs);
    const pmedia = diff(this.progressMediaUs);
    const flow = this.answeredUs ? dur : { sec: 0, ms: 0, us: 0 };
    v.set('duration', String(dur.sec));
    v.set('billsec', String(bill.sec));
    v.set('progresssec', String(progress.sec));
    v.set('answersec', String(answer.sec));
    v.set('waitsec', '0');
    v.set('progress_mediasec', String(pmedia.sec));
    v.set('flow_billsec', String(flow.sec));
    v.set('mduration', String(dur.ms));
    v.set('billmsec', String(bill.ms));
    v.set('progressmsec', String(progress.ms));
    v.set('answermsec', String(answer.ms));
    v.set('waitmsec', '0');
    v.set('progress_mediamsec', String(pmedia.ms));
    v.set('flow_billmsec', String(flow.ms));
    v.set('uduration', String(dur.us));
    v.set('billusec', String(bill.us));
    v.set('progressusec', String(progress.us));
    v.set('answerusec', String(answer.us));
    v.set('waitusec', '0');
    v.set('progress_mediausec', String(pmedia.us));
    v.set('flow_billusec', String(flow.us));
  }

  /** SIP-side variables of the hangup (set before CHANNEL_HANGUP). */
  setHangupSipVars(disposition: string, sipStatus: number | undefined, phrase?: string): void {
    const v = this.vars;
    if (this.answered) v.set('endpoint_disposition', 'ANSWER');
    v.set('sip_hangup_disposition', disposition);
    if (disposition === 'recv_refuse' || disposition === 'send_cancel') {
      const st = disposition === 'send_cancel' ? 487 : sipStatus;
      if (st) {
        v.set('sip_invite_failure_status', String(st));
        v.set('sip_invite_failure_phrase', phrase ?? (disposition === 'send_cancel' ? 'CANCEL' : (SIP_PHRASES[st] ?? 'Error')));
      }
    }
    if (sipStatus && disposition !== 'send_cancel') {
      v.set('sip_term_status', String(sipStatus));
      v.set('proto_specific_hangup_cause', `sip:${sipStatus}`);
      v.set('sip_term_cause', String(fsQ850(this.hangupCause ?? 'NORMAL_CLEARING')));
    }
  }

  /** Channel-* and Caller-* headers and every variable, in FreeSWITCH's order. */
  headers(opts: { hangupCause?: boolean } = {}): Array<[string, string]> {
    const h: Array<[string, string]> = [
      ['Channel-State', this.state],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.stateNumber)],
      ['Channel-Name', this.channelName],
      ['Unique-ID', this.uuid],
      ['Call-Direction', 'outbound'],
      ['Presence-Call-Direction', 'outbound'],
      ['Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false'],
      ['Channel-Call-UUID', this.uuid],
      ['Answer-State', this.answerState],
    ];
    if (opts.hangupCause !== false && this.hangupCause) h.push(['Hangup-Cause', this.hangupCause]);
    if (this.answered || this.progressMediaUs) {
      h.push(
        ['Channel-Read-Codec-Name', 'PCMU'],
        ['Channel-Read-Codec-Rate', '8000'],
        ['Channel-Read-Codec-Bit-Rate', '64000'],
        ['Channel-Write-Codec-Name', 'PCMU'],
        ['Channel-Write-Codec-Rate', '8000'],
        ['Channel-Write-Codec-Bit-Rate', '64000'],
      );
    }
    h.push(['Caller-Direction', 'outbound'], ['Caller-Logical-Direction', 'outbound']);
    if (this.cidFlipped) {
      h.push(
        ['Caller-Caller-ID-Name', 'Outbound Call'],
        ['Caller-Caller-ID-Number', this.number],
        ['Caller-Orig-Caller-ID-Number', this.cidNumber],
        ['Caller-Callee-ID-Number', this.cidNumber],
      );
    } else {
      if (this.cidName) h.push(['Caller-Caller-ID-Name', this.cidName]);
      h.push(
        ['Caller-Caller-ID-Number', this.cidNumber],
        ['Caller-Orig-Caller-ID-Number', this.cidNumber],
        ['Caller-Callee-ID-Name', 'Outbound Call'],
        ['Caller-Callee-ID-Number', this.number],
      );
    }
    if (this.networkKnown) h.push(['Caller-Network-Addr', '127.0.0.1']);
    h.push(
      ['Caller-ANI', this.cidNumber],
      ['Caller-Destination-Number', this.number],
      ['Caller-Unique-ID', this.uuid],
      ['Caller-Source', 'src/switch_ivr_originate.c'],
      ['Caller-Context', 'default'],
      ['Caller-Channel-Name', this.channelName],
      ['Caller-Profile-Index', '1'],
      ['Caller-Profile-Created-Time', String(this.createdUs)],
      ['Caller-Channel-Created-Time', String(this.createdUs)],
      ['Caller-Channel-Answered-Time', String(this.answeredUs)],
      ['Caller-Channel-Progress-Time', String(this.progressUs)],
      ['Caller-Channel-Progress-Media-Time', String(this.progressMediaUs)],
      ['Caller-Channel-Hangup-Time', String(this.hangupUs)],
      ['Caller-Channel-Transfer-Time', '0'],
      ['Caller-Channel-Resurrect-Time', '0'],
      ['Caller-Channel-Bridged-Time', '0'],
      ['Caller-Channel-Last-Hold', '0'],
      ['Caller-Channel-Hold-Accum', '0'],
      ['Caller-Screen-Bit', 'true'],
      ['Caller-Privacy-Hide-Name', 'false'],
      ['Caller-Privacy-Hide-Number', 'false'],
    );
    for (const [k, v] of this.vars) h.push(['variable_' + k, v]);
    return h;
  }

  /** A row of `show calls as json` (field order of FreeSWITCH's calls view). */
  callsRow(hostname: string): Record<string, string> {
    const created = Math.floor(this.createdUs / 1000);
    const cidName = this.cidFlipped ? 'Outbound Call' : this.cidName || 'Outbound Call';
    const cidNum = this.cidFlipped ? this.number : this.cidNumber;
    const row: Record<string, string> = {
      uuid: this.uuid,
      direction: 'outbound',
      created: localStamp(created),
      created_epoch: String(Math.floor(created / 1000)),
      name: this.channelName,
      state: this.state,
      cid_name: cidName,
      cid_num: cidNum,
      ip_addr: '',
      dest: this.number,
      presence_id: '',
      presence_data: '',
      accountcode: '',
      callstate: this.callState,
      callee_name: '',
      callee_num: this.cidFlipped ? this.cidNumber : this.number,
      callee_direction: this.answered ? 'RECV' : '',
      call_uuid: this.uuid,
      hostname,
      sent_callee_name: '',
      sent_callee_num: '',
    };
    for (const k of [
      'uuid',
      'direction',
      'created',
      'created_epoch',
      'name',
      'state',
      'cid_name',
      'cid_num',
      'ip_addr',
      'dest',
      'presence_id',
      'presence_data',
      'accountcode',
      'callstate',
      'callee_name',
      'callee_num',
      'callee_direction',
      'sent_callee_name',
      'sent_callee_num',
    ])
      row['b_' + k] = '';
    row.call_created_epoch = '';
    return row;
  }

  /** A row of `show channels as json`. */
  channelsRow(hostname: string, app: string, appData: string): Record<string, string> {
    const created = Math.floor(this.createdUs / 1000);
    return {
      uuid: this.uuid,
      direction: 'outbound',
      created: localStamp(created),
      created_epoch: String(Math.floor(created / 1000)),
      name: this.channelName,
      state: this.state,
      cid_name: this.cidName || 'Outbound Call',
      cid_num: this.cidNumber,
      ip_addr: '',
      dest: this.number,
      application: app,
      application_data: appData,
      dialplan: '',
      context: 'default',
      read_codec: this.answered ? 'PCMU' : '',
      read_rate: this.answered ? '8000' : '',
      read_bit_rate: this.answered ? '64000' : '',
      write_codec: this.answered ? 'PCMU' : '',
      write_rate: this.answered ? '8000' : '',
      write_bit_rate: this.answered ? '64000' : '',
      secure: '',
      hostname,
      presence_id: '',
      presence_data: '',
      accountcode: '',
      callstate: this.callState,
      callee_name: '',
      callee_num: '',
      callee_direction: '',
      call_uuid: this.uuid,
      sent_callee_name: '',
      sent_callee_num: '',
      initial_cid_name: this.cidName || 'Outbound Call',
      initial_cid_num: this.cidNumber,
      initial_ip_addr: '',
      initial_dest: this.number,
      initial_dialplan: '',
      initial_context: 'default',
    };
  }

  sipStatusForCause(cause: string): number | undefined {
    return this.rule.sipStatus ?? fsSipStatus(cause);
  }

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.gone) fn();
    }, ms);
    this.timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export const SIP_PHRASES: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  410: 'Gone',
  480: 'Temporarily Unavailable',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  600: 'Busy Everywhere',
  603: 'Decline',
};
