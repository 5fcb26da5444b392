// Request body limits. Each API generation limits the bodies under its prefix and answers an
// oversize one (413) in its own error shape; the app limits the rest (api/app.ts).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** A body over `maxSize` bytes is answered by `tooLarge` (413, with the message every shape carries). */
export function limitBody(maxSize: number, tooLarge: (c: Context, status: 413, message: string) => Response): MiddlewareHandler {
  return bodyLimit({ maxSize, onError: (c) => tooLarge(c, 413, `request body is larger than ${maxSize} bytes`) });
}
