// The v2 router: queues of customers managed by `queue_code` (docs/api-contract.md §3).
//   POST /v2/autocall/queue         import customers (creates the queue on first use; dials at once)
//   POST /v2/autocall/queue/dnc     do-not-call: customers not dialed yet are dropped
//   POST /v2/autocall/queue/stop    pause the queue (calls up finish)
//   POST /v2/autocall/queue/start   resume (or start) it
//   POST /v2/autocall/queue/delete  withdraw a stopped queue (records kept; a running one is refused)
//   GET  /v2/autocall/queue/import?queue_code=…  progress of the queue's latest staged import
// A post of more than V2_IMPORT_STAGE_OVER usable customers answers early: its first batch is stored as
// leads (dialing starts at once), the rest staged in the store (storage/v2-imports.ts) and stored
// by the import workflow (workflows/v2-import.ts), one chunk at a time.
// A queue is a campaign (storage/v2-queues.ts) run by the same engine; its customers are leads.
// Every answer is `{"code":<HTTP status>,"content":"…"}` (+ `data` for the import). Bodies are
// parsed here, not by the shared JSON middleware, so that bad input answers in the v2 shape:
// the import answers `{"code":400,"content":"import fail","data":{"fail":[],"success":[]}}`.
// Mounted at /v2 by index.ts (body limits, bearer token, onV2Error).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, ErrorHandler } from 'hono';
import type { Db } from 'mongodb';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { failpoint } from '../../config/failpoints.ts';
import { dependencyDown, RETRY_AFTER_S } from '../../control/errors.ts';
import { startOnce } from '../../control/start-once.ts';
import { requireTemporal, setCampaignRunStatus, startCampaignRun, wakeRun, type ControlDeps } from '../../control/run.ts';
import { templatesOf } from '../../storage/directory.ts';
import { audioFileProblem, paramProblems } from '../../media/import-check.ts';
import { nextOrder } from '../../storage/leads.ts';
import { parsePhone } from '../../domain/phone.ts';
import {
  IMPORT_CHUNK,
  importIdOf,
  latestImport,
  stageImport,
  storeCustomers,
  v2ImportWorkflowId,
  type CheckedCustomer,
  type ImportDoc,
} from '../../storage/v2-imports.ts';
import { WORKFLOW_TASK_TIMEOUT } from '../../workflows/contract.ts';
import type { V2ImportInput } from '../../workflows/v2-import.ts';
import {
  createQueue,
  findQueue,
  markDoNotCall,
  QueueCodeTakenError,
  updateQueueSettings,
  withdrawQueue,
  type QueueDoc,
  type QueueSettings,
} from '../../storage/v2-queues.ts';
import type { App, AppEnv } from '../types.ts';
import { jsonProblem, parseJsonLenient } from '../validation.ts';
import { ErrorBody } from '../v3/schemas.ts';

/** Import bodies may be far larger than other requests (10,000 customers ≈ 2.5 MB). */
export const V2_QUEUE_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/** The import's path under /v2; the other commands are below it. */
export const V2_QUEUE_PATH = '/autocall/queue';

