// A tenant's own audio (media/upload.ts), what a template's `audio_file` names by its id:
//   POST   /v3/audio        the raw WAV bytes (Content-Type audio/wav) → {"audio_id","bytes","duration_ms","created"}
//   GET    /v3/audio/{id}   → {"audio_id","bytes","duration_ms"}; 404 unknown, malformed or another tenant's
//   DELETE /v3/audio/{id}   → {"audio_id"}; 409 while a template plays it
// The upload is streamed to disk and stopped past AUDIO_FILE_MAX_BYTES (413), so its path is exempt
// from the v3 default body limit and JSON parsing (index.ts, isAudioUpload); a body that is not a
// WAV FreeSWITCH plays, or longer than 5 minutes, is a 400 with the reason.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AUDIO_ID_RE } from '../../media/audio-rules.ts';
import { hasUploadedAudio, removeUploadedAudio, storeUploadedWav, uploadedAudio, UploadError } from '../../media/upload.ts';
import { templatesOf } from '../../storage/directory.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { ErrorBody } from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['v3 audio'];

/** The upload's path under /v3. */
export const AUDIO_UPLOAD_PATH = '/audio';
/** Media types an upload may be sent as (the bytes are checked whatever the label). */
export const WAV_MEDIA_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'application/octet-stream'] as const;

/** Whether a request is the upload (exempt from the JSON body limit and parsing; index.ts). */
export const isAudioUpload = (c: Context): boolean => c.req.method === 'POST' && /\/audio\/?$/.test(c.req.path);

const AudioIdParam = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    description: 'an audio_id (64 lowercase hex); anything else is 404',
    example: 'ab'.repeat(32),
  }),
});

const UploadResult = z
  .object({
    audio_id: z.string().openapi({ description: "sha256 of the bytes: a template's audio_file", example: 'ab'.repeat(32) }),
    bytes: z.int(),
    duration_ms: z.int(),
    created: z.boolean().openapi({ description: 'false when the tenant had uploaded the same bytes before' }),
  })
  .openapi('AudioUploaded');
const AudioView = z.object({ audio_id: z.string(), bytes: z.int(), duration_ms: z.int() }).openapi('Audio');
const AudioRef = z.object({ audio_id: z.string() }).openapi('AudioRef');

const wavBody = { schema: z.string().openapi({ type: 'string', format: 'binary' }) };

const routes = {
  upload: createRoute({
    method: 'post',
    path: AUDIO_UPLOAD_PATH,
    tags,
    summary: 'Upload a WAV for templates to play (its audio_id is their audio_file)',
    description:
      'The raw bytes of a WAV file FreeSWITCH plays (PCM, IEEE float, A-law, µ-law or IMA ADPCM; 1–2 channels; 8–48 kHz; at ' +
      'most 5 minutes), at most AUDIO_FILE_MAX_BYTES (32 MiB by default; the request body limit of other routes does not ' +
      'apply). The same bytes uploaded again are the same audio_id.',
    request: {
      body: { required: true, content: Object.fromEntries(WAV_MEDIA_TYPES.map((t) => [t, wavBody])) },
    },
    responses: {
      200: json(UploadResult, 'stored'),
      400: err(
        '{"error":"not a WAV file (no RIFF/WAVE header)"}, {"error":"the file is empty"}, {"error":"the audio is 5 min 1 s; at most 5 min"}, …',
      ),
      401: err('missing or invalid bearer token'),
      413: err('{"error":"the file is larger than 33554432 bytes"}'),
      415: err('{"error":"unsupported content-type …: send the WAV bytes as audio/wav"}'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: `${AUDIO_UPLOAD_PATH}/{id}`,
    tags,
    summary: "An uploaded audio file's size and duration",
    request: { params: AudioIdParam },
    responses: { 200: json(AudioView, 'the upload'), 401: err('missing or invalid bearer token'), 404: err('{"error":"Not Found"}') },
  }),
  delete: createRoute({
    method: 'delete',
    path: `${AUDIO_UPLOAD_PATH}/{id}`,
    tags,
    summary: 'Remove an uploaded audio file (refused while a template plays it)',
    request: { params: AudioIdParam },
    responses: {
      200: json(AudioRef, 'removed'),
      401: err('missing or invalid bearer token'),
      404: err('{"error":"Not Found"}'),
      409: err('{"error":"audio_id … is used by template \\"…\\""}'),
    },
  }),
};

const notFound = () => new ApiError(404, { error: 'Not Found' });

export function mountAudioUploads(app: App): void {
  app.openapi(routes.upload, async (c) => {
    const { config } = c.get('deps');
    const tenant = c.get('tenant');
    const ct = c.req.header('content-type');
    const type = ct?.split(';')[0]!.trim().toLowerCase();
    if (type && !(WAV_MEDIA_TYPES as readonly string[]).includes(type)) {
      throw new ApiError(415, { error: `unsupported content-type "${ct}": send the WAV bytes as audio/wav` });
    }
    // A declared length past the bound is refused before anything is read.
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > config.AUDIO_FILE_MAX_BYTES) {
      throw new ApiError(413, { error: `the file is larger than ${config.AUDIO_FILE_MAX_BYTES} bytes` });
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError(400, { error: 'the file is empty' });
    try {
      const r = await storeUploadedWav(config, tenant.domain_uuid, body);
      return c.json({ audio_id: r.audio_id, bytes: r.bytes, duration_ms: r.duration_ms, created: r.created }, 200);
    } catch (e) {
      if (e instanceof UploadError) throw new ApiError(e.status, { error: e.message });
      throw e;
    }
  });

  app.openapi(routes.get, async (c) => {
    const { config } = c.get('deps');
    const { id } = c.req.valid('param');
    const a = AUDIO_ID_RE.test(id) ? await uploadedAudio(config, c.get('tenant').domain_uuid, id) : null;
    if (!a) throw notFound();
    return c.json({ audio_id: id, bytes: a.bytes, duration_ms: a.duration_ms }, 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { config, db } = c.get('deps');
    const tenant = c.get('tenant');
    const { id } = c.req.valid('param');
    if (!hasUploadedAudio(config, tenant.domain_uuid, id)) throw notFound();
    const using = await templatesOf(db)
      .find({ domain_uuid: tenant.domain_uuid, audio_file: id }, { projection: { template_name: 1 } })
      .limit(10)
      .toArray();
    if (using.length) {
      throw new ApiError(409, {
        error: `audio_id ${id} is used by template ${using.map((t) => JSON.stringify(t.template_name)).join(', ')}`,
      });
    }
    if (!(await removeUploadedAudio(config, tenant.domain_uuid, id))) throw notFound();
    return c.json({ audio_id: id }, 200);
  });
}
