// The live campaign console in a real browser: Debian's chromium driven by playwright-core (its
// own browser downloads cannot work here). A campaign runs on the simulator; the page is signed in
// with the tenant's token (kept in sessionStorage, never in a URL), shows the campaigns list, the
// campaign's progress, live calls against the cap, outcomes, recent calls with dispositions and
// digits, failing callbacks; its buttons pause, resume and stop the run (checked on the run
// itself). Screenshots are kept in .data/test-artifacts/ (console-list.png, console-campaign.png).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../engine/harness.ts';
import { startOps, type Ops } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
/** The console refreshes a campaign every 2 s (console/console.js): wait for a few refreshes, not expect.poll's 1 s default. */
const POLL = { timeout: 15_000 };
export const ARTIFACTS = join(process.cwd(), '.data', 'test-artifacts');

/** Chromium as this machine needs it: headless, no sandbox (root), no GPU, no network chatter. */
export async function launchChromium(): Promise<{ ctx: BrowserContext; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    locale: 'vi-VN',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!existsSync(CHROMIUM))('the campaign console in chromium', () => {
  let ops: Ops;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let campaign: string;
  let receiver: Server;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // The calls play a template that asks for a key (text-to-speech by espeak-ng; FreeSWITCH reads
    // the cached file from the disk it shares with the worker).
    ops = await startOps(
      {
        default: { action: 'answer', ringMs: 50, talkMs: 400 },
        numbers: {
          '0912000002': { action: 'busy', ringMs: 50 },
          '0912000003': { action: 'answer', ringMs: 50, talkMs: 5000, digits: '7', digitDelayMs: 100 },
          // A long call: it rings for 25 s, so the run holds a slot (a live call) when the page looks.
          '0912000009': { action: 'answer', ringMs: 25_000, talkMs: null },
        },
        // Everyone else hangs up before the key is asked for (talkMs 400).
      },
      {
        AUDIO_DELIVERY: 'path',
        CALLBACK_ALLOW_PRIVATE: 'true',
        CALLBACK_RETRY_INITIAL_MS: '50',
        CALLBACK_RETRY_MAX_INTERVAL_MS: '100',
        CALLBACK_RETRY_FOR_MS: '1000',
      },
      1,
    );
    // A callback receiver that answers 500 to everything: the deliveries fail (given up after 1 s).
    receiver = createServer((req, res) => (req.resume(), req.on('end', () => res.writeHead(500).end())));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const template = (
      await ops.api('/v3/template', {
        method: 'POST',
        body: {
          template_name: 'Nhắc',
          type_autocall: 'autocall_voice_tts',
          content: 'Xin chào',
          digits: { min: 1, max: 1, tries: 1, timeout_ms: 1000, terminators: 'none', regexp: '^[0-9]$', digit_timeout_ms: 1000 },
        },
      })
    ).body.template_uuid;
    expect(template).toBeTruthy();
    campaign = (
      await ops.api('/v3/campaign', {
        method: 'POST',
        body: {
          campaign_name: 'Nhắc nợ tháng 7',
          type: 'autocall',
          active: true,
          carrier_uuid: ops.carrier_uuid,
          template_uuid: template,
          concurrent_call: 3,
          callback_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`,
        },
      })
    ).body.campaign_uuid;
    for (const n of ['0912000001', '0912000002', '0912000003', '0912000004', '0912000009']) {
      const r = await ops.api('/v3/autocall/import', { method: 'POST', body: { campaign_uuid: campaign, phone_number: n, param: {} } });
      expect(r.status).toBe(200);
    }
    expect((await ops.api(`/v1/campaign/${campaign}/run/start`, { method: 'POST', body: {} })).status).toBe(200);
    await waitFor(
      async () => (await ops.api(`/console/api/campaigns/${campaign}`)).body.campaign.leads.finished >= 4,
      60_000,
      'four leads finished',
    );
    browser = await launchChromium();
    page = await browser.ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    receiver?.close();
    await ops?.close();
  });

  it('asks for a token, refuses a wrong one, and keeps the right one in the session only', async () => {
    await page.goto(`${ops.url}/console`);
    await expect.poll(() => page.locator('#signin').isVisible(), POLL).toBe(true);
    expect(await page.locator('#signin h1').textContent()).toBe('Đăng nhập'); // Vietnamese by default here
    await page.fill('#token', 'cr_not_a_token_0000000000000000');
    await page.click('#signin-form button[type=submit]');
    await expect.poll(() => page.locator('#signin-error').textContent(), POLL).toBe('Mã API không hợp lệ.');
    await page.fill('#token', ops.token);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#campaign-rows tr');
    expect(await page.evaluate(() => sessionStorage.getItem('campaign-runner.token'))).toBe(ops.token);
    expect(await page.evaluate(() => localStorage.getItem('campaign-runner.token'))).toBeNull();
    for (const u of [page.url(), ...requests]) expect(u).not.toContain(ops.token);
  });

  it('lists the campaigns with status, voice-bot id and progress', async () => {
    const row = page.locator('#campaign-rows tr', { hasText: 'Nhắc nợ tháng 7' });
    await expect.poll(() => row.count(), POLL).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('Nhắc nợ tháng 7');
    expect(Number(cells[1])).toBeGreaterThan(0); // the voice-bot id
    expect(cells[3]).toBe('Đang chạy');
    expect(cells[4]).toMatch(/^[45] \/ 5$/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-list.png') });
  });

  it('shows the campaign live: progress, live calls against the cap, outcomes, recent calls, callbacks, the run link', async () => {
    await page.click('#campaign-rows tr a');
    await page.waitForSelector('#call-rows tr');
    expect(await page.locator('#c-name').textContent()).toBe('Nhắc nợ tháng 7');
    await expect.poll(() => page.locator('#p-total').textContent(), POLL).toBe('5');
    await expect.poll(async () => Number(await page.locator('#p-done').textContent()), POLL).toBe(4);
    // The long call is up: one live call of the cap of three.
    await expect.poll(() => page.locator('#l-live').textContent(), POLL).toBe('1');
    expect(await page.locator('#l-cap').textContent()).toBe('3');
    expect(await page.locator('#w-state').textContent()).toBe('đang mở');
    // Outcomes over time: a uPlot chart with a series per report bucket.
    expect(await page.locator('#chart canvas').count()).toBe(1);
    expect(await page.locator('#chart .u-legend').textContent()).toContain('Nghe máy');
    // Recent calls: dispositions, durations and the digits pressed.
    const rows = page.locator('#call-rows tr');
    await expect.poll(() => rows.count(), POLL).toBe(5);
    const text = (await rows.allTextContents()).join('\n');
    expect(text).toContain('Nghe máy');
    expect(text).toContain('Máy bận');
    expect(text).toContain('đang gọi…');
    const digitsRow = page.locator('#call-rows tr', { hasText: '091****003' });
    expect((await digitsRow.locator('td').allTextContents())[6]).toBe('7');
    // The callbacks that cannot be delivered (the receiver answers 500): failed, with their error.
    await expect.poll(async () => Number(await page.locator('#cb-failed').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('#cb-rows').textContent()).toContain('HTTP 500');
    const link = await page.locator('#temporal-link').getAttribute('href');
    expect(link).toMatch(new RegExp(`/namespaces/default/workflows/campaign-run%3A${campaign}/[0-9a-f-]+/history$`));
    await page.screenshot({ path: join(ARTIFACTS, 'console-campaign.png'), fullPage: true });
  });

  it('pause, resume and stop act on the run', async () => {
    const status = async () => (await ops.api(`/console/api/campaigns/${campaign}`)).body;
    await page.click('#btn-pause');
    await expect.poll(async () => (await status()).run.progress?.status, POLL).toBe('pause');
    await expect.poll(() => page.locator('#c-status').textContent(), POLL).toBe('Tạm dừng');
    expect(await page.locator('#btn-resume').isVisible()).toBe(true);
    await page.click('#btn-resume');
    await expect.poll(async () => (await status()).run.progress?.status, POLL).toBe('start');
    await expect.poll(() => page.locator('#c-status').textContent(), POLL).toBe('Đang chạy');
    page.once('dialog', (d) => void d.accept());
    await page.click('#btn-stop');
    await expect.poll(async () => (await status()).campaign.status, POLL).toBe('stop');
    await expect.poll(() => page.locator('#c-status').textContent(), POLL).toBe('Đã dừng');
  });

  it('sends failed callbacks again from the button', async () => {
    await expect.poll(() => page.locator('#btn-retry').isEnabled(), POLL).toBe(true);
    await page.click('#btn-retry');
    await expect.poll(() => page.locator('#action-msg').textContent(), POLL).toMatch(/^Đã gửi lại: [1-9]/);
  });

  it("shows an autodialer campaign's agents with their status and state", async () => {
    const user = await ops.api('/v3/user', { method: 'POST', body: { username: 'agent101', extension: '101', display_name: 'Chị Hoa' } });
    expect(user.status).toBe(200);
    const made = await ops.api('/v3/campaign', {
      method: 'POST',
      body: { campaign_name: 'Gọi tư vấn', type: 'autodialer', ratio: 100, active: true, carrier_uuid: ops.carrier_uuid },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const uuid = made.body.campaign_uuid;
    expect((await ops.api(`/v3/campaign/${uuid}/assign_extension`, { method: 'PUT', body: { extensions: ['101'] } })).status).toBe(200);
    await page.goto(`${ops.url}/console#/c/${uuid}`);
    await expect.poll(() => page.locator('#agents-card').isVisible(), POLL).toBe(true);
    await expect.poll(() => page.locator('#agent-rows tr').count(), POLL).toBe(1);
    const cells = await page.locator('#agent-rows tr td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['101', 'Chị Hoa', 'Logged Out', 'chưa rõ']); // no run open: state unknown
    await page.goto(`${ops.url}/console#/c/${campaign}`);
    await page.waitForSelector('#call-rows tr');
  });

  it('switches to English and back', async () => {
    await page.click('#lang');
    await expect.poll(() => page.locator('#c-status').textContent(), POLL).toBe('Stopped');
    expect(await page.locator('#btn-pause').textContent()).toBe('Pause');
    await page.click('#lang');
    await expect.poll(() => page.locator('#c-status').textContent(), POLL).toBe('Đã dừng');
  });

  it('loads nothing from outside the API and runs without page errors', () => {
    expect(pageErrors).toEqual([]);
    for (const u of requests) expect(u.startsWith(ops.url) || u.startsWith('data:')).toBe(true);
  });
});
