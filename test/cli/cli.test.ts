// The ops CLI against the real stack (the API on a free port, the worker, the simulator), run as a
// person or a script runs it — a child process, its output and its exit code: campaigns, create,
// imports from CSV and XLSX (a file with bad rows: nothing imported and the errors file; with
// --skip-bad the good rows, once even when run again), run control, progress, calls and their
// tail, callbacks and their retry, the report, tenant administration, and the exit codes a script
// relies on (not found 3, token 4, unreachable 5, rows left out 6, usage 2).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadsOf } from '../../storage/leads.ts';
import { waitFor } from '../engine/harness.ts';
import { startOps, type Ops } from '../console/harness.ts';

let ops: Ops;
let dir: string;
let receiver: Server;
const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;

/** Run the CLI as a child process (asynchronously: the API it talks to runs in this process). */
function ctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/ctl.ts', ...args], {
    env: {
      ...process.env,
      CTL_API_URL: ops.url,
      CTL_TOKEN: ops.token,
      ADMIN_TOKEN: ops.adminToken,
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}
const leadCount = (campaign_uuid: string) => leadsOf(ops.mongo.db).countDocuments({ campaign_uuid });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cr-ctl-'));
  ops = await startOps(
    { default: { action: 'answer', ringMs: 50, talkMs: 300 }, numbers: { '0914000002': { action: 'busy', ringMs: 50 } } },
    {
      AUDIO_DELIVERY: 'path',
      CALLBACK_ALLOW_PRIVATE: 'true',
      CALLBACK_RETRY_INITIAL_MS: '50',
      CALLBACK_RETRY_MAX_INTERVAL_MS: '100',
      CALLBACK_RETRY_FOR_MS: '1000',
    },
  );
  // A callback receiver that answers 500 to everything: deliveries fail (given up after 1 s).
  receiver = createServer((req, res) => (req.resume(), req.on('end', () => res.writeHead(500).end())));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  // The template the campaign plays (created here; the CLI names it by its name).
  const template = (
    await ops.api('/v3/template', {
      method: 'POST',
      body: { template_name: 'Chào', type_autocall: 'autocall_voice_tts', content: 'Xin chào {{ten}}' },
    })
  ).body.template_uuid;
  expect(template).toBeTruthy();
}, 120_000);

