// GET /v3/recording/{call_id}: a call's recording (campaign `record_calls`; media/recordings.ts).
// Two ways in: the signed URL a call record and its CDR callback carry (`?expires=…&sig=…`, no
// bearer token: the HMAC names the call and its tenant, so it serves nothing else, and only until
// it expires), or the tenant's bearer token (its own calls only). A call of another tenant, a call
// with no recording (not recorded, not answered, deleted by the retention) and a call id that names
// nothing are all 404 `{"error":"recording not found"}`; a signed request whose signature does not
// match or has expired is 403 `{"error":"invalid or expired signature"}`. Nothing from the request
// reaches the file system or the bucket: the path or key is made from the stored record's tenant and
// the call id.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { openRecording } from '../../media/recording-store.ts';
import { verifyRecording } from '../../media/recordings.ts';
import { callsOf } from '../../storage/calls.ts';
import { ApiError } from '../errors.ts';
import type { App } from '../types.ts';
import { ErrorBody } from './schemas.ts';

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

/** A signed request: no bearer token needed (index.ts skips requireTenant for it). */
export const isSignedRecording = (c: Context): boolean =>
  c.req.method === 'GET' && /\/recording\/[^/]+$/.test(c.req.path) && c.req.query('sig') !== undefined;

const route = createRoute({
  method: 'get',
  path: '/recording/{call_id}',
  tags: ['v3 recordings'],
  summary: "A call's recording (WAV), by its signed URL (record_url) or with the tenant's token",
  description:
    'record_url in call records and CDR callbacks is this path with expires (epoch seconds) and sig (HMAC-SHA256 of the call id, ' +
    'its tenant and expires): it needs no bearer token and serves that recording until the retention deletes it ' +
    '(RECORDING_RETENTION_DAYS after the call). Without sig the bearer token is required and only the tenant’s own calls are served.',
  request: {
    params: z.object({
      call_id: z.string().openapi({ param: { name: 'call_id', in: 'path' }, example: '0b9e6a3c-2f4e-4c39-9a51-6b1f1d1b0c2a' }),
    }),
    query: z.object({
      expires: z.string().optional().openapi({ description: 'signed URL: expiry, epoch seconds', example: '1767225600' }),
      sig: z.string().optional().openapi({ description: 'signed URL: 64 hex digits' }),
    }),
  },
  responses: {
    200: {
      content: { 'audio/wav': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
      description: 'the recording',
    },
    401: err('no signature and a missing or invalid bearer token'),
    403: err('{"error":"invalid or expired signature"}'),
    404: err('{"error":"recording not found"}'),
  },
});

const notFound = () => new ApiError(404, { error: 'recording not found' });

export function mountRecordings(app: App): void {
  app.openapi(route, async (c) => {
    const { config, db } = c.get('deps');
    const { call_id } = c.req.valid('param');
    const { expires, sig } = c.req.valid('query');
    const call = await callsOf(db).findOne({ _id: call_id }, { projection: { domain_uuid: 1, record_url: 1 } });
    if (sig !== undefined) {
      if (!call?.record_url) throw notFound();
      const ok = verifyRecording(config, { call_id, domain_uuid: call.domain_uuid, expires: Number(expires ?? ''), sig });
      if (!ok) throw new ApiError(403, { error: 'invalid or expired signature' });
    } else if (!call?.record_url || call.domain_uuid !== c.get('tenant').domain_uuid) throw notFound();
    // the local file, or the object in RECORDINGS_S3_BUCKET, streamed (media/recording-store.ts)
    const rec = await openRecording(config, call.domain_uuid, call_id);
    if (!rec) throw notFound();
    return c.body(rec.body, 200, {
      'content-type': 'audio/wav',
      'content-length': String(rec.size),
      'cache-control': 'private, no-store',
    });
  });
}
