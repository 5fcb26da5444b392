// Where a recording lives after its call (issue 17; docs/api-v3.md, Recordings): the local folder
// (media/recordings.ts), or, with RECORDINGS_S3_BUCKET, an S3-compatible store.
//
// FreeSWITCH's record_session always writes a local file (it needs a path). With a bucket, the
// recordCall activity starts `recording-upload:<call_id>` (workflows/recording-upload.ts) once the
// call is recorded; its activity (uploadRecording below) waits for the file to be complete (a WAV's
// RIFF size is written when FreeSWITCH closes it), PUTs it to `<PREFIX><domain_uuid>/<call_id>.wav`
// (the same key on every try: a retry overwrites the same object), checks the object's length (and
// its MD5 when the store's ETag is one) and only then deletes the local file. A retry after the
// delete finds the object and does nothing. The hourly retention pass uploads any file older than
// SWEEP_AFTER_MS still on disk (an upload workflow that gave up) and deletes objects older than the
// retention by their LastModified (the upload, right after the call's end).
//
// Reading (the API's GET /v3/recording/{call_id}): the local file when it is still there (the few
// seconds before its upload), else the object, streamed through the API — the bucket stays private
// and the signature and tenant checks stay in one place (a presigned redirect would hand out a
// second, store-specific URL that outlives nothing of ours and exposes the store's host).
//
// The AWS SDK is loaded only when a bucket is configured: without one nothing here touches it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/index.ts';
import { recordingFile, recordingsDir, safeSegment, SEGMENT_PATTERN } from './recordings.ts';

type S3Keys =
  | 'RECORDINGS_S3_BUCKET'
  | 'RECORDINGS_S3_ENDPOINT'
  | 'RECORDINGS_S3_REGION'
  | 'RECORDINGS_S3_PREFIX'
  | 'RECORDINGS_S3_FORCE_PATH_STYLE'
  | 'RECORDINGS_S3_ACCESS_KEY_ID'
  | 'RECORDINGS_S3_SECRET_ACCESS_KEY';
export type StoreConfig = Parameters<typeof recordingFile>[0] & Pick<Config, S3Keys>;

const DAY_MS = 86_400_000;
/** A local file this much older than its last write, with a bucket configured, is uploaded by the retention pass. */
export const SWEEP_AFTER_MS = 15 * 60_000;
/** The object keys this product writes: `<prefix><tenant segment>/<call segment>.wav` (safeSegment's forms). */
const SEGMENT = SEGMENT_PATTERN;

export const s3Enabled = (c: Pick<Config, 'RECORDINGS_S3_BUCKET'>): boolean => !!c.RECORDINGS_S3_BUCKET;

/** The object key of a call's recording: deterministic, from the tenant and the call id only. */
export const recordingKey = (c: Pick<Config, 'RECORDINGS_S3_PREFIX'>, domain_uuid: string, call_id: string): string =>
  `${c.RECORDINGS_S3_PREFIX}${safeSegment(domain_uuid)}/${safeSegment(call_id)}.wav`;

type Sdk = typeof import('@aws-sdk/client-s3');
const clients = new Map<string, Promise<{ sdk: Sdk; s3: S3Client; Bucket: string }>>();

/** The S3 client for this configuration (one per process and settings), the SDK loaded on first use. */
function storeOf(c: StoreConfig): Promise<{ sdk: Sdk; s3: S3Client; Bucket: string }> {
  const Bucket = c.RECORDINGS_S3_BUCKET;
  if (!Bucket) throw new Error('RECORDINGS_S3_BUCKET is not set');
  const region = c.RECORDINGS_S3_REGION ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1');
  const id = JSON.stringify([Bucket, c.RECORDINGS_S3_ENDPOINT, region, c.RECORDINGS_S3_FORCE_PATH_STYLE, c.RECORDINGS_S3_ACCESS_KEY_ID]);
  let store = clients.get(id);
  if (!store) {
    store = import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      Bucket,
      s3: new sdk.S3Client({
        region,
        ...(c.RECORDINGS_S3_ENDPOINT ? { endpoint: c.RECORDINGS_S3_ENDPOINT } : {}),
        forcePathStyle: c.RECORDINGS_S3_FORCE_PATH_STYLE,
        ...(c.RECORDINGS_S3_ACCESS_KEY_ID && c.RECORDINGS_S3_SECRET_ACCESS_KEY
          ? { credentials: { accessKeyId: c.RECORDINGS_S3_ACCESS_KEY_ID, secretAccessKey: c.RECORDINGS_S3_SECRET_ACCESS_KEY } }
          : {}), // else the SDK's default chain: AWS_* variables, ~/.aws files, container and instance roles
      }),
    }));
    clients.set(id, store);
  }
  return store;
}

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/** The object's length and ETag, or null when there is none. */
export const headRecording = (c: StoreConfig, domain_uuid: string, call_id: string): Promise<{ size: number; etag: string } | null> =>
  headKey(c, recordingKey(c, domain_uuid, call_id));

