// Issue 20, audio rules wired into the API: the tenant's WAV upload (POST/GET/DELETE /v3/audio,
// streamed past the default body limit under AUDIO_FILE_MAX_BYTES), templates checked by the audio
// rules when written (templateProblems, an uploaded id the tenant does not have), and the /audio
// route serving uploads and fetched MP3s through audioToServe.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHash, storedAudioLocation } from '../../media/audio-url.ts';
import { uploadKey } from '../../media/upload.ts';
import { mp3, wav } from '../media/fixtures/audio.ts';
import { startApi, type Harness } from './harness.ts';

const MAX = 3 * 1024 * 1024;
let h: Harness;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cr-api-audio-'));
  h = await startApi({ DATA_DIR: dataDir, AUDIO_FILE_MAX_BYTES: String(MAX) });
});
afterAll(async () => {
  await h?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function upload(body: BodyInit, opts: { type?: string | null; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? h.token}`, ...opts.headers };
  if (opts.type !== null) headers['content-type'] = opts.type ?? 'audio/wav';
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body };
  if (body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(`${h.baseUrl}/v3/audio`, init);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}
const bytes = (b: Buffer) => new Uint8Array(b);

describe('POST /v3/audio', () => {
  it('stores a WAV: its audio_id is the sha256 of the bytes; the same bytes again are the same id', async () => {
    const w = wav({ ms: 1500 });
    const first = await upload(bytes(w));
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ audio_id: sha(w), bytes: w.length, duration_ms: 1500, created: true });
    const again = await upload(bytes(w), { type: 'application/octet-stream' });
    expect(again.body).toEqual({ ...first.body, created: false });
    const got = await h.call('GET', `/v3/audio/${sha(w)}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ audio_id: sha(w), bytes: w.length, duration_ms: 1500 });
  });

  it('a file larger than the 1 MiB request limit of other routes is taken, streamed (no Content-Length)', async () => {
    const w = wav({ ms: 150_000 }); // 8 kHz 16-bit: 2.4 MB
    expect(w.length).toBeGreaterThan(h.config.API_BODY_LIMIT_BYTES);
    const chunks = [w.subarray(0, 1000), w.subarray(1000, 1_500_000), w.subarray(1_500_000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(new Uint8Array(next));
        else c.close();
      },
    });
    const res = await upload(stream);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ audio_id: sha(w), bytes: w.length, duration_ms: 150_000 });
  });

  it('refusals: 413 past AUDIO_FILE_MAX_BYTES (declared or streamed), 400 not a playable WAV, 415 another type, 401 no token', async () => {
    const big = wav({ ms: 200_000 }); // 3.2 MB > 3 MiB
    const declared = await upload(bytes(big));
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({ error: `the file is larger than ${MAX} bytes` });
    let sent = 0;
    const streamed = await upload(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= big.length) return c.close();
          c.enqueue(new Uint8Array(big.subarray(sent, sent + 256 * 1024)));
          sent += 256 * 1024;
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect(streamed.body).toEqual({ error: `the file is larger than ${MAX} bytes` });
    const cases: Array<[Buffer, string | RegExp]> = [
      [mp3(20, { id3: true }), 'not a WAV file (no RIFF/WAVE header)'],
      [Buffer.from('<html>hello</html>'), 'not a WAV file (no RIFF/WAVE header)'],
      [Buffer.alloc(0), 'the file is empty'],
      [wav({ ms: 100, rate: 96000 }), /96000 Hz/],
      [wav({ ms: 301_000, rate: 8000, bits: 8, format: 7 }), 'the audio is 5 min 1 s; at most 5 min'],
    ];
    for (const [b, msg] of cases) {
      const res = await upload(bytes(b));
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toEqual(typeof msg === 'string' ? msg : expect.stringMatching(msg));
    }
    const json = await upload(JSON.stringify({ a: 1 }), { type: 'application/json' });
    expect(json.status).toBe(415);
    expect(json.body).toEqual({ error: 'unsupported content-type "application/json": send the WAV bytes as audio/wav' });
    const anon = await fetch(`${h.baseUrl}/v3/audio`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: bytes(wav({ ms: 10 })),
    });
    expect(anon.status).toBe(401);
  });

  it("GET/DELETE: another tenant's id, a malformed id and an unknown one are 404", async () => {
    const w = wav({ ms: 300 });
    const { audio_id } = (await upload(bytes(w))).body;
    const other = await h.newTenant(`audio-other-${Math.random()}`);
    for (const [path, token] of [
      [`/v3/audio/${audio_id}`, other.token],
      ['/v3/audio/not-an-id', undefined],
      [`/v3/audio/${audio_id.toUpperCase()}`, undefined],
      [`/v3/audio/${'0'.repeat(64)}`, undefined],
      [`/v3/audio/${'../'.repeat(30)}`, undefined],
    ] as const) {
      for (const m of ['GET', 'DELETE']) {
        const res = await h.call(m, path, undefined, { token });
        expect(res.status, `${m} ${path}`).toBe(404);
        expect(res.body).toEqual({ error: 'Not Found' });
      }
    }
  });
});

