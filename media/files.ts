// Writing audio to disk as it arrives (never whole in memory): a byte stream to a temporary file,
// hashed and counted, stopped at a size bound; then renamed into place, so another process never
// sees half a file.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}

/** Bytes from a Buffer, a Node or web stream, or any async iterable of chunks. */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

function chunksOf(src: ByteSource): AsyncIterable<Uint8Array> {
  if (src instanceof Uint8Array)
    return (async function* () {
      yield src;
    })();
  if (typeof (src as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in src))
    return Readable.fromWeb(src as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>;
  return src as AsyncIterable<Uint8Array>;
}

export const tmpName = (file: string): string => `${file}.${randomBytes(6).toString('hex')}.tmp`;

export interface Written {
  bytes: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
  /** The first bytes (up to `headBytes`), for content checks. */
  head: Buffer;
}

/**
 * Write `src` to `file` (created; removed again on error), counting and hashing. `check(head,
 * bytes)` sees the head as it grows (up to headBytes) and every new total; it throws to stop.
 * Throws TooLargeError past `maxBytes`.
 */
export async function writeBounded(
  src: ByteSource,
  file: string,
  opts: { maxBytes: number; headBytes?: number; check?: (head: Buffer, bytes: number) => void },
): Promise<Written> {
  const headBytes = opts.headBytes ?? 65_536;
  const out = createWriteStream(file, { flags: 'wx', mode: 0o644 });
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let bytes = 0;
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  try {
    for await (const chunk of chunksOf(src)) {
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      bytes += b.length;
      if (bytes > opts.maxBytes) throw new TooLargeError(opts.maxBytes);
      if (head.length < headBytes) head = Buffer.concat([head, b.subarray(0, headBytes - head.length)]);
      opts.check?.(head, bytes);
      hash.update(b);
      if (!out.write(b)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
    }
    await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
    return { bytes, sha256: hash.digest('hex'), head };
  } catch (err) {
    out.destroy();
    await rm(file, { force: true });
    throw err;
  }
}

/** Move a finished temporary file into place (the temporary is removed if that fails). */
export async function commitFile(tmp: string, file: string): Promise<void> {
  try {
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A cached file was used: its modification time is its last use (the cache evicts by it). Touched at most hourly. */
export async function markUsed(file: string, mtimeMs: number, now = Date.now()): Promise<void> {
  if (now - mtimeMs < 3_600_000) return;
  const t = new Date(now);
  await utimes(file, t, t).catch(() => {});
}
