// Benchmark: voicemail detection and recordings (issue 17; docs/api-v3.md).
//   A. How soon a machine is hung up after its beep (`amd: hangup`): mod_avmd's avmd::beep (the copy
//      with the channel's data) → CHANNEL_HANGUP_COMPLETE, both FreeSWITCH's (the simulator's) event
//      times: the node listener's reaction, Event Socket round trips included.
//   B. The same for `leave_message`: beep → the message's playback starting (CHANNEL_EXECUTE).
//   C. Recorded calls (`record_calls`): the WAV's length against the call's answer → hangup.
//
//   npx tsx bench/amd.ts [--calls 50] [--cap 10] [--write]
//
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the dev server and store started here.
// `--write` replaces the "## Voicemail detection and recordings" section of BENCHMARKS.md.
import { readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config/index.ts';
import { defaultSettings } from '../domain/campaign.ts';
import { recordingFile } from '../media/recordings.ts';
import { startSimulator } from '../simulator/server.ts';
import { callsOf } from '../storage/calls.ts';
import { createCampaign } from '../storage/campaigns.ts';
import { carriers } from '../storage/directory.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { createTenant } from '../storage/tenants.ts';
import { EslClient, type EslEvent } from '../telephony/esl/index.ts';
import { campaignRunWorkflowId, progressQuery } from '../workflows/contract.ts';
import { benchEnv, benchLog as log, pct, startBenchServers, startBenchWorker, storeBenchLeads, writeBenchSection } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '50' },
    cap: { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
  },
});
const N = Number(opt.calls);
const CAP = Number(opt.cap);
const out: string[] = [];
const note = (s: string) => {
  log(s);
  out.push(s);
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-amd-' });
const sim = await startSimulator({
  port: 0,
  rules: {
    numbers: {
      '0981*': { action: 'machine', ringMs: 20, beepMs: 400, talkMs: 20_000 },
      '0982*': { action: 'machine', ringMs: 20, beepMs: 400, talkMs: 20_000 },
      '0983*': { action: 'answer', ringMs: 20, talkMs: 1_500 },
    },
    limits: { maxSessions: 100_000, sessionsPerSecond: 1_000_000 },
  },
});
const config = parseConfig({ ...process.env, ...benchEnv(servers, sim.port), DATA_DIR: servers.tmp, AUDIO_DELIVERY: 'path' });
const mongo = await connectMongo(config);
const db = mongo.db;
await ensureIndexes(db);
const { tenant } = await createTenant(db, { name: 'bench' });
const carrier = await carriers(db).create(tenant.domain_uuid, {
  carrier_name: 'b',
  gateway: 'gw',
  caller_numbers: ['02873001234'],
  networks: [],
  cps: 0,
  description: '',
});
const load0 = loadavg()[0]!.toFixed(2);
const worker = await startBenchWorker(config, db);

// FreeSWITCH's own event times, per call.
const watch = new EslClient({
  host: '127.0.0.1',
  port: sim.port,
  password: sim.password,
  events: ['CHANNEL_EXECUTE', 'CHANNEL_HANGUP_COMPLETE', 'CUSTOM'],
  customSubclasses: ['avmd::beep'],
});
const beepAt = new Map<string, number>();
const after = { hangup: [] as number[], message: [] as number[] };
const played = new Set<string>();
watch.on('event', (e: EslEvent) => {
  const h = e.headers;
  const uuid = h['Unique-ID'];
  const t = Number(h['Event-Date-Timestamp']) / 1000;
  if (!uuid) return;
  if (e.name === 'CUSTOM' && h['Channel-State']) beepAt.set(uuid, t);
  const b = beepAt.get(uuid);
  if (b === undefined) return;
  if (e.name === 'CHANNEL_HANGUP_COMPLETE' && h['variable_cr_amd'] === 'hangup') after.hangup.push(t - b);
  if (e.name === 'CHANNEL_EXECUTE' && h['Application'] === 'playback' && !played.has(uuid)) {
    played.add(uuid);
    after.message.push(t - b);
  }
});
await watch.start();

async function run(label: string, prefix: string, settings: Record<string, unknown>): Promise<string> {
  const campaign = await createCampaign(db, tenant.domain_uuid, {
    ...defaultSettings('autocall'),
    campaign_name: `bench-${label}`,
    type: 'autocall',
    active: true,
    concurrent_call: CAP,
    hopper: 100,
    carrier_uuid: carrier.carrier_uuid,
    template_name: '',
    carrier_name: 'b',
    ...settings,
  });
  const c = campaign.campaign_uuid;
  await storeBenchLeads(db, { domain_uuid: tenant.domain_uuid, campaign_uuid: c }, N, (i) => `${prefix}${String(i).padStart(6, '0')}`);
  await worker.client.workflow.start('campaignRunWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: campaignRunWorkflowId(c),
    args: [{ campaign_uuid: c, domain_uuid: tenant.domain_uuid, options: { pollLeadsMs: 500 } }],
  });
  const handle = worker.client.workflow.getHandle(campaignRunWorkflowId(c));
  const t0 = Date.now();
  for (;;) {
    const p = await handle.query(progressQuery).catch(() => null);
    if (p && p.done >= N) break;
    if (Date.now() - t0 > 600_000) throw new Error(`${label}: ${p?.done ?? 0} of ${N} leads done after 10 min`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await handle.terminate('bench done');
  return c;
}

// A. hang up at the beep
const a = await run('hangup', '0981', { amd: 'hangup' });
const aCalls = await callsOf(db).find({ campaign_uuid: a }).toArray();
note(
  `amd hangup, ${N} machines (beep 400 ms after the answer, greeting 20 s), concurrent_call ${CAP}: beep → hangup p50 ${ms(pct(after.hangup, 50))}, ` +
    `p95 ${ms(pct(after.hangup, 95))}, max ${ms(Math.max(...after.hangup))} (${after.hangup.length} beeps); ` +
    `${aCalls.filter((x) => x.disposition === 'voicemail').length} of ${aCalls.length} recorded voicemail`,
);

// B. the message after the beep (a template: the message is synthesised once, played from the cache path)
const { templates } = await import('../storage/directory.ts');
const tpl = await templates(db).create(tenant.domain_uuid, {
  template_name: 'vm',
  type_autocall: 'autocall_voice_tts',
  content: 'Xin chào, đây là tin nhắn nhắc thanh toán',
  audio_file: '',
  otp_param: '',
  otp_repeat: 1,
  description: '',
});
after.message.length = 0;
played.clear();
// the first playback (over the greeting) starts at the answer, before the beep: count the one after it
watch.removeAllListeners('event');
watch.on('event', (e: EslEvent) => {
  const h = e.headers;
  const uuid = h['Unique-ID'];
  const t = Number(h['Event-Date-Timestamp']) / 1000;
  if (!uuid) return;
  if (e.name === 'CUSTOM' && h['Channel-State']) beepAt.set(uuid, t);
  const bt = beepAt.get(uuid);
  if (bt !== undefined && e.name === 'CHANNEL_EXECUTE' && h['Application'] === 'playback' && !played.has(uuid)) {
    played.add(uuid);
    after.message.push(t - bt);
  }
});
await run('leave', '0982', {
  amd: 'leave_message',
  template_uuid: tpl.template_uuid,
  template_name: 'vm',
  type_autocall: 'autocall_voice_tts',
});
note(
  `amd leave_message, ${N} machines: beep → the message's playback from its start p50 ${ms(pct(after.message, 50))}, ` +
    `p95 ${ms(pct(after.message, 95))}, max ${ms(Math.max(...after.message))} (${after.message.length} beeps)`,
);

// C. recordings
const c = await run('record', '0983', { record_calls: true });
const recs = await callsOf(db).find({ campaign_uuid: c }).toArray();
const diffs: number[] = [];
let bytes = 0;
for (const r of recs) {
  const f = recordingFile(config, r.domain_uuid, r.call_id);
  const b = readFileSync(f);
  bytes += statSync(f).size;
  const secs = b.readUInt32LE(40) / b.readUInt32LE(28);
  diffs.push(Math.abs(secs * 1000 - (r.ended_at!.getTime() - r.answered_at!.getTime())));
}
note(
  `record_calls, ${N} answered calls of 1.5 s: ${recs.filter((r) => r.record_url).length} with record_url, WAV length vs the record's answer → end: ` +
    `|Δ| p50 ${ms(pct(diffs, 50))}, max ${ms(Math.max(...diffs))}; ${(bytes / recs.length / 1024).toFixed(0)} KiB per call (8 kHz 16-bit mono)`,
);

await watch.close();
await worker.stop();
await mongo.close();
await sim.close();
await servers.stop();
const section = [
  '## Voicemail detection and recordings',
  '',
  `\`npx tsx bench/amd.ts --calls ${N} --cap ${CAP}\`: ${servers.storeKind}, Temporal dev server, the simulator and one worker in this`,
  `process; ${cpus().length} cores, load average ${load0} at the start (other agents share the machine). Times are the simulator's`,
  'event times (Event-Date-Timestamp), so they include the ESL round trips to the listener and back.',
  '',
  ...out.map((l) => `- ${l}`),
  '',
].join('\n');
if (opt.write) writeBenchSection('## Voicemail detection and recordings', section);
else process.stdout.write(section);
