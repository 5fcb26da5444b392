// `npm start`: the whole system on this machine. Builds or finds the servers, starts what is not
// configured elsewhere (Temporal dev server with its UI, FerretDB or mongod, the FreeSWITCH
// simulator), then the worker and the API; prints where everything is; Ctrl-C stops it all.
import { join, resolve } from 'node:path';
import { loadConfigOrExit, type Config } from '../config/index.ts';
import { portFree, startProc, waitReady, type Proc } from './lib/procs.ts';
import { startMongoStore, startTemporal } from './lib/stack.ts';
import { probeEslNode } from '../telephony/probe.ts';
import { devSetup } from './lib/dev-setup.ts';
import type { Health } from '../control/health.ts';

const t0 = Date.now();
/** The simulator's rules when SIM_RULES is not set: answered calls with talk times of seconds,
 *  busy, no answer, a few unreachable. */
const DEV_SIM_RULES = 'config/sim-rules.dev.json';
const config = loadConfigOrExit(); // also loads .env, so the checks below see it
const given = (name: string) => Boolean(process.env[name]);
const dataDir = resolve(config.DATA_DIR);
const logDir = join(dataDir, 'logs');
const log = (line: string) => console.log(`[start] ${line}`);
const base = { cacheDir: config.TOOLS_CACHE_DIR, logDir, log };

const embedded = {
  temporal: !given('TEMPORAL_ADDRESS'),
  mongo: !given('MONGODB_URI'),
  simulator: !given('ESL_HOST') && !given('ESL_NODES'),
};

// Refuse early, before anything starts, when a port we would listen on is taken.
const ports: Array<[number, string]> = [[config.API_PORT, 'API_PORT']];
if (embedded.temporal) ports.push([config.TEMPORAL_PORT, 'TEMPORAL_PORT'], [config.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT']);
if (embedded.mongo) ports.push([config.MONGODB_PORT, 'MONGODB_PORT']);
if (embedded.simulator) ports.push([config.ESL_PORT, 'ESL_PORT'], [config.ESL_PORT + 1, 'ESL_PORT + 1 (simulator control API)']);
for (const [p, name] of ports) {
  if (!(await portFree(p))) {
    console.error(
      `campaign-runner: port ${p} (${name}) is taken. Is another \`npm start\` running? Stop it, or set ${name.split(' ')[0]} in the environment or .env to use another port.`,
    );
    process.exit(1);
  }
}

const procs: Proc[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log('stopping…');
    // Reverse order: API and worker first, the servers they use last.
    for (const p of [...procs].reverse()) await p.stop();
    log('stopped');
  }
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stopAll(0));

function watch(p: Proc) {
  procs.push(p);
  void p.exited.then((code) => {
    if (stopping) return;
    console.error(`campaign-runner: ${p.name} exited unexpectedly (code ${code}); see ${p.logFile}`);
    void stopAll(1);
  });
  return p;
}

try {
  const servers: Promise<void>[] = [];
  if (embedded.temporal) {
    servers.push(
      startTemporal({
        ...base,
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dbFile: join(dataDir, 'temporal.db'),
      }).then((p) => void watch(p)),
    );
  }
  if (embedded.mongo) {
    servers.push(
      startMongoStore({ ...base, port: config.MONGODB_PORT, dataDir }).then(({ proc, uri, kind }) => {
        watch(proc);
        log(`${kind} is the MongoDB store (${uri})`);
      }),
    );
  }
  if (embedded.simulator) servers.push(startSimulator(config).then((p) => void watch(p)));
  await Promise.all(servers);

  const dev = await devSetup(config, dataDir);

  const tsx = ['--import', 'tsx'];
  watch(startProc('worker', process.execPath, [...tsx, 'worker/index.ts'], { logDir }));
  // The operator API (/admin) is on with the environment's ADMIN_TOKEN or the one kept in DATA_DIR.
  const api = watch(
    startProc('api', process.execPath, [...tsx, 'api/server.ts'], { logDir, env: { ...process.env, ADMIN_TOKEN: dev.adminToken } }),
  );
  const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
  // Ready once the API answers with its store and Temporal up; an ESL node that is down (a real
  // FreeSWITCH being restarted, say) is reported, not fatal: the worker reconnects to it.
  let health: Health | undefined;
  await waitReady(
    api,
    'API',
    async () => {
      health = (await (await fetch(`${apiUrl}/healthz`)).json()) as Health;
      return health.mongodb.up && health.temporal.up;
    },
    60_000,
  );
  const eslDown = health!.esl.filter((e) => !e.up);

  const lines = [
    '',
    `campaign-runner is up (${((Date.now() - t0) / 1000).toFixed(1)} s), ${health!.status === 'ok' ? 'healthy' : 'DEGRADED'}`,
    `  API          ${apiUrl}`,
    `  API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
    `  Health       ${apiUrl}/healthz`,
    `  Console      ${apiUrl}/console   (sign in with the token below)`,
    `  Metrics      ${apiUrl}/metrics${metricsLines(config)}`,
    embedded.temporal
      ? `  Temporal UI  http://127.0.0.1:${config.TEMPORAL_UI_PORT}`
      : `  Temporal     ${config.TEMPORAL_ADDRESS} (configured)`,
    `  MongoDB      ${config.MONGODB_URI}${embedded.mongo ? '' : ' (configured)'}`,
    `  FreeSWITCH   ${config.eslNodes.map((n) => `${n.host}:${n.port}`).join(', ')}${embedded.simulator ? ` (simulator, rules ${config.SIM_RULES ?? DEV_SIM_RULES})` : ''}`,
    ...eslDown.map((e) => `  !! ESL node ${e.node} is down: ${e.error}`),
    `  Logs         ${logDir}`,
    ...dev.lines,
    `  Admin token  ${config.ADMIN_TOKEN ? 'ADMIN_TOKEN (environment)' : join(dataDir, 'admin-token')}`,
    '',
    'A first campaign: README.md, Quickstart (npm run ctl -- --help). Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));
} catch (err) {
  console.error(`campaign-runner: ${(err as Error).message}`);
  await stopAll(1);
}

async function startSimulator(config: Config): Promise<Proc> {
  const args = [
    '--import',
    'tsx',
    'simulator/cli.ts',
    '--host',
    '127.0.0.1',
    '--port',
    String(config.ESL_PORT),
    '--password',
    config.ESL_PASSWORD,
  ];
  // A realistic mix of outcomes unless SIM_RULES names other rules (config/sim-rules.dev.json).
  args.push('--rules', config.SIM_RULES ?? DEV_SIM_RULES);
  const proc = startProc('simulator', process.execPath, args, { logDir });
  await waitReady(proc, 'FreeSWITCH simulator', async () => (await probeEslNode(config.eslNodes[0]!)).up, 30_000);
  return proc;
}

function metricsLines(config: Config): string {
  const host = config.WORKER_METRICS_HOST;
  const parts = [];
  if (config.WORKER_METRICS_PORT) parts.push(`worker http://${host}:${config.WORKER_METRICS_PORT}/metrics`);
  if (config.TEMPORAL_SDK_METRICS_PORT) parts.push(`Temporal SDK http://${host}:${config.TEMPORAL_SDK_METRICS_PORT}/metrics`);
  return parts.length ? `   (${parts.join(', ')})` : '';
}
