// The directory campaigns refer to, in the same v3 style as campaigns: templates
// (`/v3/template`), carriers (`/v3/carrier`) and users with extensions (`/v3/user`).
// POST → {"created":true,"<x>_uuid"}; PUT (whole object) / DELETE → {"<x>_uuid"};
// GET list → {"data","limit","offset","total"}; GET one → the object. Same statuses as campaigns.
import { createRoute, z } from '@hono/zod-openapi';
import type { Db } from 'mongodb';
import { formatTimestamp } from '../../domain/campaign.ts';
import { placeholders } from '../../domain/template.ts';
import { campaignsReferring, renameReference } from '../../storage/campaigns.ts';
import {
  carriers,
  DuplicateError,
  templates,
  users,
  type CarrierDoc,
  type Repo,
  type TemplateDoc,
  type UserDoc,
} from '../../storage/directory.ts';
import type { Tenant } from '../../storage/tenants.ts';
import type { Config } from '../../config/index.ts';
import { AUDIO_ID_RE, templateProblems } from '../../media/audio-rules.ts';
import { hasUploadedAudio } from '../../media/upload.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { runningCampaignsOfUser } from './agents.ts';
import { validationError } from '../validation.ts';
import {
  CarrierBody,
  CarrierView,
  ErrorBody,
  listOf,
  PageQuery,
  TemplateBody,
  TemplateView,
  UserBody,
  UserView,
  UuidParam,
} from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);

/** An entry type D, written with body B; both carry the entry's name in field N. */
interface Entity<D extends Record<N, string>, B extends Record<N, string>, N extends 'template_name' | 'carrier_name' | 'username'> {
  path: string; // /template (under /v3)
  tag: string;
  uuidField: 'template_uuid' | 'carrier_uuid' | 'user_uuid';
  nameField: N;
  body: z.ZodType<B>;
  view: z.ZodType;
  viewName: string;
  repo: (db: Db) => Repo<D & { _id: string; domain_uuid: string; created_at: Date; updated_at: Date }, B>;
  toView: (d: D, tz: string) => Record<string, unknown>;
  listFilter?: z.ZodObject;
  /** Refuse deleting an entry campaigns still use: the names of those campaigns. */
  inUse: (db: Db, domain_uuid: string, uuid: string) => Promise<string[]>;
  /** After a rename: update the names stored on campaigns. */
  renamed?: (db: Db, domain_uuid: string, uuid: string, name: string) => Promise<void>;
  /** Refuse a delete before `inUse` with a message of its own (409), or null. */
  deleteGuard?: (db: Db, domain_uuid: string, uuid: string) => Promise<string | null>;
  /** Rules beyond the schema, on create and replace: throws an ApiError (400) when the body may not be stored. */
  check?: (config: Config, domain_uuid: string, body: B) => void;
}

const stamp = (d: { created_at: Date; updated_at: Date }, tz: string) => ({
  created_at: formatTimestamp(d.created_at, tz),
  updated_at: formatTimestamp(d.updated_at, tz),
});

const templateEntity: Entity<TemplateDoc, z.infer<typeof TemplateBody>, 'template_name'> = {
  path: '/template',
  tag: 'v3 directory: templates',
  uuidField: 'template_uuid',
  nameField: 'template_name',
  body: TemplateBody,
  view: TemplateView,
  viewName: 'TemplateList',
  repo: templates,
  toView: (d, tz) => ({
    template_uuid: d.template_uuid,
    template_name: d.template_name,
    type_autocall: d.type_autocall,
    content: d.content,
    audio_file: d.audio_file,
    otp_param: d.otp_param,
    otp_repeat: d.otp_repeat,
    digits: d.digits ?? null,
    params: placeholders(d.content),
    description: d.description,
    ...stamp(d, tz),
  }),
  inUse: (db, t, u) => campaignsReferring(db, t, 'template_uuid', u),
  renamed: (db, t, u, n) => renameReference(db, t, 'template', u, n),
  check: checkTemplate,
};

/**
 * The audio rules (media/audio-rules.ts, docs/autocall-content.md "Audio rules") when a template is
 * written: audio_file an uploaded audio id or a public https:// URL, no `${` in it or in
 * digits.regexp, content short enough to say — `400 {"error":[{"audio_file":"…"},…]}`; then an
 * uploaded id the tenant does not have — `400 {"error":"audio_file <id> not found"}` (a reference,
 * as an unknown template or carrier is).
 */
function checkTemplate(config: Config, domain_uuid: string, body: z.infer<typeof TemplateBody>): void {
  const problems = templateProblems(body, { allowPrivate: config.AUDIO_FETCH_ALLOW_PRIVATE });
  if (problems.length) throw validationError(problems);
  const audio = body.audio_file.trim();
  if (AUDIO_ID_RE.test(audio) && !hasUploadedAudio(config, domain_uuid, audio)) {
    throw new ApiError(400, { error: `audio_file ${audio} not found` });
  }
}

const carrierEntity: Entity<CarrierDoc, z.infer<typeof CarrierBody>, 'carrier_name'> = {
  path: '/carrier',
  tag: 'v3 directory: carriers',
  uuidField: 'carrier_uuid',
  nameField: 'carrier_name',
  body: CarrierBody,
  view: CarrierView,
  viewName: 'CarrierList',
  repo: carriers,
  toView: (d, tz) => ({
    carrier_uuid: d.carrier_uuid,
    carrier_name: d.carrier_name,
    gateway: d.gateway,
    caller_numbers: d.caller_numbers,
    networks: d.networks,
    cps: d.cps,
    description: d.description,
    ...stamp(d, tz),
  }),
  inUse: (db, t, u) => campaignsReferring(db, t, 'carrier_uuid', u),
  renamed: (db, t, u, n) => renameReference(db, t, 'carrier', u, n),
};