describe('templates follow the audio rules when written', () => {
  const tpl = (extra: Record<string, unknown>) => ({ template_name: `t ${Math.random()}`, type_autocall: 'autocall_audio', ...extra });

  it('audio_file: an uploaded id or a public https URL; anything else a 400 list naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['/var/lib/freeswitch/sounds/a.wav', 'must be the id of an uploaded audio file or an https:// URL (paths are not played)'],
      ['../../../etc/shadow', 'must be the id of an uploaded audio file or an https:// URL (paths are not played)'],
      ['file:///etc/passwd', 'must be the id of an uploaded audio file or an https:// URL (other schemes are not played)'],
      [
        'http_cache://http://169.254.169.254/latest',
        'must be the id of an uploaded audio file or an https:// URL (other schemes are not played)',
      ],
      ['http://example.com/a.wav', 'must be an https:// URL (http:// is not fetched)'],
      ['https://169.254.169.254/a.wav', 'must not point at a link-local address (169.254.169.254)'],
      ['https://localhost/a.wav', 'must not point at a loopback address (localhost)'],
      ['/tmp/${cr_call_id}.wav', 'must not contain ${'],
      ['A'.repeat(64), 'must be an audio id in lowercase hex'],
    ];
    for (const [audio_file, message] of cases) {
      const res = await h.call('POST', '/v3/template', tpl({ audio_file }));
      expect(res.status, `${audio_file}: ${res.text}`).toBe(400);
      expect(res.body, audio_file).toEqual({ error: [{ audio_file: message }] });
    }
    const missing = await h.call('POST', '/v3/template', tpl({ audio_file: 'f'.repeat(64) }));
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: `audio_file ${'f'.repeat(64)} not found` });
    const url = await h.call('POST', '/v3/template', tpl({ audio_file: 'https://cdn.example.com/nhac-no.mp3' }));
    expect(url.status, url.text).toBe(200);
  });

  it('digits.regexp with ${ and content too long to say: 400 list; update is checked the same way', async () => {
    const digits = { min: 1, max: 1, tries: 1, timeout_ms: 1000, terminators: '#', regexp: '^${cr_app}[12]$', digit_timeout_ms: 1000 };
    const bad = await h.call('POST', '/v3/template', {
      template_name: 'digits',
      type_autocall: 'autocall_voice_tts',
      content: 'Xin chào',
      digits,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: [{ 'digits.regexp': 'must not contain ${' }] });
    const long = await h.call('POST', '/v3/template', {
      template_name: 'long',
      type_autocall: 'autocall_voice_tts',
      content: 'a '.repeat(2400),
    });
    expect(long.status).toBe(400);
    expect(long.body.error).toEqual([{ content: expect.stringMatching(/at most 2000/) }]);
    const ok = await h.call('POST', '/v3/template', { template_name: 'ok', type_autocall: 'autocall_voice_tts', content: 'Xin chào' });
    expect(ok.status).toBe(200);
    const put = await h.call('PUT', `/v3/template/${ok.body.template_uuid}`, {
      template_name: 'ok',
      type_autocall: 'autocall_audio',
      audio_file: 'file:///etc/passwd',
    });
    expect(put.status).toBe(400);
    expect(put.body).toEqual({
      error: [{ audio_file: 'must be the id of an uploaded audio file or an https:// URL (other schemes are not played)' }],
    });
    expect((await h.call('GET', `/v3/template/${ok.body.template_uuid}`)).body.type_autocall).toBe('autocall_voice_tts');
  });

  it('an uploaded id plays; its removal is refused while a template uses it', async () => {
    const w = wav({ ms: 400, rate: 16000 });
    const { audio_id } = (await upload(bytes(w))).body;
    const made = await h.call('POST', '/v3/template', tpl({ template_name: 'plays upload', audio_file: audio_id }));
    expect(made.status, made.text).toBe(200);
    const busy = await h.call('DELETE', `/v3/audio/${audio_id}`);
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: `audio_id ${audio_id} is used by template "plays upload"` });
    expect((await h.call('DELETE', `/v3/template/${made.body.template_uuid}`)).status).toBe(200);
    const gone = await h.call('DELETE', `/v3/audio/${audio_id}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toEqual({ audio_id });
    expect((await h.call('GET', `/v3/audio/${audio_id}`)).status).toBe(404);
    // Another tenant's template cannot name it.
    const other = await h.newTenant(`tpl-other-${Math.random()}`);
    const again = (await upload(bytes(w))).body.audio_id;
    const foreign = await h.call('POST', '/v3/template', tpl({ audio_file: again }), { token: other.token });
    expect(foreign.body).toEqual({ error: `audio_file ${again} not found` });
  });
});

describe('GET /audio serves uploads and fetched MP3s (audioToServe)', () => {
  it('an upload at the URL the dial string uses; an .mp3 as audio/mpeg; ETag and 304; a bad signature is 404', async () => {
    const w = wav({ ms: 250 });
    const { audio_id } = (await upload(bytes(w))).body;
    const loc = storedAudioLocation(h.config, { key: uploadKey(h.tenant.domain_uuid, audio_id), store: 'uploads' });
    const path = new URL(loc.replace(/^http_cache:\/\//, '')).pathname;
    const res = await fetch(h.baseUrl + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await res.arrayBuffer()).equals(w)).toBe(true);
    const etag = res.headers.get('etag')!;
    expect(etag).toBe(`"${uploadKey(h.tenant.domain_uuid, audio_id)}"`);
    expect((await fetch(h.baseUrl + path, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const m = mp3(40);
    const key = sha(m);
    await mkdir(join(dataDir, 'audio'), { recursive: true });
    await writeFile(join(dataDir, 'audio', `${key}.mp3`), m);
    const mres = await fetch(`${h.baseUrl}/audio/${key}-${signHash(h.config, key)}.mp3`);
    expect(mres.status).toBe(200);
    expect(mres.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await mres.arrayBuffer()).equals(m)).toBe(true);

    for (const bad of [`${key}-${'0'.repeat(32)}.mp3`, `${key}-${signHash(h.config, key)}.wav`, `${key}.mp3`, '..%2F..%2Fetc%2Fpasswd']) {
      const r = await fetch(`${h.baseUrl}/audio/${bad}`);
      expect(r.status, bad).toBe(404);
      expect(await r.json()).toEqual({ error: 'Not Found' });
    }
  });
});
