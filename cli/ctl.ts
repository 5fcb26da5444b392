// `npm run ctl -- <command>`: the ops CLI (README, *CLI*). It speaks only the REST API — the
// console's JSON (/console/api), the documented v1/v3 endpoints and the operator API (/admin) —
// so it works against any deployment: CTL_API_URL and CTL_TOKEN (a tenant's token; default the
// dev tenant's, kept by npm start in DATA_DIR/dev-token), ADMIN_TOKEN for `admin` commands.
// Exit codes (cli/client.ts EXIT): 0 ok, 1 refused/failed, 2 usage, 3 not found, 4 token,
// 5 API unreachable or 503, 6 an import left rows out. Errors go to stderr, results to stdout.
/* eslint-disable @typescript-eslint/no-explicit-any -- the operator API's JSON, printed as it comes */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, ConfigError } from '../config/index.ts';
import { CtlError, EXIT, request, target, type Target } from './client.ts';
import { errorsCsv, parseMaps, phoneColumn, readRows, toLeads, type LeadRow, type RowError } from './leads-file.ts';

// ---------------------------------------------------------------- shapes (the console's JSON)

interface LeadCounts {
  total: number;
  new: number;
  queued: number;
  waiting_recall: number;
  done: number;
  invalid: number;
  do_not_call: number;
  finished: number;
}
interface CampaignSummary {
  campaign_uuid: string;
  campaign_name: string;
  campaign_id: number;
  type: string;
  status: string;
  active: boolean;
  concurrent_call: number;
  template_name: string;
  carrier_name: string;
  leads: LeadCounts;
}
interface Live {
  campaign: CampaignSummary;
  run: { open: boolean | null; temporal_ui_url: string; progress: { calls: number; by_disposition: Record<string, number> } | null };
  live_calls: number;
  cap: number;
  window: { open: boolean; next_opening: string | null };
  callbacks: { pending: number; failed: number };
}
interface CallRow {
  call_id: string;
  number: string;
  attempt: number;
  state: string;
  disposition: string;
  report: string;
  hangup_cause: string;
  billsec: number;
  duration: number;
  digits: string;
  created_at: string;
  ended_at: string | null;
  callback: string;
}
interface Report {
  data: { status: Record<string, number>; total_calls: number; total_duration: number; total_billsec: number; total_waitsec: number };
}

// ---------------------------------------------------------------- output helpers

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));
const STATUS: Record<string, string> = { start: 'running', pause: 'paused', stop: 'stopped', '': 'not started' };
const BUCKETS = ['answered', 'busy', 'not_available', 'no_answer', 'cancel', 'failed'] as const;

function table(rows: Array<Record<string, string | number>>, columns: string[]): void {
  const w = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  out(
    columns
      .map((c, i) => c.toUpperCase().padEnd(w[i]!))
      .join('  ')
      .trimEnd(),
  );
  for (const r of rows)
    out(
      columns
        .map((c, i) => String(r[c] ?? '').padEnd(w[i]!))
        .join('  ')
        .trimEnd(),
    );
}

function bar(done: number, total: number, width = 24): string {
  const n = total > 0 ? Math.round((width * done) / total) : 0;
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}]`;
}

const outcomeText = (s: Record<string, number>) =>
  BUCKETS.filter((b) => s[b])
    .map((b) => `${b.replace('_', ' ')} ${s[b]}`)
    .join(', ') || 'none yet';

// ---------------------------------------------------------------- lookups

async function campaigns(t: Target): Promise<CampaignSummary[]> {
  return (await request<{ data: CampaignSummary[] }>(t, '/console/api/campaigns')).body.data;
}

/** A campaign by uuid, name or voice-bot id. */
async function campaignOf(t: Target, ref: string): Promise<CampaignSummary> {
  const all = await campaigns(t);
  const hit =
    all.find((c) => c.campaign_uuid === ref.toLowerCase()) ??
    all.find((c) => c.campaign_name === ref) ??
    (/^\d+$/.test(ref) ? all.find((c) => c.campaign_id === Number(ref)) : undefined);
  if (!hit) throw new CtlError(`no campaign "${ref}" (give its name, uuid or voice-bot id; \`ctl campaigns\` lists them)`, EXIT.notFound);
  return hit;
}

