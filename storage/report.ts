// The autocall report's store (issue 6): GET /v1/autocall/report over any number of call records
// in well under a second, exact at any moment, on FerretDB 1.24 (where only `{_id}` lookups use an
// index and there are no transactions) as on MongoDB.
//
// Collections:
// - `report_pending`  (`_id` = call_id): one small delta per final call record, insert-only
//   (`noteForReport`). A duplicate key means "already noted".
// - `report_rollups`  (`_id` = `<campaign_uuid>|<level>|<start epoch s>`, levels day/hour/minute/
//   second aligned in UTC): the six bucket counters and the totals of the calls that started in
//   that bucket, `version` (+1 per write) and `absorbed` (the call ids the last pass added).
// - `report_counted`  (`_id` = call_id): permanent mark "this call is in the rollups", written by
//   the compactor after the rollups and before it deletes the delta. It makes a second
//   noteForReport of a call already compacted (a retried activity) harmless: the delta is dropped
//   by the compactor and skipped by readers.
// - `report_state`    (`_id` = `compactor`): the compactor's journal: the ids of the pass in flight.
//
// One writer, the compactor (`compactOnce`, run by the `reportCompactorWorkflow`), folds deltas into
// the rollups. A pass:
//   1. takes a batch of deltas — the journal's ids when a previous pass did not finish, else up to
//      `batch` pending deltas, whose ids it journals first;
//   2. drops the deltas that already have a `report_counted` mark (duplicates, or a pass that crashed
//      after marking);
//   3. for each rollup doc the rest touch: counts += the deltas not in its `absorbed`, absorbed =
//      this pass's ids for that doc, version + 1 (replace by `_id`) — the pure `foldDeltas`;
//   4. marks the ids counted; 5. deletes the deltas; 6. clears the journal.
// A crash between any two steps is repaired by the next pass (tests: test/unit/report-fold.test.ts).
// The journal is what lets a batch be bounded: the re-run takes exactly the crashed pass's ids, so
// a doc's `absorbed` still lists every delta it counted that is still pending.
//
// A reader (`readReport`) is exact without locks (proof in the README's design decisions):
//   R1. reads the campaign's pending deltas in the range;
//   R2. reads the rollup docs covering the range by `_id` (decomposeRange), in parallel;
//   R3. a pending delta whose covering doc lists it in `absorbed` is already counted there; for the
//       others it looks up the `report_counted` mark: no mark → add the delta;
//   R4. a delta with a mark but not in its doc's `absorbed` was either counted in the doc before R2
//       (skip it) or the compactor wrote the doc after R2 (count it): the doc's version, read again,
//       tells which — unchanged: skip; changed: read everything again.
import type { Collection, Db } from 'mongodb';
import { REPORT_BUCKETS, type ReportBucket } from '../domain/causes.ts';
import { bucketOf, decomposeRange, LEVELS, type Bucket, type Level } from '../domain/report-range.ts';
import type { CallDoc } from './calls.ts';
import { mapLimit } from './concurrency.ts';
import { isDuplicateKey } from './mongo.ts';

// ---------------------------------------------------------------- documents

export interface ReportDelta {
  _id: string; // call_id
  campaign_uuid: string;
  domain_uuid: string;
  /** The call's start (`created_at`), epoch seconds. */
  t: number;
  bucket: ReportBucket;
  duration: number;
  billsec: number;
  waitsec: number;
}

export type StatusCounts = Record<ReportBucket, number>;

/** The body of GET /v1/autocall/report's `data`. */
export interface ReportTotals {
  status: StatusCounts;
  total_calls: number;
  total_duration: number;
  total_billsec: number;
  total_waitsec: number;
}

export interface RollupDoc extends ReportTotals {
  _id: string;
  campaign_uuid: string;
  level: Level;
  start: number;
  version: number;
  absorbed: string[];
}

export interface CompactorState {
  _id: 'compactor';
  /** Ids of the pass in flight ([] when none). */
  inflight: string[];
  passes: number;
  updated_at: Date;
}

export const pendingOf = (db: Db): Collection<ReportDelta> => db.collection<ReportDelta>('report_pending');
export const rollupsOf = (db: Db): Collection<RollupDoc> => db.collection<RollupDoc>('report_rollups');
export const countedOf = (db: Db): Collection<{ _id: string; at: Date }> => db.collection<{ _id: string; at: Date }>('report_counted');
export const reportStateOf = (db: Db): Collection<CompactorState> => db.collection<CompactorState>('report_state');

