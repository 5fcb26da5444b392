// Posts the call detail records FreeSWITCH's mod_json_cdr gave up on (its err-log-dir: one
// `<uuid>.cdr.json` per leg, exactly the body it failed to post) to the API's /freeswitch/cdr.
// FreeSWITCH never re-posts them itself. Safe to run again: the API stores each leg once.
//   npm run cdr:replay -- <err-log-dir> [--url http://127.0.0.1:3000] [--delete]
// The password is FREESWITCH_HTTP_PASSWORD (environment or .env).
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, delete: { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run cdr:replay -- <err-log-dir> [--url http://host:port] [--delete]');
  process.exit(2);
}
const config = loadConfigOrExit();
if (!config.FREESWITCH_HTTP_PASSWORD) {
  console.error('FREESWITCH_HTTP_PASSWORD is not set: the API refuses CDRs without it');
  process.exit(2);
}
const base = values.url ?? `http://${config.API_HOST}:${config.API_PORT}`;
const auth = `Basic ${Buffer.from(`freeswitch:${config.FREESWITCH_HTTP_PASSWORD}`).toString('base64')}`;
let posted = 0;
let failed = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.cdr.json'))) {
  const file = join(dir, name);
  const uuid = name.slice(0, -'.cdr.json'.length);
  const res = await fetch(`${base}/freeswitch/cdr?uuid=${encodeURIComponent(uuid)}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: readFileSync(file, 'utf8'),
  }).catch((err: Error) => ({ ok: false, status: 0, statusText: err.message }) as const);
  if (res.ok) {
    posted++;
    if (values.delete) unlinkSync(file);
  } else {
    failed++;
    console.error(`${name}: ${res.status} ${res.statusText}`);
  }
}
console.log(`posted ${posted}, failed ${failed}`);
process.exit(failed ? 1 : 0);
