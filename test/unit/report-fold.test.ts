// The report's fold, the compaction pass with a crash at every write, and the lock-free reader
// with the compactor running (or crashing) between any two of its reads. In memory: the store
// interface of storage/report.ts over Maps, each write applied one document at a time so a crash
// can land inside a multi-document step.
import { describe, expect, it } from 'vitest';
import { REPORT_BUCKETS } from '../../domain/causes.ts';
import { decomposeRange, LEVELS } from '../../domain/report-range.ts';
import {
  addInto,
  compactOnce,
  emptyTotals,
  foldDeltas,
  readReport,
  rollupIdsOf,
  type CompactorState,
  type ReportDelta,
  type ReportStore,
  type ReportTotals,
  type RollupDoc,
} from '../../storage/report.ts';

class Crash extends Error {}

interface Data {
  pending: Map<string, ReportDelta>;
  rollups: Map<string, RollupDoc>;
  counted: Set<string>;
  state: CompactorState | null;
}

const clone = <T>(x: T): T => structuredClone(x);
const emptyData = (): Data => ({ pending: new Map(), rollups: new Map(), counted: new Set(), state: null });
const copyData = (d: Data): Data => clone(d);

/** A store over `data`. `crashAt`: the n-th single-document write throws (and is not applied).
 *  `onRead`: awaited before each single-document read (lets a test interleave a compactor). */
function memStore(data: Data, opts: { crashAt?: number; onRead?: () => Promise<void> } = {}): ReportStore & { writes: number } {
  let writes = 0;
  const write = () => {
    writes++;
    store.writes = writes;
    if (opts.crashAt !== undefined && writes >= opts.crashAt) throw new Crash(`crash at write ${writes}`);
  };
  const read = async () => {
    if (opts.onRead) await opts.onRead();
  };
  const store: ReportStore & { writes: number } = {
    writes: 0,
    async listPending(limit) {
      await read();
      return clone([...data.pending.values()].slice(0, limit));
    },
    async getPending(ids) {
      const out: ReportDelta[] = [];
      for (const id of ids) {
        await read();
        const d = data.pending.get(id);
        if (d) out.push(clone(d));
      }
      return out;
    },
    async pendingOfCampaign(c, from, to) {
      await read();
      return clone([...data.pending.values()].filter((d) => d.campaign_uuid === c && d.t >= from && d.t < to));
    },
    async deletePending(ids) {
      for (const id of ids) {
        write();
        data.pending.delete(id);
      }
    },
    async countedAmong(ids) {
      const out = new Set<string>();
      for (const id of ids) {
        await read();
        if (data.counted.has(id)) out.add(id);
      }
      return out;
    },
    async markCounted(ids) {
      for (const id of ids) {
        if (data.counted.has(id)) continue;
        write();
        data.counted.add(id);
      }
    },
    async getRollups(ids, withAbsorbed) {
      const out = new Map<string, RollupDoc>();
      for (const id of ids) {
        await read();
        const d = data.rollups.get(id);
        if (d) out.set(id, { ...clone(d), absorbed: withAbsorbed === 'all' || withAbsorbed.has(id) ? clone(d.absorbed) : [] });
      }
      return out;
    },
    async getVersions(ids) {
      const out = new Map<string, number>();
      for (const id of ids) {
        await read();
        out.set(id, data.rollups.get(id)?.version ?? 0);
      }
      return out;
    },
    async putRollup(doc) {
      write();
      data.rollups.set(doc._id, clone(doc));
    },
    async getState() {
      await read();
      return clone(data.state);
    },
    async putState(s) {
      write();
      data.state = clone(s);
    },
  };
  return store;
}

/** Run passes until nothing is pending and no pass is in flight. */
async function drain(data: Data, batch = 1000) {
  const s = memStore(data);
  for (let i = 0; i < 1000 && (data.pending.size > 0 || (data.state?.inflight.length ?? 0) > 0); i++) await compactOnce(s, { batch });
  expect(data.pending.size).toBe(0);
}

const C1 = 'c1';
const C2 = 'c2';
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;

let seq = 0;
function delta(campaign: string, t: number, i = seq++): ReportDelta {
  const bucket = REPORT_BUCKETS[i % REPORT_BUCKETS.length]!;
  return {
    _id: `call-${i}`,
    campaign_uuid: campaign,
    domain_uuid: 'd',
    t,
    bucket,
    duration: (i % 7) + 3,
    billsec: bucket === 'answered' ? (i % 5) + 1 : 0,
    waitsec: i % 3,
  };
}

/** A spread of calls: same second, same minute, across hours and days, two campaigns. */
function someDeltas(n: number, start = T0): ReportDelta[] {
  const offsets = [0, 0, 1, 59, 60, 61, 3599, 3600, 86_399, 86_400, 90_061, 2 * 86_400 + 7];
  return Array.from({ length: n }, (_, i) =>
    delta(i % 4 === 3 ? C2 : C1, start + offsets[i % offsets.length]! + Math.floor(i / offsets.length) * 17),
  );
}