const userEntity: Entity<UserDoc, z.infer<typeof UserBody>, 'username'> = {
  path: '/user',
  tag: 'v3 directory: users',
  uuidField: 'user_uuid',
  nameField: 'username',
  body: UserBody,
  view: UserView,
  viewName: 'UserList',
  repo: users,
  toView: (d, tz) => ({
    user_uuid: d.user_uuid,
    username: d.username,
    extension: d.extension,
    display_name: d.display_name,
    enabled: d.enabled,
    ...stamp(d, tz),
  }),
  inUse: (db, t, u) => campaignsReferring(db, t, 'users', u),
  // An agent of a running (or paused) autodialer campaign: the run provisions it (docs/autodialer.md).
  deleteGuard: async (db, t, u) => {
    const running = await runningCampaignsOfUser(db, t, u);
    return running.length
      ? `user is assigned to running campaign ${running[0]!.campaign_name}: unassign it or stop the campaign first`
      : null;
  },
};

function mountEntity<D extends Record<N, string>, B extends Record<N, string>, N extends 'template_name' | 'carrier_name' | 'username'>(
  app: App,
  e: Entity<D, B, N>,
): void {
  const tags = [e.tag];
  const Created = z.object({ created: z.boolean(), [e.uuidField]: z.string() });
  const Ref = z.object({ [e.uuidField]: z.string() });
  const body = { required: true, content: { 'application/json': { schema: e.body } } };
  const notFound = () => new ApiError(404, { error: 'Not Found' });
  const duplicate = (x: unknown): never => {
    if (x instanceof DuplicateError) throw new ApiError(409, { error: x.message });
    throw x;
  };
  const one = (c: { get(k: 'tenant'): Tenant; get(k: 'deps'): { db: Db; config: Config } }) => ({
    db: c.get('deps').db,
    tenant: c.get('tenant'),
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: e.path,
      tags,
      summary: `Create`,
      request: { body },
      responses: {
        200: json(Created, 'created'),
        400: err('validation error'),
        409: err(`${e.nameField} is already taken`),
        401: err('no/bad token'),
      },
    }),
    async (c) => {
      const { db, tenant } = one(c);
      const input = c.req.valid('json');
      e.check?.(c.get('deps').config, tenant.domain_uuid, input);
      const doc = await e.repo(db).create(tenant.domain_uuid, input).catch(duplicate);
      return c.json({ created: true, [e.uuidField]: doc._id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: e.path,
      tags,
      summary: 'List',
      request: { query: PageQuery },
      responses: { 200: json(listOf(e.view, e.viewName), 'a page'), 400: err('bad query'), 401: err('no/bad token') },
    }),
    async (c) => {
      const { db, tenant } = one(c);
      const q = c.req.valid('query');
      const { docs, total } = await e.repo(db).list(tenant.domain_uuid, q);
      return c.json({ data: docs.map((d) => e.toView(d, tenant.time_zone)), limit: q.limit, offset: q.offset, total }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${e.path}/{uuid}`,
      tags,
      summary: 'Get one',
      request: { params: UuidParam },
      responses: { 200: json(e.view, 'the entry'), 404: err('Not Found'), 401: err('no/bad token') },
    }),
    async (c) => {
      const { db, tenant } = one(c);
      const doc = await e.repo(db).get(tenant.domain_uuid, c.req.valid('param').uuid);
      if (!doc) throw notFound();
      return c.json(e.toView(doc, tenant.time_zone), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: `${e.path}/{uuid}`,
      tags,
      summary: 'Replace (the whole object)',
      request: { params: UuidParam, body },
      responses: {
        200: json(Ref, 'updated'),
        400: err('validation error'),
        404: err('Not Found'),
        409: err(`${e.nameField} is already taken`),
        401: err('no/bad token'),
      },
    }),
    async (c) => {
      const { db, tenant } = one(c);
      const { uuid } = c.req.valid('param');
      const input = c.req.valid('json');
      e.check?.(c.get('deps').config, tenant.domain_uuid, input);
      const before = await e.repo(db).get(tenant.domain_uuid, uuid);
      if (!before) throw notFound();
      const doc = await e.repo(db).update(tenant.domain_uuid, uuid, input).catch(duplicate);
      if (!doc) throw notFound();
      const name: string = input[e.nameField];
      const was: string = before[e.nameField];
      if (e.renamed && was !== name) await e.renamed(db, tenant.domain_uuid, uuid, name);
      return c.json({ [e.uuidField]: uuid }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: `${e.path}/{uuid}`,
      tags,
      summary: 'Delete (refused while a campaign uses it)',
      request: { params: UuidParam },
      responses: { 200: json(Ref, 'deleted'), 404: err('Not Found'), 409: err('in use by a campaign'), 401: err('no/bad token') },
    }),
    async (c) => {
      const { db, tenant } = one(c);
      const { uuid } = c.req.valid('param');
      const doc = await e.repo(db).get(tenant.domain_uuid, uuid);
      if (!doc) throw notFound();
      const refused = await e.deleteGuard?.(db, tenant.domain_uuid, uuid);
      if (refused) throw new ApiError(409, { error: refused });
      const using = await e.inUse(db, tenant.domain_uuid, uuid);
      if (using.length)
        throw new ApiError(409, { error: `${e.uuidField} ${uuid} is used by campaign ${using.map((n) => JSON.stringify(n)).join(', ')}` });
      await e.repo(db).remove(tenant.domain_uuid, uuid);
      return c.json({ [e.uuidField]: uuid }, 200);
    },
  );
}

export function mountDirectory(app: App): void {
  mountEntity(app, templateEntity);
  mountEntity(app, carrierEntity);
  mountEntity(app, userEntity);
}
