// GET /audio/<hash>-<sig>.wav: the text-to-speech cache, for FreeSWITCH (`http_cache://…`).
// No bearer token (FreeSWITCH has none): the path is signed instead (media/audio-url.ts). Only a
// name matching the strict pattern with a valid signature is looked up, and only as
// `<DATA_DIR>/audio/<hash>.wav` — nothing from the request reaches the file system otherwise.
// Anything else is 404 `{"error":"Not Found"}` (a bad signature is not told apart from a missing file).
import { readFile } from 'node:fs/promises';
import { verifyAudioName } from '../media/audio-url.ts';
import { audioFile } from '../media/tts.ts';
import type { App } from './types.ts';
import { sendError } from './errors.ts';

export function mountAudio(app: App): void {
  app.get('/audio/:name', async (c) => {
    const { config } = c.get('deps');
    const hash = verifyAudioName(config, c.req.param('name'));
    if (!hash) return sendError(c, 404, 'Not Found');
    let bytes: Buffer;
    try {
      bytes = await readFile(audioFile(config.DATA_DIR, hash));
    } catch {
      return sendError(c, 404, 'Not Found');
    }
    if (c.req.header('if-none-match') === `"${hash}"`) return c.body(null, 304);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'audio/wav',
      // Content-addressed: the bytes behind a name never change.
      'cache-control': 'public, max-age=31536000, immutable',
      etag: `"${hash}"`,
    });
  });
}