function truth(deltas: readonly ReportDelta[], campaign: string, from: number, to: number): ReportTotals {
  const t = emptyTotals();
  for (const d of deltas) if (d.campaign_uuid === campaign && d.t >= from && d.t < to) addInto(t, d);
  return t;
}

/** Every rollup doc equals the direct sum of the calls in its bucket; versions and absorbed sane. */
function checkRollups(data: Data, deltas: readonly ReportDelta[]) {
  const expected = new Map<string, ReportTotals>();
  for (const d of deltas) {
    for (const id of rollupIdsOf(d)) {
      let t = expected.get(id);
      if (!t) expected.set(id, (t = emptyTotals()));
      addInto(t, d);
    }
  }
  expect(new Set(data.rollups.keys())).toEqual(new Set(expected.keys()));
  for (const [id, doc] of data.rollups) {
    const { status, total_calls, total_duration, total_billsec, total_waitsec } = doc;
    expect({ status, total_calls, total_duration, total_billsec, total_waitsec }, id).toEqual(expected.get(id));
  }
}

describe('foldDeltas (pure)', () => {
  it('adds each delta to its four buckets and lists this pass as absorbed', () => {
    const ds = [delta(C1, T0, 0), delta(C1, T0, 1), delta(C1, T0 + 61, 2)];
    const out = foldDeltas(ds, new Map());
    expect(out.map((d) => d._id).sort()).toEqual(
      [
        `${C1}|day|${T0 - 36_000}`,
        `${C1}|hour|${T0}`,
        `${C1}|minute|${T0}`,
        `${C1}|minute|${T0 + 60}`,
        `${C1}|second|${T0}`,
        `${C1}|second|${T0 + 61}`,
      ].sort(),
    );
    const day = out.find((d) => d.level === 'day')!;
    expect(day.total_calls).toBe(3);
    expect(day.version).toBe(1);
    expect(day.absorbed).toEqual(['call-0', 'call-1', 'call-2']);
    const sec = out.find((d) => d._id === `${C1}|second|${T0}`)!;
    expect(sec.absorbed).toEqual(['call-0', 'call-1']);
  });

  it('a re-run with the same deltas does not count them twice; new ones are added', () => {
    const ds = [delta(C1, T0, 10), delta(C1, T0, 11)];
    const first = foldDeltas(ds, new Map());
    const again = foldDeltas([...ds, delta(C1, T0, 12)], new Map(first.map((d) => [d._id, d])));
    const sec = again.find((d) => d.level === 'second')!;
    expect(sec.total_calls).toBe(3);
    expect(sec.version).toBe(2);
    expect(sec.absorbed).toEqual(['call-10', 'call-11', 'call-12']);
  });

  it('does not mutate its inputs', () => {
    const first = foldDeltas([delta(C1, T0, 20)], new Map());
    const snapshot = clone(first);
    foldDeltas([delta(C1, T0, 21)], new Map(first.map((d) => [d._id, d])));
    expect(first).toEqual(snapshot);
  });
});

describe('compactOnce', () => {
  it('folds everything, deletes the deltas, marks them counted', async () => {
    const ds = someDeltas(60);
    const data = emptyData();
    for (const d of ds) data.pending.set(d._id, d);
    const r = await compactOnce(memStore(data), { batch: 1000 });
    expect(r).toMatchObject({ counted: 60, duplicates: 0, resumed: false });
    expect(data.pending.size).toBe(0);
    expect(data.counted.size).toBe(60);
    expect(data.state?.inflight).toEqual([]);
    checkRollups(data, ds);
  });

  it('a crash at any write, then more passes: every call counted exactly once', async () => {
    const earlier = someDeltas(30);
    const base = emptyData();
    for (const d of earlier) base.pending.set(d._id, d);
    await drain(base);
    const ds = someDeltas(40, T0 + 5);
    for (const d of ds) base.pending.set(d._id, d);
    // Count the writes of an uninterrupted pass, then crash at each of them.
    const probe = copyData(base);
    const ps = memStore(probe);
    await compactOnce(ps, { batch: 1000 });
    expect(ps.writes).toBeGreaterThan(40);
    for (let k = 1; k <= ps.writes; k++) {
      const data = copyData(base);
      await expect(compactOnce(memStore(data, { crashAt: k }), { batch: 1000 })).rejects.toThrow(Crash);
      // New calls arrive before the repair pass (they must not disturb it).
      const late = someDeltas(5, T0 + 2);
      for (const d of late) data.pending.set(d._id, d);
      // A second crash during the repair, at a few points, for good measure.
      if (k % 5 === 0) await compactOnce(memStore(data, { crashAt: 3 }), { batch: 1000 }).catch((e) => expect(e).toBeInstanceOf(Crash));
      await drain(data);
      checkRollups(data, [...earlier, ...ds, ...late]);
    }
  });

  it('bounded batches with a crash: the journal makes the re-run take the same ids', async () => {
    const ds = someDeltas(50);
    for (let k = 1; k <= 20; k++) {
      const data = emptyData();
      for (const d of ds) data.pending.set(d._id, d);
      await compactOnce(memStore(data, { crashAt: k }), { batch: 7 }).catch((e) => expect(e).toBeInstanceOf(Crash));
      // Pending order changes (new calls first): a naive re-run would pick other ids.
      const late = someDeltas(9, T0 + 3);
      const reordered = new Map<string, ReportDelta>(late.map((d) => [d._id, d]));
      for (const [id, d] of data.pending) reordered.set(id, d);
      data.pending = reordered;
      await drain(data, 7);
      checkRollups(data, [...ds, ...late]);
    }
  });

  it('a call noted again after it was compacted (a retried activity) is dropped', async () => {
    const ds = someDeltas(12);
    const data = emptyData();
    for (const d of ds) data.pending.set(d._id, d);
    await drain(data);
    data.pending.set(ds[3]!._id, ds[3]!);
    data.pending.set(ds[4]!._id, ds[4]!);
    const r = await compactOnce(memStore(data));
    expect(r).toMatchObject({ counted: 0, duplicates: 2 });
    checkRollups(data, ds);
  });
});