afterAll(async () => {
  receiver?.close();
  await ops?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ctl', { timeout: 180_000 }, () => {
  let campaign: string;

  it('creates a campaign by template and carrier name, and lists it', async () => {
    const r = await ctl([
      'create',
      'Thu nợ',
      '--template',
      'Chào',
      '--carrier',
      'test carrier',
      '--concurrent',
      '4',
      '--callback-url',
      receiverUrl(),
    ]);
    expect(r.code, r.err).toBe(0);
    campaign = r.out.trim();
    expect(campaign).toMatch(/^[0-9a-f-]{36}$/);
    const list = await ctl(['campaigns']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+ID\s+TYPE\s+STATUS\s+PROGRESS/);
    expect(list.out).toContain('Thu nợ');
    const json = JSON.parse((await ctl(['campaigns', '--json'])).out);
    expect(json.find((c: { campaign_uuid: string }) => c.campaign_uuid === campaign)).toMatchObject({
      campaign_name: 'Thu nợ',
      status: '',
      concurrent_call: 4,
    });
  });

  it('imports nothing from a CSV with bad rows, and writes why, row by row', async () => {
    const file = join(dir, 'leads.csv');
    writeFileSync(
      file,
      [
        'phone_number,ten,ghi_chu',
        '0914000001,An,vip',
        ',Bình,',
        '12345,Cường,',
        '0914000004,,',
        '0914000002,Dung,',
        '0914000003,"Lê, Văn Em",',
      ].join('\n') + '\n',
    );
    const r = await ctl(['import', 'Thu nợ', file]);
    expect(r.code).toBe(6);
    expect(r.err).toContain('3 of 6 rows cannot be imported');
    expect(r.err).toContain('nothing was imported');
    expect(await leadCount(campaign)).toBe(0);
    const errors = readFileSync(`${file}.errors.csv`, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(errors[0]).toBe('row,phone_number,error');
    expect(errors.slice(1).map((l) => l.split(',')[0])).toEqual(['3', '4', '5']);
    expect(errors[1]).toContain('no phone number');
    expect(errors[2]).toContain('not a phone number that can be dialed');
    expect(errors[3]).toContain('{{ten}}');
  });

  it('imports the good rows with --skip-bad, once even when the same command runs again', async () => {
    const file = join(dir, 'leads.csv');
    const r = await ctl(['import', 'Thu nợ', file, '--skip-bad', '--errors', join(dir, 'bad.csv')]);
    expect(r.code).toBe(6); // rows were left out: a script must know
    expect(r.out).toContain('imported 3 of 6 rows into Thu nợ; 3 not imported, see');
    expect(await leadCount(campaign)).toBe(3);
    const again = await ctl(['import', 'Thu nợ', file, '--skip-bad', '--errors', join(dir, 'bad.csv'), '--json']);
    expect(again.code).toBe(6);
    expect(JSON.parse(again.out)).toMatchObject({ imported: 3, rejected: 3 });
    expect(await leadCount(campaign)).toBe(3); // the rows' idempotency keys: no lead twice
    const lead = await leadsOf(ops.mongo.db).findOne({ campaign_uuid: campaign, phone_number: '0914000003' });
    expect(lead?.param).toEqual({ ten: 'Lê, Văn Em', ghi_chu: '' });
  });

  it('imports an XLSX sheet with the phone column and params mapped', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Khách hàng');
    ws.addRow(['Số điện thoại', 'Họ tên', 'Số tiền']);
    ws.addRow(['0914000005', 'Phúc', 1500000]);
    ws.addRow(['0914000006', 'Quỳnh', 250000]);
    const file = join(dir, 'leads.xlsx');
    await wb.xlsx.writeFile(file);
    const r = await ctl([
      'import',
      'Thu nợ',
      file,
      '--phone',
      'Số điện thoại',
      '--map',
      'Họ tên=ten',
      '--map',
      'Số tiền=so_tien',
      '--only-mapped',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('imported 2 of 2 rows');
    const lead = await leadsOf(ops.mongo.db).findOne({ campaign_uuid: campaign, phone_number: '0914000005' });
    expect(lead?.param).toEqual({ ten: 'Phúc', so_tien: '1500000' });
    expect(await leadCount(campaign)).toBe(5);
  });

  it('starts, shows progress, tails calls as they end, pauses, resumes and stops', async () => {
    // The tail first: it prints each call as it ends.
    const tail = spawn(process.execPath, ['--import', 'tsx', 'cli/ctl.ts', 'calls', 'Thu nợ', '--tail'], {
      env: { ...process.env, CTL_API_URL: ops.url, CTL_TOKEN: ops.token, DATA_DIR: dir },
    });
    let tailed = '';
    tail.stdout.on('data', (d) => (tailed += d));
    await waitFor(() => tailed.startsWith('time\t'), 20_000, 'the tail to start');
    expect((await ctl(['start', 'Thu nợ'])).out).toContain('Thu nợ: running');
    await waitFor(
      async () => (await ops.api(`/console/api/campaigns/${campaign}`)).body.campaign.leads.finished === 5,
      60_000,
      'every lead called',
    );
    await waitFor(() => tailed.split('\n').filter((l) => /\t(answered|busy)\t/.test(l)).length === 5, 20_000, 'five calls in the tail');
    tail.kill('SIGINT');
    expect(tailed).toMatch(/091\*\*\*\*002\t1\tbusy\tUSER_BUSY/);

    const p = await ctl(['progress', 'Thu nợ']);
    expect(p.code).toBe(0);
    expect(p.out).toContain('5/5 finished, 0 waiting recall, 0 not called yet');
    expect(p.out).toMatch(/calls {6}5: answered 4, busy 1/);
    const watched = await ctl(['progress', campaign, '--watch', '--interval', '0.5']);
    expect(watched.code).toBe(0); // every lead is done: the watch ends by itself
    expect(watched.out).toContain('5/5 leads');
    const calls = await ctl(['calls', 'Thu nợ', '--json']);
    expect(JSON.parse(calls.out)).toHaveLength(5);

    expect((await ctl(['pause', 'Thu nợ'])).out).toContain('paused');
    await waitFor(async () => (await ops.progress(campaign)).status === 'pause', 10_000, 'the run paused');
    expect((await ctl(['resume', 'Thu nợ'])).out).toContain('running');
    await waitFor(async () => (await ops.progress(campaign)).status === 'start', 10_000, 'the run resumed');
    expect((await ctl(['stop', 'Thu nợ'])).out).toContain('stopped');
    const report = await ctl(['report', 'Thu nợ']);
    expect(report.out).toMatch(/5 calls\n\s+answered\s+4\n\s+busy\s+1/);
  });

  it('lists failed callbacks and sends them again', async () => {
    // The receiver answers 500 until the deliveries are given up.
    await waitFor(
      async () => (await ops.api(`/v3/campaign/${campaign}/callbacks?status=failed`)).body.total === 5,
      20_000,
      'five failed callbacks',
    );
    const r = await ctl(['callbacks', 'Thu nợ', '--failed']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('HTTP 500');
    expect(r.out).toContain('5 in all');
    const retried = await ctl(['retry-callbacks', 'Thu nợ']);
    expect(retried.code, retried.err).toBe(0);
    expect(retried.out).toContain('retried 5');
  });

  it('exits with codes a script can rely on', async () => {
    const missing = await ctl(['progress', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('no campaign "nope"');
    const badToken = await ctl(['campaigns'], { CTL_TOKEN: 'cr_not_a_token_000000000000' });
    expect(badToken.code).toBe(4);
    expect(badToken.err).toContain('the API refused the token');
    expect((await ctl(['campaigns'], { CTL_TOKEN: ops.adminToken })).code).toBe(4); // the admin token is no tenant's
    const down = await ctl(['campaigns'], { CTL_API_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(5);
    expect(down.err).toContain('cannot reach the API');
    expect((await ctl(['import'])).code).toBe(2);
    expect((await ctl(['frobnicate'])).code).toBe(2);
    expect((await ctl(['import', 'Thu nợ', join(dir, 'nothing.pdf')])).code).toBe(2);
  });
});

describe('ctl admin', { timeout: 240_000 }, () => {
  it('creates a tenant, sets its zone, plan and postage, tops it up once per key, rotates its secrets', async () => {
    const made = await ctl(['admin', 'create-tenant', 'acme', '--time-zone', 'Europe/Paris', '--json']);
    expect(made.code, made.err).toBe(0);
    const m = JSON.parse(made.out);
    expect(m.token).toMatch(/^cr_/);
    expect(m.callback_secret).toMatch(/^whsec_/);
    expect((await ctl(['admin', 'create-tenant', 'acme'])).code).toBe(1); // the name is taken
    const set = await ctl([
      'admin',
      'set',
      'acme',
      '--time-zone',
      'Asia/Bangkok',
      '--plan-expires',
      '2030-01-01T00:00:00Z',
      '--postage',
      'viettel=600,vina=650',
    ]);
    expect(set.code, set.err).toBe(0);
    expect(set.out).toContain('time zone   Asia/Bangkok');
    expect(set.out).toContain('expires 2030-01-01T00:00:00.000Z');
    expect(set.out).toContain('viettel 600/min, vina 650/min');
    expect((await ctl(['admin', 'top-up', 'acme', '1000', '--note', 'chuyển khoản', '--key', 't1'])).out).toContain(
      'added 1000; remaining 1000',
    );
    expect((await ctl(['admin', 'top-up', 'acme', '1000', '--key', 't1'])).out).toContain('already added (same key) 1000; remaining 1000');
    expect((await ctl(['admin', 'top-up', 'acme', '250'])).out).toContain('remaining 1250');
    expect((await ctl(['admin', 'credits', 'acme'])).out).toContain('chuyển khoản');
    const rotated = await ctl(['admin', 'rotate-callback-secret', 'acme', '--overlap', '1h']);
    expect(rotated.out).toMatch(/callback secret {2}whsec_/);
    expect((await ctl(['admin', 'show', 'acme'])).out).toContain('a rotated secret signs from');
    expect((await ctl(['admin', 'rotate-token', 'acme', '--revoke-others'])).out.trim()).toMatch(/^cr_/);
    const tenants = await ctl(['admin', 'tenants']);
    expect(tenants.out).toMatch(/acme\s+\S+\s+Asia\/Bangkok\s+1\s+1250/);
    expect((await ctl(['admin', 'campaign-ids', 'engine'])).out).toMatch(/^ID\s+NAME/);
    expect((await ctl(['admin', 'show', 'nobody'])).code).toBe(3);
    expect((await ctl(['admin', 'tenants'], { ADMIN_TOKEN: ops.token })).code).toBe(4); // a tenant token never works there
  }, 240_000);
});
