// The README's quickstart, as a new user runs it: `npm start` on a fresh data directory (free
// ports), then every command of the README's quickstart block, read from README.md itself (so the
// README and this test cannot drift), each of which must succeed; the report must show answered
// calls, the simulator must have been sent the originates, the console page must load, and the
// worker's and the Temporal SDK's /metrics must have counted the calls.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/procs.ts';
import { metric, parseMetrics } from '../metrics/parse.ts';

/** The shell lines between the quickstart markers of README.md (comments and blank lines dropped). */
export function quickstartCommands(readme = readFileSync('README.md', 'utf8')): string[] {
  const m = /<!-- quickstart:begin[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme);
  if (!m) throw new Error('README.md has no quickstart block between <!-- quickstart:begin --> and <!-- quickstart:end -->');
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const dataDir = mkdtempSync(join(tmpdir(), 'campaign-runner-quickstart-'));
let env: NodeJS.ProcessEnv;
let stack: ChildProcess;
let output = '';
const ran: Array<{ cmd: string; status: number | null; stdout: string; stderr: string }> = [];

beforeAll(async () => {
  const [api, temporal, ui, mongo, esl, worker, sdk] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  env = {
    ...process.env,
    API_PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    MONGODB_PORT: String(mongo),
    ESL_PORT: String(esl),
    WORKER_METRICS_PORT: String(worker),
    TEMPORAL_SDK_METRICS_PORT: String(sdk),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  };
  for (const k of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'ESL_HOST', 'ESL_NODES', 'SIM_RULES', 'CTL_API_URL', 'CTL_TOKEN', 'ADMIN_TOKEN'])
    delete env[k];
  stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  stack.stdout!.on('data', (d) => (output += d));
  stack.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (output.includes('campaign-runner is up')) {
        clearInterval(t);
        resolve();
      }
      if (stack.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`npm start exited:\n${output}`));
      }
    }, 200);
  });
}, 240_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    stack.kill('SIGINT');
    await new Promise((r) => {
      const t = setTimeout(() => (stack.kill('SIGKILL'), r(undefined)), 20_000);
      stack.once('exit', () => (clearTimeout(t), r(undefined)));
    });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the README's quickstart", () => {
  it('is five commands after npm start', () => {
    const cmds = quickstartCommands();
    expect(cmds.length).toBeGreaterThanOrEqual(4);
    for (const c of cmds) expect(c).toMatch(/^npm run ctl -- /);
  });

  it('runs every command on a fresh stack: create, import, start, progress --watch, report', () => {
    for (const cmd of quickstartCommands()) {
      const r = spawnSync('bash', ['-c', cmd], { env, encoding: 'utf8', timeout: 180_000 });
      ran.push({ cmd, status: r.status, stdout: r.stdout, stderr: r.stderr });
      expect(r.status, `${cmd}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    const watched = ran.find((r) => r.cmd.includes('progress'))!.stdout;
    expect(watched).toMatch(/20\/20 finished/);
  }, 300_000);

  it('shows answered calls in the report, with talk time', () => {
    const report = ran.find((r) => r.cmd.includes(' report '))!.stdout;
    const answered = Number(/answered\s+(\d+)/.exec(report)?.[1]);
    expect(answered).toBeGreaterThan(0);
    expect(Number(/(\d+) calls/.exec(report)?.[1])).toBe(20);
    expect(Number(/talk (\d+) s/.exec(report)?.[1])).toBeGreaterThan(answered); // seconds of talk, not 0
  });

  it('sent the originates to the simulator, with the Vietnamese message to play', async () => {
    const calls = (await (await fetch(`http://127.0.0.1:${Number(env.ESL_PORT) + 1}/calls`)).json()) as Array<{ command: string }>;
    expect(calls.length).toBeGreaterThanOrEqual(20);
    expect(calls.every((c) => c.command.includes('sofia/gateway/simulator/'))).toBe(true);
    expect(calls[0]!.command).toContain('play_and_get_digits');
  });

  it('serves the console, and the worker and the Temporal SDK count the calls', async () => {
    const page = await fetch(`http://127.0.0.1:${env.API_PORT}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/console.js');
    const worker = parseMetrics(await (await fetch(`http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`)).text());
    expect(metric(worker, 'campaign_runner_calls_originated_total')).toBeGreaterThanOrEqual(20);
    expect(metric(worker, 'campaign_runner_calls_answered_total')).toBeGreaterThan(0);
    const sdk = await (await fetch(`http://127.0.0.1:${env.TEMPORAL_SDK_METRICS_PORT}/metrics`)).text();
    expect(sdk).toMatch(/^temporal_\w+/m);
    expect(sdk).toContain('task_queue="campaign-runner"');
  });
});