export const rollupId = (campaign_uuid: string, b: Bucket): string => `${campaign_uuid}|${b.level}|${b.start}`;

export function emptyTotals(): ReportTotals {
  return {
    status: Object.fromEntries(REPORT_BUCKETS.map((b) => [b, 0])) as StatusCounts,
    total_calls: 0,
    total_duration: 0,
    total_billsec: 0,
    total_waitsec: 0,
  };
}

const isBucket = (s: string): s is ReportBucket => (REPORT_BUCKETS as readonly string[]).includes(s);
const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/** The delta of a final call record. A record without a known bucket counts as `failed`, so the six
 *  buckets always add up to total_calls. */
export function deltaOf(call: CallDoc): ReportDelta {
  return {
    _id: call.call_id,
    campaign_uuid: call.campaign_uuid,
    domain_uuid: call.domain_uuid,
    t: Math.floor(new Date(call.created_at).getTime() / 1000),
    bucket: isBucket(call.report) ? call.report : 'failed',
    duration: num(call.duration),
    billsec: num(call.billsec),
    waitsec: num(call.waitsec),
  };
}

/** Add a delta (or totals) into totals, in place. */
export function addInto(into: ReportTotals, d: ReportDelta | ReportTotals): void {
  if ('bucket' in d) {
    into.status[d.bucket] += 1;
    into.total_calls += 1;
    into.total_duration += d.duration;
    into.total_billsec += d.billsec;
    into.total_waitsec += d.waitsec;
    return;
  }
  for (const b of REPORT_BUCKETS) into.status[b] += num(d.status?.[b]);
  into.total_calls += num(d.total_calls);
  into.total_duration += num(d.total_duration);
  into.total_billsec += num(d.total_billsec);
  into.total_waitsec += num(d.total_waitsec);
}

// ---------------------------------------------------------------- noting a call

/** Called once a call record is final (may be called again for the same record: idempotent). */
export async function noteForReport(db: Db, call: CallDoc): Promise<void> {
  if (call.state !== 'done') return;
  // Already compacted: a retried activity must not add it again.
  if (await countedOf(db).findOne({ _id: call.call_id }, { projection: { _id: 1 } })) return;
  try {
    await pendingOf(db).insertOne(deltaOf(call));
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
  }
}

/** A duplicate-key refusal, also of an unordered insertMany (all its writeErrors duplicates). */
function isDuplicateRefusal(e: unknown): boolean {
  const w = (e as { writeErrors?: Array<{ code?: number }> })?.writeErrors;
  return isDuplicateKey(e) || (Array.isArray(w) && w.length > 0 && w.every((x) => x.code === 11000));
}

// ---------------------------------------------------------------- the fold (pure)

/** The four rollup ids a delta counts in. */
export const rollupIdsOf = (d: Pick<ReportDelta, 'campaign_uuid' | 't'>): string[] =>
  LEVELS.map((l) => rollupId(d.campaign_uuid, bucketOf(l, d.t)));

function parseRollupId(id: string): { campaign_uuid: string; level: Level; start: number } {
  const [campaign_uuid, level, start] = id.split('|') as [string, Level, string];
  return { campaign_uuid, level, start: Number(start) };
}

export function emptyRollup(id: string): RollupDoc {
  return { _id: id, ...parseRollupId(id), ...emptyTotals(), version: 0, absorbed: [] };
}

/**
 * One pass of the fold: the new state of every rollup doc the deltas touch. `existing` holds the
 * current doc for each id (missing or null: none yet). Per doc: counts += the deltas not already in
 * its `absorbed` (a re-run after a crash), `absorbed` = this pass's ids for it, version + 1.
 * Deltas must be distinct by `_id`.
 */
export function foldDeltas(deltas: readonly ReportDelta[], existing: ReadonlyMap<string, RollupDoc | null>): RollupDoc[] {
  const groups = new Map<string, ReportDelta[]>();
  for (const d of deltas) {
    for (const id of rollupIdsOf(d)) {
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(d);
    }
  }
  const out: RollupDoc[] = [];
  for (const [id, group] of groups) {
    const prev = existing.get(id) ?? null;
    const doc: RollupDoc = prev ? { ...prev, status: { ...prev.status } } : emptyRollup(id);
    const already = new Set(prev?.absorbed ?? []);
    for (const d of group) if (!already.has(d._id)) addInto(doc, d);
    doc.absorbed = group.map((d) => d._id);
    doc.version = (prev?.version ?? 0) + 1;
    out.push(doc);
  }
  return out;
}