// ---------------------------------------------------------------- schemas (validation + OpenAPI)

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const customerId = z.union([z.string().trim().min(1).max(256), z.int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform(String);
const optInt = (max: number) => z.int().min(0).max(max).nullish();

const Customer = z
  .object({
    id: customerId.openapi({ description: 'customer id, unique within the queue', example: 'TEL4VN_Test' }),
    mobiles: z
      .array(z.union([z.string().max(64), z.number()]))
      .min(1)
      .max(20)
      .openapi({
        description: "the customer's numbers, dialed by the queue's mode_call (serial: the next when one fails)",
        example: ['0982596021'],
      }),
  })
  .catchall(scalar)
  .openapi('V2Customer', {
    description: 'Any other field (scalar) is kept on the lead and usable as a template parameter',
    example: {
      id: 'TEL4VN_Test',
      mobiles: ['0982596021'],
      contract_number: 'HD123456',
      due_date: '2021-07-13',
      upcoming_amount: 5000000,
      dpd: 5,
    },
  });

/** A queue code: not blank (the pattern tells clients what the trim enforces), at most 200. */
const queueCode = () => z.string().trim().min(1).max(200).regex(/\S/);

const QueueTop = z.object({
  queue_code: queueCode(),
  template: z.string().min(1).max(200),
  concurrent_call: optInt(10_000),
  max_recall_count: optInt(100),
  min_recall_duration: z.number().min(0).max(86_400).nullish(),
  customers: z.array(z.unknown()).max(100_000),
});

const QueueBody = QueueTop.extend({ customers: z.array(Customer) }).openapi('V2Queue', {
  example: {
    queue_code: 'Autocall-Q1',
    template: 'IVR-1',
    concurrent_call: 5,
    max_recall_count: 3,
    min_recall_duration: 3,
    customers: [
      { id: 'TEL4VN_Test', mobiles: ['0982596021'], contract_number: 'HD123456', upcoming_amount: 5000000, due_date: '2021-07-13', dpd: 5 },
    ],
  },
});
const ImportResult = z
  .object({
    code: z.number(),
    content: z.string(),
    data: z.object({ fail: z.array(z.string()), success: z.array(z.string()) }),
  })
  .openapi('V2ImportResult', { example: { code: 200, content: 'successfully', data: { fail: [], success: ['TEL4VN_Test'] } } });
const ImportProgress = z
  .object({
    code: z.number(),
    content: z.string(),
    data: z.object({
      import_id: z.string().openapi({ description: 'the staged import (the same for a retried post)' }),
      state: z.enum(['staging', 'storing', 'done']).openapi({
        description: 'staging: the post is being staged; storing: its customers are being stored as leads; done: all stored',
      }),
      total: z.number().openapi({ description: "the post's usable customers (those in its answer's success list, plus conflicts)" }),
      stored: z.number().openapi({ description: 'customers stored as leads so far (or found stored exactly as posted: a retry)' }),
      conflicts: z.number().openapi({
        description: 'customers not stored: the queue already has their id with other numbers or fields (as `fail` for a small post)',
      }),
      conflict_ids: z.array(z.string()).openapi({ description: 'the conflicting ids (the first 1,000)' }),
      created_at: z.string(),
      updated_at: z.string(),
      done_at: z.string().nullable(),
    }),
  })
  .openapi('V2ImportProgress', {
    example: {
      code: 200,
      content: 'successfully',
      data: {
        import_id: '3f1c…',
        state: 'storing',
        total: 100000,
        stored: 42000,
        conflicts: 0,
        conflict_ids: [],
        created_at: '2026-12-02T05:00:00.000Z',
        updated_at: '2026-12-02T05:00:21.000Z',
        done_at: null,
      },
    },
  });
const ImportQuery = z.object({ queue_code: queueCode().openapi({ example: 'Autocall-Q1' }) });
const Result = z.object({ code: z.number(), content: z.string() }).openapi('V2Result', { example: { code: 200, content: 'successfully' } });
const QueueRef = z.object({ queue_code: z.string().min(1) }).openapi('V2QueueRef', { example: { queue_code: 'Autocall-Q1' } });
const DncBody = z
  .object({ queue_code: queueCode(), customers: z.array(z.object({ id: customerId }).passthrough()).max(100_000) })
  .openapi('V2Dnc', { example: { queue_code: 'Autocall-Q1', customers: [{ id: 'KH_01' }, { id: 'KH_02' }, { id: 'KH_03' }] } });

// ---------------------------------------------------------------- answers

type Ctx = Context<AppEnv>;
const answer = (c: Ctx, code: ContentfulStatusCode, content: string) => c.json({ code, content }, code);
const importAnswer = (c: Ctx, code: 200 | 400, fail: string[], success: string[]) =>
  c.json({ code, content: code === 200 ? 'successfully' : 'import fail', data: { fail, success } }, code);
const importFail = (c: Ctx, fail: string[] = []) => importAnswer(c, 400, fail, []);
const queueNotFound = (c: Ctx) => answer(c, 404, 'queue not found');

/** The request body as JSON, or a message saying why not (415 for a non-JSON content type). */
async function readJson(c: Ctx): Promise<{ ok: true; value: unknown; text: string } | { ok: false; status: 400 | 415; message: string }> {
  const ct = c.req.header('content-type');
  if (ct && !/^application\/([\w.-]+\+)?json$/i.test(ct.split(';')[0]!.trim())) {
    return { ok: false, status: 415, message: `unsupported content-type "${ct}": send the body as application/json` };
  }
  const text = await c.req.text();
  if (text.trim() === '') return { ok: false, status: 400, message: 'request body is empty: expected a JSON object' };
  const v = parseJsonLenient(text);
  if (!v.ok) return { ok: false, status: 400, message: jsonProblem(v) };
  if (v.value === null || typeof v.value !== 'object' || Array.isArray(v.value))
    return { ok: false, status: 400, message: 'the body must be a JSON object' };
  return { ok: true, value: v.value, text };
}

/**
 * The checks every queue command makes: a JSON object body that `schema` accepts, naming a live
 * queue of the tenant. Either the queue and the parsed body, or the answer to send.
 */
async function queueCommand<T extends { queue_code: string }>(
  c: Ctx,
  schema: z.ZodType<T>,
): Promise<{ queue: QueueDoc; data: T } | Response> {
  const body = await readJson(c);
  if (!body.ok) return answer(c, body.status, body.message);
  const r = schema.safeParse(body.value);
  if (!r.success) return answer(c, 400, problem(r.error, body.value));
  const queue = await findQueue(c.get('deps').db, c.get('tenant').domain_uuid, r.data.queue_code.trim());
  return queue ? { queue, data: r.data } : queueNotFound(c);
}

/** First zod problem as a short sentence: `queue_code is required`, `customers must be an array`. */
function problem(err: z.ZodError, input: unknown): string {
  const i = err.issues[0]!;
  const path = i.path.map(String).join('.') || 'body';
  let v: unknown = input;
  for (const k of i.path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  if (v === undefined) return `${path} is required`;
  return `${path}: ${i.message}`;
}

/**
 * v2's error handler: unexpected-but-known failures in the v2 shape (409 code taken, 503 no
 * Temporal); anything else as everywhere (`shared`: the shared shape, a 500 logged).
 */
export function onV2Error(shared: ErrorHandler<AppEnv>): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof QueueCodeTakenError) return answer(c, 409, err.message);
    const down = dependencyDown(err);
    if (down) {
      c.header('Retry-After', String(RETRY_AFTER_S));
      return answer(c, 503, down);
    }
    return shared(err, c);
  };
}

