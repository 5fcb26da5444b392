// A short-lived per-process read cache: a value loaded by key is reused for `ttlMs`, concurrent
// readers share one load, and a failed load is forgotten at once (the next read tries again).
// For settings read on every call (carriers, callback URLs, a tenant's zone), where a change may
// take `ttlMs` to be seen. Keyed per Db, so tests with their own databases never share entries.
import type { Db } from 'mongodb';

export function ttlCache<V>(
  ttlMs: number,
  load: (db: Db, key: string) => Promise<V>,
  maxKeys = 10_000,
): (db: Db, key: string) => Promise<V> {
  const byDb = new WeakMap<Db, Map<string, { at: number; v: Promise<V> }>>();
  return (db, key) => {
    let m = byDb.get(db);
    if (!m) byDb.set(db, (m = new Map()));
    const now = Date.now();
    const hit = m.get(key);
    if (hit && now - hit.at < ttlMs) return hit.v;
    const v = load(db, key);
    if (m.size >= maxKeys) m.clear();
    const entries = m;
    entries.set(key, { at: now, v });
    v.catch(() => {
      if (entries.get(key)?.v === v) entries.delete(key);
    });
    return v;
  };
}