// ---------------------------------------------------------------- the store the pass and reader use

/** What the compactor and the reader do to the store: MongoDB below, an in-memory one in unit tests. */
export interface ReportStore {
  listPending(limit: number): Promise<ReportDelta[]>;
  /** The pending deltas among these ids (by `_id`). */
  getPending(ids: readonly string[]): Promise<ReportDelta[]>;
  pendingOfCampaign(campaign_uuid: string, from: number, to: number): Promise<ReportDelta[]>;
  deletePending(ids: readonly string[]): Promise<void>;
  /** The ids among these that carry a `report_counted` mark. */
  countedAmong(ids: readonly string[]): Promise<Set<string>>;
  markCounted(ids: readonly string[]): Promise<void>;
  /** Rollup docs by id (absent: none); `absorbed` is loaded only for ids in `withAbsorbed`
   *  (others get []), since a day doc's list can be long. */
  getRollups(ids: readonly string[], withAbsorbed: ReadonlySet<string> | 'all'): Promise<Map<string, RollupDoc>>;
  /** Current versions (0: no doc). */
  getVersions(ids: readonly string[]): Promise<Map<string, number>>;
  putRollup(doc: RollupDoc): Promise<void>;
  getState(): Promise<CompactorState | null>;
  putState(state: CompactorState): Promise<void>;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

/** Parallel `_id` lookups per call: FerretDB 1.24 indexes `{_id: x}` but scans for `$in`. */
const PARALLEL = 64;

export function mongoReportStore(db: Db): ReportStore {
  const pending = pendingOf(db);
  const rollups = rollupsOf(db);
  const counted = countedOf(db);
  const state = reportStateOf(db);
  return {
    listPending: (limit) => pending.find({}).limit(limit).toArray(),
    async getPending(ids) {
      const docs = await mapLimit(ids, PARALLEL, (_id) => pending.findOne({ _id }));
      return docs.filter((d): d is ReportDelta => d !== null);
    },
    pendingOfCampaign: (campaign_uuid, from, to) => pending.find({ campaign_uuid, t: { $gte: from, $lt: to } }).toArray(),
    async deletePending(ids) {
      // One scan of a small collection per 1000 on FerretDB; the _id index on MongoDB.
      for (const c of chunks(ids, 1000)) await pending.deleteMany({ _id: { $in: c } });
    },
    async countedAmong(ids) {
      const found = await mapLimit(ids, PARALLEL, async (_id) =>
        (await counted.findOne({ _id }, { projection: { _id: 1 } })) ? _id : null,
      );
      return new Set(found.filter((x): x is string => x !== null));
    },
    async markCounted(ids) {
      const at = new Date();
      for (const c of chunks(ids, 1000)) {
        try {
          await counted.insertMany(
            c.map((_id) => ({ _id, at })),
            { ordered: false },
          );
        } catch (e) {
          if (!isDuplicateRefusal(e)) throw e;
        }
      }
    },
    async getRollups(ids, withAbsorbed) {
      const docs = await mapLimit(ids, PARALLEL, (_id) =>
        withAbsorbed === 'all' || withAbsorbed.has(_id)
          ? rollups.findOne({ _id })
          : rollups.findOne({ _id }, { projection: { absorbed: 0 } }),
      );
      const out = new Map<string, RollupDoc>();
      for (const d of docs) if (d) out.set(d._id, { ...d, absorbed: d.absorbed ?? [] });
      return out;
    },
    async getVersions(ids) {
      const docs = await mapLimit(
        ids,
        PARALLEL,
        async (_id) => [_id, (await rollups.findOne({ _id }, { projection: { version: 1 } }))?.version ?? 0] as const,
      );
      return new Map(docs);
    },
    async putRollup(doc) {
      await rollups.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },
    getState: () => state.findOne({ _id: 'compactor' }),
    async putState(s) {
      await state.replaceOne({ _id: 'compactor' }, s, { upsert: true });
    },
  };
}

// ---------------------------------------------------------------- the compactor's pass

export interface PassResult {
  /** Deltas added to the rollups. */
  counted: number;
  /** Deltas dropped because they were already counted. */
  duplicates: number;
  rollupsWritten: number;
  /** The pass finished a previous pass's journal. */
  resumed: boolean;
}

export interface PassOptions {
  /** Most deltas per pass (default 5000). */
  batch?: number;
  /** Called before every write; throws to stop a pass that ran out of time (the next pass repairs). */
  beforeWrite?: () => void;
}

/** One compaction pass (see the header). Only one may run at a time per database. */
export async function compactOnce(store: ReportStore, opts: PassOptions = {}): Promise<PassResult> {
  const check = opts.beforeWrite ?? (() => {});
  const st = await store.getState();
  const passes = (st?.passes ?? 0) + 1;
  let batch: ReportDelta[];
  const resumed = (st?.inflight.length ?? 0) > 0;
  if (resumed) {
    batch = await store.getPending(st!.inflight);
  } else {
    batch = await store.listPending(opts.batch ?? 5000);
    if (batch.length === 0) return { counted: 0, duplicates: 0, rollupsWritten: 0, resumed };
    check();
    await store.putState({ _id: 'compactor', inflight: batch.map((d) => d._id), passes, updated_at: new Date() });
  }
  const ids = batch.map((d) => d._id);
  const already = await store.countedAmong(ids);
  const fresh = batch.filter((d) => !already.has(d._id));
  const touched = [...new Set(fresh.flatMap(rollupIdsOf))];
  const existing = await store.getRollups(touched, 'all');
  const writes = foldDeltas(fresh, existing);
  await mapLimit(writes, 16, async (doc) => {
    check();
    await store.putRollup(doc);
  });
  check();
  await store.markCounted(fresh.map((d) => d._id));
  check();
  await store.deletePending(ids);
  check();
  await store.putState({ _id: 'compactor', inflight: [], passes, updated_at: new Date() });
  return { counted: fresh.length, duplicates: batch.length - fresh.length, rollupsWritten: writes.length, resumed };
}

// ---------------------------------------------------------------- reading

export class ReportBusyError extends Error {
  override readonly name = 'ReportBusyError';
}

/**
 * The campaign's totals over the calls that started in [from, to) (epoch seconds), exact at a
 * moment between the call and its return (see the header for why). Retries, up to `tries` times,
 * only when the compactor rewrote a doc in between in a way that matters.
 */
export async function readReport(store: ReportStore, campaign_uuid: string, from: number, to: number, tries = 8): Promise<ReportTotals> {
  const buckets = decomposeRange(from, to);
  const ids = buckets.map((b) => rollupId(campaign_uuid, b));
  const inRange = new Set(ids);
  const cover = (d: ReportDelta): string => {
    for (const id of rollupIdsOf(d)) if (inRange.has(id)) return id;
    throw new Error(`no bucket of the range holds second ${d.t}`); // cannot happen for t in [from, to)
  };
  for (let attempt = 1; ; attempt++) {
    // R1: pending first.
    const pending = (await store.pendingOfCampaign(campaign_uuid, from, to)).filter((d) => d.t >= from && d.t < to);
    const coverOf = new Map(pending.map((d) => [d._id, cover(d)]));
    // R2: the rollups, with `absorbed` where a pending delta may be listed.
    const docs = await store.getRollups(ids, new Set(coverOf.values()));
    const totals = emptyTotals();
    for (const doc of docs.values()) addInto(totals, doc);
    // R3: pending deltas their doc has not absorbed: counted elsewhere (marked) or to add.
    const unabsorbed = pending.filter((d) => !docs.get(coverOf.get(d._id)!)?.absorbed.includes(d._id));
    const marked = await store.countedAmong(unabsorbed.map((d) => d._id));
    const suspect = new Set<string>();
    for (const d of unabsorbed) {
      if (marked.has(d._id)) suspect.add(coverOf.get(d._id)!);
      else addInto(totals, d);
    }
    if (suspect.size === 0) return totals;
    // R4: marked but not absorbed: skip it if its doc did not change since R2.
    const now = await store.getVersions([...suspect]);
    const stable = [...suspect].every((id) => now.get(id) === (docs.get(id)?.version ?? 0));
    if (stable) return totals;
    if (attempt >= tries) throw new ReportBusyError('the report is being updated; try again');
  }
}