// ---------------------------------------------------------------- customers

// eslint-disable-next-line no-control-regex -- a NUL in a key is what it refuses
const BAD_KEY = /^\$|\.|\u0000/;

/** A customer as checked: usable (`c`, its lead built when its batch is stored) or not (fail). */
interface Entry {
  id: string;
  c?: { numbers: string[]; fields: Record<string, unknown> };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown) =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** The customer id as a string (a non-empty string, trimmed, or a whole number), else null. */
function idOf(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim();
    return t.length >= 1 && t.length <= 256 && !t.includes('\u0000') ? t : null;
  }
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : null;
}

/**
 * The `Customer` schema's rules, checked by hand: the same rules, an order of magnitude faster
 * than a schema parse per customer on a 10,000-customer list. Null when the customer is unusable.
 */
function checkCustomer(raw: Record<string, unknown>): { numbers: string[]; fields: Record<string, unknown> } | null {
  const mobiles = raw.mobiles;
  if (!Array.isArray(mobiles) || mobiles.length < 1 || mobiles.length > 20) return null;
  const numbers: string[] = [];
  for (const m of mobiles) {
    if (typeof m === 'string' && m.length <= 64) numbers.push(m);
    else if (typeof m === 'number' && Number.isFinite(m)) numbers.push(String(m));
    else return null;
  }
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) {
    if (k === 'id' || k === 'mobiles') continue;
    if (BAD_KEY.test(k) || !isScalar(raw[k])) return null;
    fields[k] = raw[k];
  }
  return { numbers, fields };
}

/** Customers checked between two yields to the event loop (other requests are served in between). */
const CHECK_SLICE = 1000;

/**
 * Each customer checked (no lead built yet: a 100,000-customer list is built and stored 1,000 at a
 * time); unusable ones go to `fail`, labelled by their id, else `customers[i]`. Yields to the event
 * loop every CHECK_SLICE customers: a 100,000-customer check takes seconds of CPU, and the process
 * serves every tenant.
 */
