// Validation errors in the wording of the Go library gojsonschema, which the documented API used:
// `{"error":[{"<field path>":"<message>"}]}`, one object per failing field, `(root)` as the key of
// a missing required property. The zod schemas (which also generate the OpenAPI document) do the
// checking; this module only translates their issues. Templates are gojsonschema's DefaultLocale:
//   Required                `{{.property}} is required`            (key: the parent, `(root)` at top)
//   InvalidType             `Invalid type. Expected: {{.expected}}, given: {{.given}}`
//   Enum                    `{{.field}} must be one of the following: {{.allowed}}` (JSON values, ", ")
//   StringGTE / StringLTE   `String length must be greater than or equal to {{.min}}` / `less than or equal to {{.max}}`
//   NumberGTE / NumberGT    `Must be greater than or equal to {{.min}}` / `Must be greater than {{.min}}`
//   NumberLTE / NumberLT    `Must be less than or equal to {{.max}}` / `Must be less than {{.max}}`
//   ArrayMinItems / Max     `Array must have at least {{.min}} items` / `at most {{.max}} items`
//   Unique                  `{{.type}} items must be unique`
//   DoesNotMatchPattern     `Does not match pattern '{{.pattern}}'`
//   DoesNotMatchFormat      `Does not match format '{{.format}}'`
// Field paths join with `.` (`network.viettel`, `schedules.0.monday_end_time`).
import type { Context, MiddlewareHandler } from 'hono';
import { z, type ZodError } from 'zod';
import { ApiError } from './errors.ts';

export type FieldError = Record<string, string>;

type Issue = ZodError['issues'][number];

/** The JSON type name gojsonschema reports for a value. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'object') return 'object';
  return 'undefined';
}

const fieldOf = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(root)' : path.map(String).join('.'));

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function hasKey(input: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return true;
  const parent = valueAt(input, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]!);
}

const EXPECTED: Record<string, string> = { int: 'integer', number: 'number', nan: 'number', bigint: 'integer', record: 'object' };

// zod reports a non-number given to z.int() as "expected number"; integer fields carry this
// message so the translator can say "Expected: integer" as gojsonschema does.
export const INT_MARK = 'expected an integer';
/** An integer schema whose type errors read `Invalid type. Expected: integer, given: …`. */
export const zInt = () => z.int({ error: INT_MARK });

/** One zod issue → one gojsonschema-worded `{field: message}`. */
export function translateIssue(issue: Issue, input: unknown): FieldError {
  const path = issue.path;
  const field = fieldOf(path);
  // A required property that is absent (zod reports it as a type or enum mismatch of undefined).
  if (issue.code !== 'custom' && path.length > 0 && !hasKey(input, path)) {
    return { [fieldOf(path.slice(0, -1))]: `${String(path[path.length - 1])} is required` };
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.message === INT_MARK ? 'integer' : (EXPECTED[issue.expected] ?? issue.expected);
      return { [field]: `Invalid type. Expected: ${expected}, given: ${jsonType(valueAt(input, path))}` };
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string') return { [field]: `String length must be greater than or equal to ${min}` };
      if (issue.origin === 'array' || issue.origin === 'set') return { [field]: `Array must have at least ${min} items` };
      return { [field]: issue.inclusive === false ? `Must be greater than ${min}` : `Must be greater than or equal to ${min}` };
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return { [field]: `String length must be less than or equal to ${max}` };
      if (issue.origin === 'array' || issue.origin === 'set') return { [field]: `Array must have at most ${max} items` };
      return { [field]: issue.inclusive === false ? `Must be less than ${max}` : `Must be less than or equal to ${max}` };
    }
    case 'invalid_value':
      return { [field]: `${field} must be one of the following: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'invalid_format': {
      if (issue.format === 'regex') {
        const p = (issue as { pattern?: string }).pattern ?? '';
        return { [field]: `Does not match pattern '${p.replace(/^\/(.*)\/[a-z]*$/s, '$1')}'` };
      }
      const fmt = issue.format === 'url' ? 'uri' : issue.format;
      return { [field]: `Does not match format '${fmt}'` };
    }
    case 'not_multiple_of':
      return { [field]: `Must be a multiple of ${String(issue.divisor)}` };
    case 'unrecognized_keys':
      return { [field]: `Additional property ${issue.keys.join(', ')} is not allowed` };
    case 'invalid_key': {
      // A record's key (propertyNames): reported on the record, naming the key (gojsonschema's
      // InvalidPropertyName, `Property name of "…" does not match`, with the rule it breaks).
      const key = String(path[path.length - 1] ?? '');
      const shown = JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key);
      const inner = issue.issues[0];
      const why = inner ? Object.values(translateIssue({ ...inner, path: [] } as Issue, key))[0] : 'is not allowed';
      return { [fieldOf(path.slice(0, -1))]: `Property name of ${shown} does not match: ${why}` };
    }
    case 'invalid_union': {
      // A value of several allowed types: the branch of the value's own type says what is wrong
      // with it (a string too long); a value of none of them is an InvalidType listing them.
      const given = jsonType(valueAt(input, path));
      const typeOnly = (errs: readonly Issue[]) => errs.length === 1 && errs[0]!.code === 'invalid_type' && errs[0]!.path.length === 0;
      const branches = (issue as { errors?: Issue[][] }).errors ?? [];
      const own = branches.find((errs) => errs.length > 0 && !typeOnly(errs));
      if (own) return translateIssue({ ...own[0]!, path: [...path, ...own[0]!.path] } as Issue, input);
      if (branches.length && branches.every(typeOnly)) {
        const types = [
          ...new Set(
            branches.map((errs) => EXPECTED[(errs[0] as { expected: string }).expected] ?? (errs[0] as { expected: string }).expected),
          ),
        ];
        const expected = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}` : types[0];
        return { [field]: `Invalid type. Expected: ${expected}, given: ${given}` };
      }
      return { [field]: 'Must validate at least one schema (anyOf)' };
    }
    default:
      // Custom checks carry their own gojsonschema-worded message (and a `(root)` path for
      // conditionally required properties).
      return { [field]: issue.message };
  }
}