async function directoryRef(t: Target, kind: 'template' | 'carrier', ref: string): Promise<string> {
  const list = (await request<{ data: Array<Record<string, string>> }>(t, `/v3/${kind}?limit=1000`)).body.data;
  const hit = list.find((x) => x[`${kind}_uuid`] === ref || x[`${kind}_name`] === ref);
  if (!hit) throw new CtlError(`no ${kind} "${ref}" (${kind}s: ${list.map((x) => x[`${kind}_name`]).join(', ') || 'none'})`, EXIT.notFound);
  return hit[`${kind}_uuid`]!;
}

const live = (t: Target, uuid: string) => request<Live>(t, `/console/api/campaigns/${uuid}`).then((r) => r.body);
const report = (t: Target, uuid: string, from = '2000-01-01 00:00:00', to = '2099-12-31 23:59:59') =>
  request<Report>(
    t,
    `/v1/autocall/report?campaign_uuid=${uuid}&start_date=${encodeURIComponent(from)}&end_date=${encodeURIComponent(to)}`,
  ).then((r) => r.body.data);

// ---------------------------------------------------------------- progress

function progressLines(l: Live, rep: Report['data']): string[] {
  const c = l.campaign;
  const rest = c.leads.new + c.leads.queued;
  return [
    `${c.campaign_name} (${c.campaign_uuid}, voice-bot id ${c.campaign_id}): ${STATUS[c.status] ?? c.status}${l.run.open === false && c.status === 'start' ? ' (no run open)' : ''}, window ${l.window.open ? 'open' : `closed${l.window.next_opening ? `, opens ${l.window.next_opening}` : ''}`}`,
    `  leads      ${bar(c.leads.finished, c.leads.total)} ${c.leads.finished}/${c.leads.total} finished, ${c.leads.waiting_recall} waiting recall, ${rest} not called yet`,
    `  live calls ${l.live_calls}/${l.cap}`,
    `  calls      ${rep.total_calls}: ${outcomeText(rep.status)}; talk ${rep.total_billsec} s`,
    `  callbacks  ${l.callbacks.pending} pending, ${l.callbacks.failed} failed`,
    `  run        ${l.run.temporal_ui_url}`,
  ];
}

/** Everything dialable is done: every lead finished, no recall waiting, no call up. */
const finished = (l: Live) => l.campaign.leads.total > 0 && l.campaign.leads.finished === l.campaign.leads.total && l.live_calls === 0;

