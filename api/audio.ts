// GET /audio/<key>-<sig>.wav|.mp3: audio for FreeSWITCH (`http_cache://…`) — synthesised speech,
// fetched audio URLs and tenants' uploads. No bearer token (FreeSWITCH has none): the path is
// signed instead (media/audio-url.ts). `audioToServe` (media/upload.ts) is the one mapping from a
// name to a file: only a name matching the strict pattern with a valid signature is looked up, and
// only as `<DATA_DIR>/audio/<key>.<ext>` or `<DATA_DIR>/uploads/<key>.wav` — nothing from the
// request reaches the file system otherwise. Anything else is 404 `{"error":"Not Found"}` (a bad
// signature is not told apart from a missing file).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { audioToServe } from '../media/upload.ts';
import type { App } from './types.ts';
import { sendError } from './errors.ts';

export function mountAudio(app: App): void {
  app.get('/audio/:name', async (c) => {
    const { config } = c.get('deps');
    const served = await audioToServe(config, c.req.param('name'));
    if (!served) return sendError(c, 404, 'Not Found');
    const headers = {
      'content-type': served.contentType,
      // Content-addressed: the bytes behind a name never change.
      'cache-control': 'public, max-age=31536000, immutable',
      etag: served.etag,
    };
    if (c.req.header('if-none-match') === served.etag) return c.body(null, 304, headers);
    let stream: ReadableStream<Uint8Array>;
    try {
      const file = createReadStream(served.file);
      await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
      stream = Readable.toWeb(file) as ReadableStream<Uint8Array>;
    } catch {
      return sendError(c, 404, 'Not Found'); // evicted between the look and the read
    }
    return c.body(stream, 200, { ...headers, 'content-length': String(served.bytes) });
  });
}
