// `npm start` end to end, as a person runs it: the whole system comes up on the ports it is
// given, /healthz answers, a second start on the same ports is refused with the port named, and
// SIGINT (Ctrl-C) stops every child it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portOpen } from '../../scripts/lib/procs.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'campaign-runner-start-'));
let env: NodeJS.ProcessEnv;
let child: ChildProcess;
let output = '';

function start(e: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  const [api, temporal, ui, mongo, esl] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  env = {
    ...process.env,
    API_PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    MONGODB_PORT: String(mongo),
    ESL_PORT: String(esl),
    DATA_DIR: dataDir,
  };
  for (const k of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'ESL_HOST', 'ESL_NODES']) delete env[k];
  child = start(env);
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (output.includes('campaign-runner is up')) {
        clearInterval(t);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`npm start exited:\n${output}`));
      }
    }, 200);
  });
}, 180_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints where the API, its docs and the Temporal UI are', () => {
    expect(output).toContain(`API          http://127.0.0.1:${env.API_PORT}`);
    expect(output).toContain(`http://127.0.0.1:${env.API_PORT}/docs`);
    expect(output).toContain(`Temporal UI  http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
  });

  it('serves /healthz with the store and Temporal up, the docs page and the Temporal UI', async () => {
    const health = await (await fetch(`http://127.0.0.1:${env.API_PORT}/healthz`)).json();
    expect(health).toMatchObject({ mongodb: { up: true }, temporal: { up: true } });
    expect(health.esl).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${env.API_PORT}/docs`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);
  });

  it('creates the development tenant and prints a token the API accepts', async () => {
    const token = /Token\s+(cr_\S+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    const url = `http://127.0.0.1:${env.API_PORT}/v3/campaign`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(url, { headers: { authorization: 'Bearer cr_wrong_token_0000000000' } })).status).toBe(401);
  });

  it('a second start says which port is taken and starts nothing', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`port ${env.API_PORT} (API_PORT) is taken`);
  });

  it('Ctrl-C stops every process it started', async () => {
    const ports = [env.API_PORT, env.TEMPORAL_PORT, env.TEMPORAL_UI_PORT, env.MONGODB_PORT].map(Number);
    for (const p of ports) expect(await portOpen(p), `port ${p} open while running`).toBe(true);
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    for (const p of ports) expect(await portOpen(p), `port ${p} closed after stop`).toBe(false);
  });
});