describe('readReport', () => {
  const ranges: Array<[number, number]> = [
    [T0 - 36_000, T0 - 36_000 + 3 * 86_400], // three whole UTC days
    [T0, T0 + 1], // one second
    [T0 + 1, T0 + 3600], // odd edges inside an hour
    [T0 - 17, T0 + 86_400 + 3], // across a day boundary, unaligned
  ];

  it('sums rollups and pending exactly', async () => {
    const old = someDeltas(40);
    const data = emptyData();
    for (const d of old) data.pending.set(d._id, d);
    await drain(data);
    const fresh = someDeltas(20, T0 + 1);
    for (const d of fresh) data.pending.set(d._id, d);
    for (const [from, to] of ranges) {
      for (const c of [C1, C2]) expect(await readReport(memStore(data), c, from, to)).toEqual(truth([...old, ...fresh], c, from, to));
    }
    // The decomposition's bucket counts do not depend on data.
    expect(decomposeRange(ranges[0]![0], ranges[0]![1]).every((b) => b.level === 'day')).toBe(true);
  });

  it('exact whatever the compactor does between any two of its reads', async () => {
    const old = someDeltas(24);
    const base = emptyData();
    for (const d of old) base.pending.set(d._id, d);
    await drain(base);
    const fresh = someDeltas(16, T0 + 2);
    for (const d of fresh) base.pending.set(d._id, d);
    const all = [...old, ...fresh];
    // How many writes a pass makes, to crash at each.
    const probe = copyData(base);
    const ps = memStore(probe);
    await compactOnce(ps, { batch: 1000 });
    const passWrites = ps.writes;

    // What the compactor does at the chosen moment.
    type Script = (d: Data) => Promise<void>;
    const scripts: Array<[string, Script]> = [
      ['full pass', async (d) => void (await compactOnce(memStore(d), { batch: 1000 }))],
      [
        'two passes (second rewrites absorbed)',
        async (d) => {
          await compactOnce(memStore(d), { batch: 5 });
          await compactOnce(memStore(d), { batch: 5 });
        },
      ],
      [
        'pass, then the call noted again, then a pass',
        async (d) => {
          await compactOnce(memStore(d), { batch: 1000 });
          d.pending.set(fresh[0]!._id, fresh[0]!);
          d.pending.set(old[0]!._id, old[0]!);
          await compactOnce(memStore(d), { batch: 3 });
        },
      ],
    ];
    for (let k = 1; k < passWrites; k += 2) {
      scripts.push([
        `pass crashing at write ${k}`,
        async (d) => void (await compactOnce(memStore(d, { crashAt: k }), { batch: 1000 }).catch(() => {})),
      ]);
      scripts.push([
        `pass crashing at write ${k}, then a repair pass`,
        async (d) => {
          await compactOnce(memStore(d, { crashAt: k }), { batch: 6 }).catch(() => {});
          await compactOnce(memStore(d), { batch: 6 });
        },
      ]);
    }

    let checks = 0;
    for (const [from, to] of ranges) {
      for (const [name, script] of scripts) {
        // Count the reader's single-document reads without interference, then strike at each.
        let reads = 0;
        await readReport(memStore(copyData(base), { onRead: async () => void reads++ }), C1, from, to);
        for (let at = 0; at <= reads; at++) {
          const data = copyData(base);
          let n = 0;
          const store = memStore(data, {
            onRead: async () => {
              if (n++ === at) await script(data);
            },
          });
          const got = await readReport(store, C1, from, to);
          expect(got, `${name} before read ${at} of [${from}, ${to})`).toEqual(truth(all, C1, from, to));
          checks++;
        }
      }
    }
    expect(checks).toBeGreaterThan(500);
  });

  it('every level of the rollups is consistent after compaction', async () => {
    const ds = someDeltas(100);
    const data = emptyData();
    for (const d of ds) data.pending.set(d._id, d);
    await drain(data, 13);
    checkRollups(data, ds);
    for (const level of LEVELS) expect([...data.rollups.values()].some((d) => d.level === level)).toBe(true);
  });
});
