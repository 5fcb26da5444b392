// Evicting the audio cache (DATA_DIR/audio: synthesised speech, fetched audio URLs and their
// index entries). A file's modification time is its last use (media/files.ts markUsed touches it
// when the cache serves it to a call, at most hourly). A pass removes, oldest first:
//   1. files unused for longer than AUDIO_CACHE_MAX_AGE_MS;
//   2. then more of the oldest until the cache holds at most AUDIO_CACHE_MAX_BYTES;
// but never a file used within the last GRACE_MS (FreeSWITCH may be about to fetch it for a call
// being placed). Index entries (`<hash>.url`) go when their file is gone or they are older than
// the maximum age; temporary files (`*.tmp`) older than GRACE_MS are leftovers of a crash. Other
// files (`.url-secret`) are never touched. Uploads (DATA_DIR/uploads) are not a cache and are
// never evicted. The worker runs a pass at most every TRIM_EVERY_MS, after placing a call
// (media/playback.ts callApplication); `trimAudioCache` is also exported for operators and tests.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { audioDir } from './tts.ts';

/** A file used this recently is never evicted. */
export const GRACE_MS = 3_600_000;
/** At most one pass per DATA_DIR and process this often. */
export const TRIM_EVERY_MS = 10 * 60_000;

const AUDIO_RE = /^[0-9a-f]{64}\.(wav|mp3)$/;
const INDEX_RE = /^[0-9a-f]{64}\.url$/;
const TMP_RE = /\.tmp$/;

export interface TrimResult {
  removed: number;
  removedBytes: number;
  /** Audio bytes left in the cache. */
  keptBytes: number;
}

/** One eviction pass over an audio cache directory. */
export async function trimAudioCache(
  dir: string,
  opts: { maxAgeMs: number; maxBytes: number; graceMs?: number; now?: number },
): Promise<TrimResult> {
  const now = opts.now ?? Date.now();
  const grace = opts.graceMs ?? GRACE_MS;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: 0, removedBytes: 0, keptBytes: 0 };
    throw err;
  }
  const entries: Array<{ name: string; file: string; size: number; mtimeMs: number }> = [];
  await Promise.all(
    names.map(async (name) => {
      if (!AUDIO_RE.test(name) && !INDEX_RE.test(name) && !TMP_RE.test(name)) return;
      const file = join(dir, name);
      const st = await stat(file).catch(() => null);
      if (st?.isFile()) entries.push({ name, file, size: st.size, mtimeMs: st.mtimeMs });
    }),
  );
  const result: TrimResult = { removed: 0, removedBytes: 0, keptBytes: 0 };
  const remove = async (e: (typeof entries)[number]) => {
    await rm(e.file, { force: true });
    result.removed++;
    result.removedBytes += e.size;
  };
  const audio = entries.filter((e) => AUDIO_RE.test(e.name)).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const kept = new Set<string>();
  let total = audio.reduce((n, e) => n + e.size, 0);
  for (const e of audio) {
    const idle = now - e.mtimeMs;
    if (idle > grace && (idle > opts.maxAgeMs || total > opts.maxBytes)) {
      await remove(e);
      total -= e.size;
    } else kept.add(e.name);
  }
  result.keptBytes = total;
  for (const e of entries) {
    if (TMP_RE.test(e.name)) {
      if (now - e.mtimeMs > grace) await remove(e);
    } else if (INDEX_RE.test(e.name)) {
      const idle = now - e.mtimeMs;
      if (idle > opts.maxAgeMs) {
        await remove(e);
        continue;
      }
      // An index entry whose file was evicted points at nothing: the URL is fetched again.
      try {
        const { key, ext } = JSON.parse(await readFile(e.file, 'utf8')) as { key?: string; ext?: string };
        if (!kept.has(`${key}.${ext}`)) await remove(e);
      } catch {
        await remove(e);
      }
    }
  }
  return result;
}

const lastPass = new Map<string, number>();

/** A pass in the background when none ran for TRIM_EVERY_MS in this process (errors are ignored: the next pass retries). */
export function maybeTrimAudioCache(
  config: Pick<Config, 'DATA_DIR' | 'AUDIO_CACHE_MAX_AGE_MS' | 'AUDIO_CACHE_MAX_BYTES'>,
  now = Date.now(),
): boolean {
  const dir = audioDir(config.DATA_DIR);
  if (now - (lastPass.get(dir) ?? -Infinity) < TRIM_EVERY_MS) return false;
  lastPass.set(dir, now);
  void trimAudioCache(dir, { maxAgeMs: config.AUDIO_CACHE_MAX_AGE_MS, maxBytes: config.AUDIO_CACHE_MAX_BYTES }).catch(() => {});
  return true;
}