async function headKey(c: StoreConfig, Key: string): Promise<{ size: number; etag: string } | null> {
  const { sdk, s3, Bucket } = await storeOf(c);
  try {
    const h = await s3.send(new sdk.HeadObjectCommand({ Bucket, Key }));
    return { size: h.ContentLength ?? 0, etag: (h.ETag ?? '').replace(/"/g, '') };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Is a WAV file finished? Its RIFF size is the file's length less 8 once FreeSWITCH has closed it. */
async function wavComplete(file: string, size: number): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(12);
    const { bytesRead } = await fh.read(b, 0, 12, 0);
    if (bytesRead < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return bytesRead >= 12;
    return b.readUInt32LE(4) === size - 8;
  } finally {
    await fh.close();
  }
}

async function md5Of(file: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export type UploadResult = 'uploaded' | 'already' | 'missing' | 'incomplete';

/**
 * Move a call's recording from the local folder to the bucket: 'uploaded' (PUT, verified, local file
 * deleted), 'already' (no local file, the object is there: an earlier try finished), 'missing'
 * (neither: not written yet, or never), 'incomplete' (FreeSWITCH has not closed it yet). Idempotent.
 */
export function uploadRecording(c: StoreConfig, domain_uuid: string, call_id: string): Promise<UploadResult> {
  return uploadFile(c, recordingFile(c, domain_uuid, call_id), recordingKey(c, domain_uuid, call_id));
}

async function uploadFile(c: StoreConfig, file: string, Key: string): Promise<UploadResult> {
  const { sdk, s3, Bucket } = await storeOf(c);
  const head = () => headKey(c, Key);
  const before = await stat(file).catch(() => null);
  if (!before?.isFile()) return (await head()) ? 'already' : 'missing';
  if (!(await wavComplete(file, before.size))) return 'incomplete';
  const md5 = await md5Of(file);
  await s3.send(
    new sdk.PutObjectCommand({ Bucket, Key, Body: createReadStream(file), ContentLength: before.size, ContentType: 'audio/wav' }),
  );
  const stored = await head();
  // A plain ETag is the body's MD5 (AWS without SSE-KMS, MinIO, Ceph…); others are checked by length.
  if (!stored || stored.size !== before.size || (/^[0-9a-f]{32}$/.test(stored.etag) && stored.etag !== md5))
    throw new Error(`${Key}: the stored object does not match the file (${JSON.stringify(stored)}; ${before.size} bytes, md5 ${md5})`);
  const after = await stat(file).catch(() => null);
  if (after && (after.size !== before.size || after.mtimeMs !== before.mtimeMs)) throw new Error(`${file}: changed during its upload`);
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return 'uploaded';
}

/** A recording to serve: the local file while it is there, else the object; null when neither. */
export async function openRecording(
  c: StoreConfig,
  domain_uuid: string,
  call_id: string,
): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null> {
  const file = recordingFile(c, domain_uuid, call_id);
  const s = await stat(file).catch(() => null);
  if (s?.isFile()) {
    try {
      const f = createReadStream(file);
      await new Promise<void>((resolve, reject) => f.once('open', () => resolve()).once('error', reject));
      return { body: Readable.toWeb(f) as ReadableStream<Uint8Array>, size: s.size };
    } catch {
      // deleted between the look and the read (uploaded just now): the bucket has it
    }
  }
  if (!s3Enabled(c)) return null;
  const { sdk, s3, Bucket } = await storeOf(c);
  try {
    const o = await s3.send(new sdk.GetObjectCommand({ Bucket, Key: recordingKey(c, domain_uuid, call_id) }));
    if (!o.Body) return null;
    return { body: o.Body.transformToWebStream(), size: o.ContentLength ?? 0 };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Upload the local recordings still on disk SWEEP_AFTER_MS after their last write (their upload
 * workflow gave up, or was never started: a worker killed in between). Errors are counted, not thrown.
 */
export async function sweepToStore(c: StoreConfig, nowMs = Date.now()): Promise<{ uploaded: number; failed: number }> {
  const root = recordingsDir(c);
  const re = new RegExp(`^${SEGMENT}$`);
  let uploaded = 0;
  let failed = 0;
  for (const t of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!t.isDirectory() || !re.test(t.name)) continue;
    for (const name of await readdir(join(root, t.name)).catch(() => [] as string[])) {
      const call = name.endsWith('.wav') ? name.slice(0, -4) : '';
      if (!re.test(call)) continue;
      const s = await stat(join(root, t.name, name)).catch(() => null);
      if (!s || s.mtimeMs > nowMs - SWEEP_AFTER_MS) continue;
      try {
        // the key from the folder names (a hashed id's segment is all there is to go by)
        if ((await uploadFile(c, join(root, t.name, name), `${c.RECORDINGS_S3_PREFIX}${t.name}/${name}`)) === 'uploaded') uploaded++;
      } catch {
        failed++;
      }
    }
  }
  return { uploaded, failed };
}

/** Delete the objects older than RECORDING_RETENTION_DAYS (by LastModified), this product's keys only. */
export async function purgeStore(
  c: StoreConfig & { RECORDING_RETENTION_DAYS: number },
  nowMs = Date.now(),
): Promise<{ deleted: number; kept: number }> {
  const { sdk, s3, Bucket } = await storeOf(c);
  const prefix = c.RECORDINGS_S3_PREFIX;
  const ours = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${SEGMENT}/${SEGMENT}\\.wav$`);
  const before = nowMs - c.RECORDING_RETENTION_DAYS * DAY_MS;
  let deleted = 0;
  let kept = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
    const old: string[] = [];
    for (const o of page.Contents ?? []) {
      if (!o.Key || !ours.test(o.Key)) continue;
      if (o.LastModified && o.LastModified.getTime() < before) old.push(o.Key);
      else kept++;
    }
    if (old.length) {
      const r = await s3.send(new sdk.DeleteObjectsCommand({ Bucket, Delete: { Objects: old.map((Key) => ({ Key })), Quiet: true } }));
      deleted += old.length - (r.Errors?.length ?? 0);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { deleted, kept };
}
