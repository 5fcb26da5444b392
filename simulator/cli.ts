// `npm run sim` — the FreeSWITCH simulator standalone.
//   --port <n> (ESL_PORT, default 8021)   --host <addr> (default 127.0.0.1)
//   --password <pw> (ESL_PASSWORD, default ClueCon)   --rules <file.json> (SIM_RULES)
//   --seed <n> (SIM_SEED, default 1)   --control-port <n> (SIM_CONTROL_PORT, default ESL port + 1; 0 = any; -1 = off)
//   --time-scale <x> (SIM_TIME_SCALE, default 1)
//   --xml-curl-url <url> (SIM_XML_CURL_URL): mod_callcenter's configuration gateway (mod_xml_curl)
//   --xml-curl-timeout-ms <n> (SIM_XML_CURL_TIMEOUT_MS, default 10000)
import { parseArgs } from 'node:util';
import { startSimulator } from './server.ts';
import { loadRulesFile } from './rules.ts';
import { startControlServer } from './control-http.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    password: { type: 'string' },
    rules: { type: 'string' },
    seed: { type: 'string' },
    'control-port': { type: 'string' },
    'time-scale': { type: 'string' },
    'xml-curl-url': { type: 'string' },
    'xml-curl-timeout-ms': { type: 'string' },
    quiet: { type: 'boolean' },
  },
});

const env = process.env;
const port = Number(values.port ?? env.ESL_PORT ?? 8021);
const rulesPath = values.rules ?? env.SIM_RULES;
const sim = await startSimulator({
  port,
  host: values.host ?? env.SIM_HOST ?? '127.0.0.1',
  password: values.password ?? env.ESL_PASSWORD ?? 'ClueCon',
  rules: rulesPath ? loadRulesFile(rulesPath) : undefined,
  seed: Number(values.seed ?? env.SIM_SEED ?? 1),
  timeScale: Number(values['time-scale'] ?? env.SIM_TIME_SCALE ?? 1),
  xmlCurlUrl: values['xml-curl-url'] ?? env.SIM_XML_CURL_URL ?? undefined,
  xmlCurlTimeoutMs: Number(values['xml-curl-timeout-ms'] ?? env.SIM_XML_CURL_TIMEOUT_MS ?? 10000),
  log: values.quiet ? undefined : (l) => process.stderr.write(`[sim] ${l}\n`),
});
const cp = Number(values['control-port'] ?? env.SIM_CONTROL_PORT ?? sim.port + 1);
const control = cp >= 0 ? await startControlServer(sim, cp, values.host ?? env.SIM_HOST ?? '127.0.0.1') : null;
process.stdout.write(
  `FreeSWITCH simulator listening on ${sim.host}:${sim.port} (ESL, password ${sim.password})` +
    (control ? `, control API http://${sim.host}:${control.port}` : '') +
    (rulesPath ? `, rules ${rulesPath}` : '') +
    (sim.control.callcenter.state().xmlCurlUrl ? `, xml_curl ${sim.control.callcenter.state().xmlCurlUrl}` : '') +
    '\n',
);
const stop = async () => {
  await control?.close();
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