/** All issues → the documented list, one entry per field (first message wins, as in the docs). */
export function translateIssues(issues: readonly Issue[], input: unknown): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of issues) {
    const e = translateIssue(issue, input);
    const key = `${Object.keys(e)[0]}\u0000${Object.values(e)[0]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** Throwable 400 with the documented list body. */
export const validationError = (errors: FieldError[]) => new ApiError(400, { error: errors });

/**
 * The hook every `app.openapi(route, handler, hook)` passes: a failed zod parse becomes a 400 with
 * the gojsonschema list. (Returning a Response stops the request before the handler.)
 */
export function gojsonHook(
  result: { success: true; data: unknown } | { success: false; error: ZodError; data?: unknown },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  return c.json({ error: translateIssues(result.error.issues, result.data) }, 400);
}

/**
 * Parse JSON request bodies ourselves, before the route's validator: malformed JSON is a clear
 * 400 (`{"error":"malformed JSON body: …"}`) rather than a framework error, and trailing commas
 * before `}` / `]` are tolerated because the documented create example has one. The parsed value
 * is put in Hono's body cache, where the zod validator reads it.
 */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  const m = c.req.method;
  if (m !== 'POST' && m !== 'PUT' && m !== 'PATCH') return next();
  const ct = c.req.header('content-type');
  const text = await c.req.text();
  if (text.trim() === '') {
    if (ct && isJson(ct)) throw new ApiError(400, { error: 'request body is empty: expected a JSON object' });
    return next(); // no body: the route's schema reports what is missing
  }
  if (!ct || !isJson(ct)) {
    throw new ApiError(415, { error: `unsupported content-type ${ct ? `"${ct}"` : '(none)'}: send the body as application/json` });
  }
  const value = parseJsonLenient(text);
  if (!value.ok) throw new ApiError(400, { error: jsonProblem(value) });
  // Hono's validator reads `c.req.json()`, which parses the cached text: cache the canonical form.
  if (value.text !== text) (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(value.text);
  return next();
};

const isJson = (ct: string) => /^application\/([\w.-]+\+)?json$/i.test(ct.split(';')[0]!.trim());

/**
 * Deepest nesting of arrays and objects a JSON body may have. Every documented body is at most 4
 * deep (v3 `schedules[i]`, v2 `customers[i].mobiles`, voice-bot `phones[i].fields[j]`); a body
 * nested thousands deep (issue 20: 7–131 s before a 500) is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether the JSON text opens more than `max` arrays/objects inside each other (one pass, strings skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

export type JsonParse = { ok: true; value: unknown; text: string } | { ok: false; message: string; tooDeep?: true };

/** The message a refused body gets: `malformed JSON body: …`, or the nesting bound. */
export const jsonProblem = (r: { message: string; tooDeep?: true }): string =>
  r.tooDeep ? r.message : `malformed JSON body: ${r.message}`;

/**
 * JSON.parse, tolerating trailing commas before `}` / `]` (the documented create example has one),
 * and refusing a text nested deeper than MAX_JSON_DEPTH before parsing it.
 */
export function parseJsonLenient(text: string): JsonParse {
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, tooDeep: true, message: `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (arrays and objects)` };
  }
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (err) {
    const stripped = stripTrailingCommas(text);
    if (stripped !== text) {
      try {
        return { ok: true, value: JSON.parse(stripped), text: stripped };
      } catch {
        /* report the original error */
      }
    }
    return { ok: false, message: (err as Error).message };
  }
}

/** Remove commas that directly precede `}` or `]` (whitespace between allowed), outside strings. */
export function stripTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  let last = ''; // last significant character written
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      last = '"';
      continue;
    }
    if (ch === ',' && last !== '' && !'{[,:'.includes(last)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += ch;
    if (!/\s/.test(ch)) last = ch;
  }
  return out;
}