async function progress(t: Target, ref: string, o: { watch?: boolean; interval: string; json?: boolean }): Promise<number> {
  const c = await campaignOf(t, ref);
  if (!o.watch) {
    const [l, rep] = await Promise.all([live(t, c.campaign_uuid), report(t, c.campaign_uuid)]);
    if (o.json) json({ ...l, report: rep });
    else progressLines(l, rep).forEach((x) => out(x));
    return EXIT.ok;
  }
  const every = Math.max(0.5, Number(o.interval) || 2) * 1000;
  const tty = Boolean(process.stdout.isTTY) && !o.json;
  const b = tty
    ? new cliProgress.SingleBar(
        {
          format: '{name} |{bar}| {value}/{total} leads | live {live}/{cap} | recall {recall} | {outcomes}',
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let last = '';
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  for (;;) {
    const [l, rep] = await Promise.all([live(t, c.campaign_uuid), report(t, c.campaign_uuid)]);
    const payload = {
      name: l.campaign.campaign_name,
      live: l.live_calls,
      cap: l.cap,
      recall: l.campaign.leads.waiting_recall,
      outcomes: outcomeText(rep.status),
    };
    if (b) {
      if (!started) b.start(l.campaign.leads.total, l.campaign.leads.finished, payload);
      else {
        b.setTotal(l.campaign.leads.total);
        b.update(l.campaign.leads.finished, payload);
      }
      started = true;
    } else {
      const line = o.json
        ? JSON.stringify({
            at: new Date().toISOString(),
            finished: l.campaign.leads.finished,
            total: l.campaign.leads.total,
            live_calls: l.live_calls,
            cap: l.cap,
            waiting_recall: l.campaign.leads.waiting_recall,
            report: rep.status,
          })
        : `${new Date().toISOString().slice(11, 19)} ${bar(l.campaign.leads.finished, l.campaign.leads.total)} ${l.campaign.leads.finished}/${l.campaign.leads.total} leads, live ${l.live_calls}/${l.cap}, recall ${l.campaign.leads.waiting_recall}, ${outcomeText(rep.status)}`;
      const key = line.replace(/^\S+ /, '').replace(/"at":"[^"]+",/, '');
      if (key !== last) out(line);
      last = key;
    }
    if (finished(l) || stopping) {
      b?.stop();
      if (!o.json) progressLines(l, rep).forEach((x) => out(x));
      return EXIT.ok;
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

// ---------------------------------------------------------------- import

async function importLeads(
  t: Target,
  ref: string,
  file: string,
  o: {
    phone?: string;
    map: string[];
    onlyMapped?: boolean;
    sheet?: string;
    errors?: string;
    skipBad?: boolean;
    keepInvalid?: boolean;
    concurrency: string;
    json?: boolean;
  },
): Promise<number> {
  const c = await campaignOf(t, ref);
  let rows;
  let phone: string;
  let maps: Map<string, string>;
  try {
    rows = await readRows(file, o.sheet);
    phone = phoneColumn(rows.headers, o.phone);
    maps = parseMaps(o.map, rows.headers);
  } catch (err) {
    throw new CtlError((err as Error).message, EXIT.usage);
  }
  // The template's placeholders: every row needs a value for each (checked before anything is sent).
  const campaign = (await request<{ template_uuid: string }>(t, `/v3/campaign/${c.campaign_uuid}`)).body;
  const required = campaign.template_uuid
    ? ((await request<{ params?: string[] }>(t, `/v3/template/${campaign.template_uuid}`)).body.params ?? [])
    : [];
  const { leads, errors } = toLeads(rows.rows, {
    phone,
    maps,
    onlyMapped: Boolean(o.onlyMapped),
    required,
    keepInvalid: Boolean(o.keepInvalid),
  });
  const errorsFile = o.errors ?? `${file}.errors.csv`;
  const say = (s: string) => (o.json ? process.stderr.write(`${s}\n`) : out(s));

  if (errors.length && !o.skipBad) {
    writeFileSync(errorsFile, errorsCsv(errors));
    process.stderr.write(
      `${errors.length} of ${rows.rows.length} rows cannot be imported (first: row ${errors[0]!.line}: ${errors[0]!.error}); nothing was imported.\nThe rows and why: ${errorsFile}. Fix them, or import the others with --skip-bad.\n`,
    );
    if (o.json) json({ imported: 0, rejected: errors.length, errors_file: errorsFile });
    return EXIT.partial;
  }

  // Each row's Idempotency-Key comes from the file's content and its row: running the same
  // command again after an interruption adds no lead twice.
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  const failed: RowError[] = [...errors];
  let done = 0;
  let stoppedBy: CtlError | undefined;
  const tty = Boolean(process.stdout.isTTY) && !o.json;
  const b = tty
    ? new cliProgress.SingleBar(
        { format: 'import |{bar}| {value}/{total} rows | {failed} refused', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  b?.start(leads.length, 0, { failed: failed.length });
  let nextReport = 0.1;
  const queue = [...leads];
  const send = async (lead: LeadRow) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await request(t, '/v3/autocall/import', {
          method: 'POST',
          headers: { 'idempotency-key': `ctl:${digest}:${lead.line}` },
          body: { campaign_uuid: c.campaign_uuid, phone_number: lead.phone_number, param: lead.param },
        });
        return;
      } catch (err) {
        if (err instanceof CtlError && err.code === EXIT.unavailable && attempt < 5) {
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
          continue;
        }
        if (err instanceof CtlError && err.code === EXIT.failed && err.status !== undefined && err.status < 500) {
          failed.push({ line: lead.line, phone_number: lead.phone_number, error: err.message });
          return;
        }
        throw err;
      }
    }
  };
  const worker = async () => {
    while (!stoppedBy && queue.length) {
      const lead = queue.shift()!;
      try {
        await send(lead);
      } catch (err) {
        stoppedBy = err instanceof CtlError ? err : new CtlError((err as Error).message, EXIT.failed);
        return;
      }
      done++;
      b?.update(done, { failed: failed.length });
      if (!b && !o.json && leads.length >= 20 && done / leads.length >= nextReport) {
        out(`imported ${done}/${leads.length} rows`);
        nextReport += 0.1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(32, Number(o.concurrency) || 8)) }, worker));
  b?.stop();
  const imported = done - (failed.length - errors.length);
  if (failed.length) writeFileSync(errorsFile, errorsCsv(failed));
  if (stoppedBy) {
    process.stderr.write(
      `import stopped after ${done} of ${leads.length} rows: ${stoppedBy.message}\nRun the same command again to import the rest: rows already imported are not added twice.\n`,
    );
    if (o.json) json({ imported, rejected: failed.length, stopped: true, errors_file: failed.length ? errorsFile : null });
    return stoppedBy.code;
  }
  if (o.json) json({ imported, rejected: failed.length, errors_file: failed.length ? errorsFile : null });
  else
    say(
      `imported ${imported} of ${rows.rows.length} rows into ${c.campaign_name}${failed.length ? `; ${failed.length} not imported, see ${errorsFile}` : ''}`,
    );
  return failed.length ? EXIT.partial : EXIT.ok;
}

// ---------------------------------------------------------------- calls and callbacks

function callLine(k: CallRow): Record<string, string | number> {
  return {
    time: (k.ended_at ?? k.created_at).slice(11, 19),
    number: k.number,
    try: k.attempt,
    outcome: k.state === 'sending' ? 'calling…' : k.disposition,
    cause: k.hangup_cause,
    duration: k.state === 'done' ? `${k.duration}s` : '',
    talk: k.state === 'done' ? `${k.billsec}s` : '',
    digits: k.digits,
    callback: k.callback,
    call_id: k.call_id,
  };
}
const CALL_COLUMNS = ['time', 'number', 'try', 'outcome', 'cause', 'duration', 'talk', 'digits', 'callback', 'call_id'];

async function calls(t: Target, ref: string, o: { tail?: boolean; limit: string; json?: boolean }): Promise<number> {
  const c = await campaignOf(t, ref);
  const first = (
    await request<{ data: CallRow[] }>(t, `/console/api/campaigns/${c.campaign_uuid}/calls?limit=${Number(o.limit) || 20}`)
  ).body.data.reverse();
  if (o.json && !o.tail) return (json(first), EXIT.ok);
  const print = (k: CallRow) => (o.json ? out(JSON.stringify(k)) : out(Object.values(callLine(k)).join('\t')));
  if (!o.json) out(CALL_COLUMNS.join('\t'));
  first.forEach(print);
  if (!o.tail) return EXIT.ok;
  let since = first.reduce((m, k) => (k.ended_at && k.ended_at > m ? k.ended_at : m), new Date(Date.now() - 1000).toISOString());
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  while (!stopping) {
    await new Promise((r) => setTimeout(r, 1000));
    const more = (
      await request<{ data: CallRow[] }>(
        t,
        `/console/api/campaigns/${c.campaign_uuid}/calls?limit=500&ended_after=${encodeURIComponent(since)}`,
      )
    ).body.data;
    for (const k of more) {
      print(k);
      if (k.ended_at && k.ended_at > since) since = k.ended_at;
    }
  }
  return EXIT.ok;
}

async function callbacks(
  t: Target,
  ref: string,
  o: { failed?: boolean; pending?: boolean; limit: string; json?: boolean },
): Promise<number> {
  const c = await campaignOf(t, ref);
  const status = o.failed ? '&status=failed' : o.pending ? '&status=pending' : '';
  const r = (
    await request<{ data: Array<Record<string, unknown>>; total: number }>(
      t,
      `/v3/campaign/${c.campaign_uuid}/callbacks?limit=${Number(o.limit) || 50}${status}`,
    )
  ).body;
  if (o.json) return (json(r), EXIT.ok);
  table(
    r.data.map((d) => ({
      call_id: String(d.call_id),
      kind: String(d.kind),
      status: String(d.status),
      attempts: Number(d.attempts),
      last_error: String(d.last_error),
      updated: String(d.updated_at ?? ''),
    })),
    ['call_id', 'kind', 'status', 'attempts', 'last_error', 'updated'],
  );
  out(`${r.total} in all`);
  return EXIT.ok;
}

// ---------------------------------------------------------------- admin

const DURATION = /^(\d+)(s|m|h|d)?$/;
function seconds(s: string): number {
  const m = DURATION.exec(s.trim());
  if (!m) throw new CtlError(`"${s}" is not a duration (e.g. 90s, 30m, 24h, 7d)`, EXIT.usage);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's'];
}

function tenantLines(x: Record<string, any>): string[] {
  const b = x.billing ?? {};
  return [
    `${x.name} (${x.domain_uuid})`,
    `  time zone   ${x.time_zone}`,
    `  tokens      ${x.tokens}`,
    `  billing     ${b.prepaid ? `prepaid: ${b.remaining} left (opening ${b.opening_balance} + top-ups ${b.topped_up} − charges ${b.charged})` : 'not prepaid'}`,
    `  plan        ${b.plan_expires_at === undefined ? 'no plan check' : b.plan_expires_at === null ? 'no plan (calls refused)' : `expires ${b.plan_expires_at}`}`,
    `  postage     ${
      Object.entries(b.postage ?? {})
        .map(([k, v]) => `${k} ${v}/min`)
        .join(', ') || 'none'
    }`,
    ...(x.callback_secret_rotation ? [`  callbacks   a rotated secret signs from ${x.callback_secret_rotation.active_from}`] : []),
  ];
}

function adminCommands(program: Command, t: () => Target, run: (fn: () => Promise<number | void>) => Promise<void>): void {
  const admin = program.command('admin').description('tenant administration through the operator API (ADMIN_TOKEN)');
  const A = { admin: true };
  const tenantPath = (ref: string) => `/admin/tenants/${encodeURIComponent(ref)}`;
  admin
    .command('tenants')
    .description('every tenant with its billing')
    .option('--json', 'machine-readable output')
    .action((o) =>
      run(async () => {
        const { data } = (await request<{ data: Array<Record<string, any>> }>(t(), '/admin/tenants', A)).body;
        if (o.json) return json(data);
        table(
          data.map((x) => ({
            name: x.name,
            domain_uuid: x.domain_uuid,
            time_zone: x.time_zone,
            tokens: x.tokens,
            remaining: x.billing.remaining ?? '—',
          })),
          ['name', 'domain_uuid', 'time_zone', 'tokens', 'remaining'],
        );
      }),
    );
  admin
    .command('show <tenant>')
    .description('one tenant (name or domain_uuid)')
    .option('--json', 'machine-readable output')
    .action((ref, o) =>
      run(async () => {
        const x = (await request<Record<string, any>>(t(), tenantPath(ref), A)).body;
        if (o.json) return json(x);
        tenantLines(x).forEach((l) => out(l));
      }),
    );
  admin
    .command('create-tenant <name>')
    .description('a new tenant: its token and callback secret are printed once')
    .option('--time-zone <tz>', 'IANA time zone (default Asia/Ho_Chi_Minh)')
    .option('--json', 'machine-readable output')
    .action((name, o) =>
      run(async () => {
        const r = (
          await request<Record<string, any>>(t(), '/admin/tenants', {
            ...A,
            method: 'POST',
            body: { name, ...(o.timeZone ? { time_zone: o.timeZone } : {}) },
          })
        ).body;
        if (o.json) return json(r);
        out(`tenant ${r.tenant.name} (${r.tenant.domain_uuid}) created`);
        out(`token            ${r.token}`);
        out(`callback secret  ${r.callback_secret}`);
        out('Both are shown once: keep them now.');
      }),
    );
  admin
    .command('rotate-token <tenant>')
    .description('issue a new API token (printed once)')
    .option('--revoke-others', 'end every other token of the tenant (within 10 s)')
    .action((ref, o) =>
      run(async () => {
        const r = (
          await request<{ token: string }>(t(), `${tenantPath(ref)}/tokens`, {
            ...A,
            method: 'POST',
            body: { revoke_others: Boolean(o.revokeOthers) },
          })
        ).body;
        out(r.token);
      }),
    );
  admin
    .command('set <tenant>')
    .description('time zone, plan expiry, postage')
    .option('--time-zone <tz>', 'IANA time zone')
    .option('--plan-expires <when>', 'an RFC 3339 time, "none" (no plan check) or "no-plan" (calls refused)')
    .option('--postage <prices>', 'price per minute by network: viettel=600,mobi=650,vina=650,tel=500,offnet=700')
    .option('--json', 'machine-readable output')
    .action((ref, o) =>
      run(async () => {
        const body: Record<string, unknown> = {};
        if (o.timeZone) body.time_zone = o.timeZone;
        if (o.planExpires) body.plan_expires_at = o.planExpires === 'none' ? 'none' : o.planExpires === 'no-plan' ? null : o.planExpires;
        if (o.postage) {
          body.postage = Object.fromEntries(
            String(o.postage)
              .split(',')
              .map((kv) => {
                const [k, v] = kv.split('=');
                if (!k || v === undefined || !Number.isFinite(Number(v)))
                  throw new CtlError(`--postage "${kv}": write network=price`, EXIT.usage);
                return [k.trim(), Number(v)];
              }),
          );
        }
        if (!Object.keys(body).length) throw new CtlError('nothing to set: --time-zone, --plan-expires or --postage', EXIT.usage);
        const x = (await request<Record<string, any>>(t(), tenantPath(ref), { ...A, method: 'PATCH', body })).body;
        if (o.json) return json(x);
        tenantLines(x).forEach((l) => out(l));
      }),
    );
  admin
    .command('rotate-callback-secret <tenant>')
    .description('a new callback secret (printed once); the current one keeps signing during the overlap')
    .option('--overlap <duration>', 'how long the current secret still signs (e.g. 24h, 0 = switch now)', '24h')
    .action((ref, o) =>
      run(async () => {
        const r = (
          await request<{ callback_secret: string; active_from: string }>(t(), `${tenantPath(ref)}/callback-secret`, {
            ...A,
            method: 'POST',
            body: { overlap_seconds: seconds(o.overlap) },
          })
        ).body;
        out(`callback secret  ${r.callback_secret}`);
        out(`signs from       ${r.active_from} (until then the current one; receivers should accept both meanwhile)`);
      }),
    );
  admin
    .command('top-up <tenant> <amount>')
    .description('add prepaid credit (an insert-only ledger entry)')
    .option('--note <text>', 'what it is for (kept in the ledger)', '')
    .option('--key <key>', 'idempotency key: the same key adds nothing twice')
    .option('--json', 'machine-readable output')
    .action((ref, amount, o) =>
      run(async () => {
        if (!Number.isFinite(Number(amount)) || Number(amount) <= 0)
          throw new CtlError(`amount "${amount}" must be a positive number`, EXIT.usage);
        const r = (
          await request<Record<string, any>>(t(), `${tenantPath(ref)}/credits`, {
            ...A,
            method: 'POST',
            body: { amount: Number(amount), note: o.note },
            ...(o.key ? { headers: { 'idempotency-key': o.key } } : {}),
          })
        ).body;
        if (o.json) return json(r);
        out(`${r.created ? 'added' : 'already added (same key)'} ${r.credit.amount}; remaining ${r.billing.remaining}`);
      }),
    );
  admin
    .command('credits <tenant>')
    .description('the top-up ledger')
    .action((ref) =>
      run(async () => {
        const { data } = (await request<{ data: Array<Record<string, any>> }>(t(), `${tenantPath(ref)}/credits`, A)).body;
        table(
          data.map((x) => ({ at: x.created_at, amount: x.amount, note: x.note, id: x.id })),
          ['at', 'amount', 'note', 'id'],
        );
      }),
    );
  admin
    .command('campaign-ids <tenant>')
    .description("the tenant's campaigns and their voice-bot integer ids")
    .action((ref) =>
      run(async () => {
        const { data } = (await request<{ data: Array<Record<string, any>> }>(t(), `${tenantPath(ref)}/campaigns`, A)).body;
        table(
          data.map((x) => ({
            id: x.campaign_id,
            name: x.campaign_name,
            type: x.type,
            status: STATUS[x.status] ?? x.status,
            campaign_uuid: x.campaign_uuid,
          })),
          ['id', 'name', 'type', 'status', 'campaign_uuid'],
        );
      }),
    );
}

// ---------------------------------------------------------------- the program

export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('ctl')
    .description('campaign-runner ops CLI: campaigns, progress, run control, imports, calls, callbacks, tenants (README, CLI)')
    .option('--url <url>', 'the API (default CTL_API_URL, else http://API_HOST:API_PORT)')
    .showHelpAfterError()
    .exitOverride();
  let cached: Target | undefined;
  const t = () => {
    if (cached) return cached;
    try {
      return (cached = target(loadConfig(), program.opts().url));
    } catch (err) {
      if (err instanceof ConfigError) throw new CtlError(err.message, EXIT.usage);
      throw err;
    }
  };
  const run = async (fn: () => Promise<number | void>) => {
    try {
      exit((await fn()) ?? EXIT.ok);
    } catch (err) {
      if (err instanceof CtlError) {
        process.stderr.write(`ctl: ${err.message}\n`);
        exit(err.code);
      } else throw err;
    }
  };

  program
    .command('campaigns')
    .description('campaigns with status, voice-bot id and progress')
    .option('--json', 'machine-readable output')
    .action((o) =>
      run(async () => {
        const all = await campaigns(t());
        if (o.json) return json(all);
        table(
          all.map((c) => ({
            name: c.campaign_name,
            id: c.campaign_id,
            type: c.type,
            status: STATUS[c.status] ?? c.status,
            progress: `${c.leads.finished}/${c.leads.total}`,
            recall: c.leads.waiting_recall,
            campaign_uuid: c.campaign_uuid,
          })),
          ['name', 'id', 'type', 'status', 'progress', 'recall', 'campaign_uuid'],
        );
      }),
    );

  program
    .command('create <name>')
    .description('create an autocall campaign (active); prints its uuid')
    .option('--template <template>', 'template name or uuid (what the calls play)')
    .option('--carrier <carrier>', 'carrier name or uuid (default: the only one)')
    .option('--concurrent <n>', 'calls at once (concurrent_call)', '10')
    .option('--callback-url <url>', 'POST each call record here')
    .option('--json', 'machine-readable output')
    .action((name, o) =>
      run(async () => {
        const target_ = t();
        let carrier_uuid: string;
        if (o.carrier) carrier_uuid = await directoryRef(target_, 'carrier', o.carrier);
        else {
          const list = (await request<{ data: Array<{ carrier_uuid: string }> }>(target_, '/v3/carrier?limit=2')).body.data;
          if (list.length !== 1)
            throw new CtlError(
              list.length ? 'several carriers: choose one with --carrier' : 'no carrier: create one first (POST /v3/carrier)',
              EXIT.usage,
            );
          carrier_uuid = list[0]!.carrier_uuid;
        }
        const body: Record<string, unknown> = {
          campaign_name: name,
          type: 'autocall',
          active: true,
          carrier_uuid,
          concurrent_call: Number(o.concurrent),
        };
        if (o.template) body.template_uuid = await directoryRef(target_, 'template', o.template);
        if (o.callbackUrl) body.callback_url = o.callbackUrl;
        const r = (await request<{ campaign_uuid: string }>(target_, '/v3/campaign', { method: 'POST', body })).body;
        if (o.json) return json(r);
        out(r.campaign_uuid);
      }),
    );

  for (const action of ['start', 'pause', 'resume', 'stop'] as const) {
    program
      .command(`${action} <campaign>`)
      .description(
        {
          start: 'start dialing (or resume)',
          pause: 'pause: no new calls, calls up finish',
          resume: 'resume a paused campaign',
          stop: 'stop the run: calls up finish, claimed leads go back',
        }[action],
      )
      .action((ref) =>
        run(async () => {
          const c = await campaignOf(t(), ref);
          const r = (
            await request<{ status: string }>(t(), `/console/api/campaigns/${c.campaign_uuid}/${action}`, { method: 'POST', body: {} })
          ).body;
          out(`${c.campaign_name}: ${STATUS[r.status] ?? r.status}`);
        }),
      );
  }

  program
    .command('progress <campaign>')
    .description('leads finished, live calls against the cap, outcomes; --watch follows it live until every lead is done')
    .option('-w, --watch', 'follow it (a live progress bar; Ctrl-C to stop)')
    .option('--interval <seconds>', 'seconds between updates', '2')
    .option('--json', 'machine-readable output (with --watch: one JSON line per change)')
    .action((ref, o) => run(() => progress(t(), ref, o)));

  program
    .command('import <campaign> <file>')
    .description("import leads from a .csv or .xlsx file: one column is the phone number, the others become the lead's param")
    .option('--phone <column>', 'the phone number column (default: phone_number, phone, sdt, …)')
    .addOption(
      new Option('--map <column=param>', 'name a column\'s param (repeat); e.g. --map "Họ tên=ten"')
        .argParser((v: string, prev: string[] = []) => [...prev, v])
        .default([]),
    )
    .option('--only-mapped', 'send only the --map columns as params')
    .option('--sheet <name>', 'xlsx: the sheet (default the first)')
    .option('--errors <file>', 'where the rows not imported and why are written (default <file>.errors.csv)')
    .option('--skip-bad', 'import the good rows even when some cannot be (default: nothing is imported then)')
    .option('--keep-invalid', 'send numbers that cannot be dialed too (stored as invalid, never dialed)')
    .option('--concurrency <n>', 'requests at once', '8')
    .option('--json', 'machine-readable summary')
    .action((ref, file, o) => run(() => importLeads(t(), ref, file, o)));

  program
    .command('calls <campaign>')
    .description('latest calls; --tail prints each call as it ends')
    .option('--tail', 'follow: print calls as they end (Ctrl-C to stop)')
    .option('--limit <n>', 'how many of the latest', '20')
    .option('--json', 'JSON (one object per line with --tail)')
    .action((ref, o) => run(() => calls(t(), ref, o)));

  program
    .command('callbacks <campaign>')
    .description("the campaign's callback deliveries, newest first")
    .option('--failed', 'only failed ones (given up)')
    .option('--pending', 'only those still being retried')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action((ref, o) => run(() => callbacks(t(), ref, o)));

  program
    .command('retry-callbacks <campaign>')
    .description('send failed callback deliveries again (their original bodies, to the current URL)')
    .addOption(new Option('--call <call_id>', 'only this call (repeat)').argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--json', 'machine-readable output')
    .action((ref, o) =>
      run(async () => {
        const c = await campaignOf(t(), ref);
        const r = (
          await request<{ retried: string[]; skipped: Array<{ id: string; reason: string }> }>(
            t(),
            `/console/api/campaigns/${c.campaign_uuid}/callbacks/retry`,
            { method: 'POST', body: o.call ? { call_ids: o.call } : {} },
          )
        ).body;
        if (o.json) return json(r);
        out(`retried ${r.retried.length}${r.skipped.length ? `, skipped ${r.skipped.length}` : ''}`);
        for (const s of r.skipped) out(`  ${s.id}: ${s.reason}`);
      }),
    );

  program
    .command('report <campaign>')
    .description('the autocall report (GET /v1/autocall/report): calls by status, durations')
    .option('--from <date>', "YYYY-MM-DD HH:mm:ss, the tenant's time (default: the campaign's start)")
    .option('--to <date>', 'YYYY-MM-DD HH:mm:ss (default: now)')
    .option('--json', 'machine-readable output')
    .action((ref, o) =>
      run(async () => {
        const c = await campaignOf(t(), ref);
        const r = await report(t(), c.campaign_uuid, o.from, o.to);
        if (o.json) return json({ data: r });
        out(`${c.campaign_name}: ${r.total_calls} calls`);
        for (const b of BUCKETS) out(`  ${b.padEnd(14)}${r.status[b] ?? 0}`);
        out(`  duration      ${r.total_duration} s, talk ${r.total_billsec} s, wait ${r.total_waitsec} s`);
      }),
    );

  adminCommands(program, t, run);
  return program;
}

// Entry point: parse, run one command, exit with its code.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const program = buildProgram((code) => process.exit(code));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
    process.stderr.write(`ctl: ${(err as Error).stack ?? err}\n`);
    process.exit(EXIT.failed);
  }
}
