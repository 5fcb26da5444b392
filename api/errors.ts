// The error bodies every router shares. The documented shapes are `{"error":"…"}` and, for
// schema validation, `{"error":[{"<field>":"<gojsonschema message>"}]}`; nothing else leaks out.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' ? JSON.stringify(body) : String(body));
  }
}

export const errorBody = (message: string) => ({ error: message });

export function sendError(c: Context, status: ContentfulStatusCode, message: string) {
  return c.json(errorBody(message), status);
}