async function checkCustomers(customers: unknown[], playable: (param: Record<string, unknown>) => boolean = () => true): Promise<Entry[]> {
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (let i = 0; i < customers.length; i++) {
    if (i > 0 && i % CHECK_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
    out.push(checkOne(customers[i], i, seen, playable));
  }
  return out;
}

function checkOne(raw: unknown, i: number, seen: Set<string>, playable: (param: Record<string, unknown>) => boolean): Entry {
  const id = isObject(raw) ? idOf(raw.id) : null;
  if (id === null) return { id: `customers[${i}]` };
  if (seen.has(id)) return { id };
  seen.add(id);
  const c = checkCustomer(raw as Record<string, unknown>);
  if (!c || !playable(c.fields)) return { id }; // playable: every template value is there (media/import-check.ts)
  if (!c.numbers.some((n) => parsePhone(n).ok)) return { id }; // no number that can be dialed
  return { id, c };
}

/**
 * Store the usable customers (each `order` its place in the post) and answer per customer.
 * Up to V2_IMPORT_STAGE_OVER of them: all stored now, 1,000 per batch (each batch listed in the dial
 * queue), as always. More: the first IMPORT_CHUNK stored now (dialing starts at once), the rest staged in the
 * store and stored by the import workflow, started here (a retry of the same post finds its import:
 * nothing staged twice, the workflow started again only if it is not running and not done).
 * `conflicts`: ids the queue already has with other numbers or fields (found among those stored
 * now; the staged ones' conflicts are on the import, see GET …/import).
 */
async function storePost(
  deps: ControlDeps & { db: Db },
  q: QueueDoc,
  usable: CheckedCustomer[],
  bodyText: string,
): Promise<{ conflicts: Set<string>; imp: ImportDoc | null }> {
  const staged = usable.length > deps.config.V2_IMPORT_STAGE_OVER;
  const first = staged ? usable.slice(0, IMPORT_CHUNK) : usable;
  const { ok } = await storeCustomers(deps.db, q, first);
  const conflictIds = first.flatMap((c, i) => (ok[i] ? [] : [c.id]));
  if (!staged) return { conflicts: new Set(conflictIds), imp: null };
  const imp = await stageImport(deps.db, {
    import_id: importIdOf(q.campaign_uuid, bodyText),
    q,
    total: usable.length,
    first: { stored: first.length - conflictIds.length, conflict_ids: conflictIds },
    rest: usable.slice(IMPORT_CHUNK),
  });
  if (imp.state !== 'done') await startImport(deps, imp);
  // A retry stores the first batch again and finds it stored as posted: the same answer.
  return { conflicts: new Set(conflictIds), imp };
}

/** Start the import's workflow; one running already (a retried post) is left to finish. */
async function startImport(deps: ControlDeps, imp: ImportDoc): Promise<void> {
  const input: V2ImportInput = { import_id: imp._id, campaign_uuid: imp.campaign_uuid };
  await startOnce(requireTemporal(deps), 'v2ImportWorkflow', {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: v2ImportWorkflowId(imp._id),
    args: [input],
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
  });
}

// ---------------------------------------------------------------- routes

const tags = ['v2 queues'];
const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const routes = {
  queue: createRoute({
    method: 'post',
    path: V2_QUEUE_PATH,
    tags,
    summary: 'Import customers into a queue (created on first use, dialed at once); re-posted ids are not added twice',
    request: { body: { required: true, content: { 'application/json': { schema: QueueBody } } } },
    responses: {
      200: json(
        ImportResult,
        '{"code":200,"content":"successfully","data":{"fail":[…],"success":[…]}}: per-customer result, ids in request order',
      ),
      400: json(
        ImportResult,
        '{"code":400,"content":"import fail","data":{"fail":[…],"success":[]}}: unknown template, malformed body, or no customer imported',
      ),
      401: json(ErrorBody, 'missing or invalid bearer token (the shared shape)'),
      409: json(Result, 'queue_code is the name of a campaign that is not a queue'),
      413: json(Result, `body over ${V2_QUEUE_BODY_LIMIT_BYTES} bytes`),
      503: json(
        Result,
        '{"code":503,"content":"the store is not available; retry later"} with Retry-After. Safe to post the same body again: customers already stored as posted are in `success`',
      ),
    },
  }),
  importProgress: createRoute({
    method: 'get',
    path: `${V2_QUEUE_PATH}/import`,
    tags,
    summary:
      "Progress of the queue's latest staged import (a post of more than V2_IMPORT_STAGE_OVER usable customers, default 10,000, answers before all are stored)",
    request: { query: ImportQuery },
    responses: {
      200: json(ImportProgress, 'the import: state, total, stored, conflicts'),
      400: json(Result, '{"code":400,"content":"queue_code is required"}'),
      401: json(ErrorBody, 'missing or invalid bearer token (the shared shape)'),
      404: json(
        Result,
        '{"code":404,"content":"queue not found"}, or {"code":404,"content":"import not found"}: every post to the queue was stored before its answer',
      ),
    },
  }),
  dnc: createRoute({
    method: 'post',
    path: `${V2_QUEUE_PATH}/dnc`,
    tags,
    summary: 'Do-not-call: customers not yet dialed are never dialed; a call in progress and past calls are left alone',
    request: { body: { required: true, content: { 'application/json': { schema: DncBody } } } },
    responses: {
      200: json(Result, '{"code":200,"content":"successfully"}'),
      400: json(Result, 'bad body'),
      401: json(ErrorBody, 'missing or invalid bearer token (the shared shape)'),
      404: json(Result, '{"code":404,"content":"queue not found"}'),
    },
  }),
  ...Object.fromEntries(
    (
      [
        ['stop', 'Pause the queue (calls up finish)'],
        ['start', 'Resume (or start) the queue'],
        ['delete', 'Withdraw a stopped queue: no further calls, records kept; a running queue is refused (409)'],
      ] as const
    ).map(([action, summary]) => [
      action,
      createRoute({
        method: 'post',
        path: `${V2_QUEUE_PATH}/${action}`,
        tags,
        summary,
        request: { body: { required: true, content: { 'application/json': { schema: QueueRef } } } },
        responses: {
          200: json(Result, '{"code":200,"content":"successfully"}'),
          400: json(Result, 'bad body'),
          401: json(ErrorBody, 'missing or invalid bearer token (the shared shape)'),
          404: json(Result, '{"code":404,"content":"queue not found"}'),
          ...(action === 'delete' ? { 409: json(Result, '{"code":409,"content":"queue is running, stop it first"}') } : {}),
        },
      }),
    ]),
  ),
};

export function mountV2Queues(app: App): void {
  // Documented in /openapi.json from the same schemas; the handlers parse the body themselves.
  for (const r of Object.values(routes)) app.openAPIRegistry.registerPath(r);

  app.post(V2_QUEUE_PATH, async (c) => {
    const deps = c.get('deps');
    const tenant = c.get('tenant');
    const t0 = performance.now();
    const body = await readJson(c);
    if (!body.ok) return body.status === 415 ? answer(c, 415, body.message) : importFail(c);
    const tParsed = performance.now();
    const top = QueueTop.safeParse(body.value);
    if (!top.success) return importFail(c);
    const b = top.data;
    const template = await templatesOf(deps.db).findOne({ domain_uuid: tenant.domain_uuid, template_name: b.template });
    if (!template) return importFail(c);
    if (audioFileProblem(deps.config, template.type_autocall, template)) return importFail(c);
    const settings: QueueSettings = {
      template_uuid: template.template_uuid,
      template_name: template.template_name,
      type_autocall: template.type_autocall,
      ...(b.concurrent_call != null ? { concurrent_call: b.concurrent_call } : {}),
      ...(b.max_recall_count != null ? { max_recall_count: b.max_recall_count } : {}),
      ...(b.min_recall_duration != null ? { min_recall_duration: b.min_recall_duration } : {}),
    };
    // Validate every customer before anything is written: a request that imports nothing
    // changes nothing (a new queue is created only once a customer is valid).
    let queue = await findQueue(deps.db, tenant.domain_uuid, b.queue_code);
    const entries = await checkCustomers(b.customers, (param) => paramProblems(template.type_autocall, template, param).length === 0);
    if (!entries.some((e) => e.c))
      return importFail(
        c,
        entries.map((e) => e.id),
      );
    const tValid = performance.now();
    let created = false;
    let changed = false;
    if (!queue) ({ queue, created } = await createQueue(deps.db, tenant.domain_uuid, b.queue_code, settings));
    if (!created) ({ queue, changed } = await updateQueueSettings(deps.db, queue, settings));
    const q = queue;
    // Leads are stored first (no per-lead Temporal work), then the run is started or told: its
    // hopper pulls them from the store, so dialing does not wait for Temporal to see the list.
    const tQueue = performance.now();
    const base = nextOrder();
    const usable: CheckedCustomer[] = entries.flatMap((e, i) =>
      e.c ? [{ id: e.id, numbers: e.c.numbers, fields: e.c.fields, order: base + i }] : [],
    );
    const { conflicts, imp } = await storePost(deps, q, usable, body.text);
    // Ids in request order: usable and not refused by a stored customer of the same id.
    const success: string[] = [];
    const fail: string[] = [];
    for (const e of entries) (e.c && !conflicts.has(e.id) ? success : fail).push(e.id);
    const tStored = performance.now();
    failpoint('v2import.stored');
    // The answer first, then the run: a request that queued nothing wakes nothing.
    if (success.length) await wakeRun(deps, q, { created, changed });
    const ms = (a: number, b: number) => Math.round(b - a);
    const tEnd = performance.now();
    deps.logger.info(
      {
        queue_code: q.queue_code,
        campaign_uuid: q.campaign_uuid,
        created,
        imported: success.length,
        failed: fail.length,
        ...(imp ? { import_id: imp._id, staged: imp.total - IMPORT_CHUNK } : {}),
        ms: {
          read_parse: ms(t0, tParsed),
          validate_build: ms(tParsed, tValid),
          queue: ms(tValid, tQueue),
          store: ms(tQueue, tStored),
          run: ms(tStored, tEnd),
          total: ms(t0, tEnd),
        },
      },
      'v2 queue import',
    );
    return importAnswer(c, success.length ? 200 : 400, fail, success);
  });

  app.get(`${V2_QUEUE_PATH}/import`, async (c) => {
    const deps = c.get('deps');
    const code = (c.req.query('queue_code') ?? '').trim();
    if (!code) return answer(c, 400, 'queue_code is required');
    const queue = await findQueue(deps.db, c.get('tenant').domain_uuid, code);
    if (!queue) return queueNotFound(c);
    const imp = await latestImport(deps.db, queue.campaign_uuid);
    if (!imp) return answer(c, 404, 'import not found');
    return c.json(
      {
        code: 200,
        content: 'successfully',
        data: {
          import_id: imp._id,
          state: imp.state,
          total: imp.total,
          stored: imp.stored,
          conflicts: imp.conflicts,
          conflict_ids: imp.conflict_ids,
          created_at: imp.created_at.toISOString(),
          updated_at: imp.updated_at.toISOString(),
          done_at: imp.done_at ? imp.done_at.toISOString() : null,
        },
      },
      200,
    );
  });

  app.post(`${V2_QUEUE_PATH}/dnc`, async (c) => {
    const cmd = await queueCommand(c, DncBody);
    if (cmd instanceof Response) return cmd;
    await markDoNotCall(
      c.get('deps').db,
      cmd.queue,
      cmd.data.customers.map((x) => x.id),
    );
    return answer(c, 200, 'successfully');
  });

  for (const action of ['stop', 'start', 'delete'] as const) {
    app.post(`${V2_QUEUE_PATH}/${action}`, async (c) => {
      const deps = c.get('deps');
      const tenant = c.get('tenant');
      const cmd = await queueCommand(c, QueueRef);
      if (cmd instanceof Response) return cmd;
      const { queue } = cmd;
      if (action === 'stop') await setCampaignRunStatus(deps, tenant.domain_uuid, queue.campaign_uuid, 'pause');
      else if (action === 'start') await startCampaignRun(deps, tenant.domain_uuid, queue);
      else {
        if (queue.status === 'start') return answer(c, 409, 'queue is running, stop it first');
        // Withdraw: the run ends (leads it holds go back to `new`, recalls are not made), the
        // campaign is renamed and inactive, its leads and call records stay.
        await setCampaignRunStatus(deps, tenant.domain_uuid, queue.campaign_uuid, 'stop');
        await withdrawQueue(deps.db, queue);
      }
      return answer(c, 200, 'successfully');
    });
  }
}
