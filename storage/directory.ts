// The directory campaigns refer to: autocall templates, carriers (FreeSWITCH gateways with caller
// numbers) and users with extensions. One small generic repository per collection, every query
// scoped by `domain_uuid`, names (and extensions) unique per tenant by unique indexes.
import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter, OptionalUnlessRequiredId, UpdateFilter } from 'mongodb';
import type { Network } from '../domain/campaign.ts';
import type { TemplateContent } from '../domain/template.ts';
import { isDuplicateKey } from './mongo.ts';

interface Base {
  _id: string;
  domain_uuid: string;
  created_at: Date;
  updated_at: Date;
}

/** A script template: what the calls of the campaigns using it play (fields: domain/template.ts). */
export interface TemplateDoc extends Base, TemplateContent {
  template_uuid: string;
  template_name: string;
  description: string;
}

export interface CarrierDoc extends Base {
  carrier_uuid: string;
  carrier_name: string;
  /** FreeSWITCH gateway name: calls go out as `sofia/gateway/<gateway>/<number>`. */
  gateway: string;
  /** Caller numbers presented on outbound calls (rotated). */
  caller_numbers: string[];
  /** Mobile networks this carrier serves (`offnet` = other operators). */
  networks: Network[];
  /** Calls per second this carrier accepts. */
  cps: number;
  description: string;
}

export interface UserDoc extends Base {
  user_uuid: string;
  username: string;
  extension: string;
  display_name: string;
  enabled: boolean;
}

export const templatesOf = (db: Db): Collection<TemplateDoc> => db.collection<TemplateDoc>('templates');
export const carriersOf = (db: Db): Collection<CarrierDoc> => db.collection<CarrierDoc>('carriers');

/** Every carrier of a tenant (a tenant has a handful). */
export function tenantCarriers(db: Db, domain_uuid: string): Promise<CarrierDoc[]> {
  return carriersOf(db).find({ domain_uuid }).toArray();
}
/** The users collection; `T` for a reader that also reads fields kept on the user by others (storage/agents.ts). */
export const usersOf = <T extends UserDoc = UserDoc>(db: Db): Collection<T> => db.collection<T>('users');

/** A unique field (name, extension) is already used by another entry of the tenant. */
export class DuplicateError extends Error {}

export interface Repo<T extends Base, In> {
  create(domain_uuid: string, input: In): Promise<T>;
  get(domain_uuid: string, uuid: string): Promise<T | null>;
  list(domain_uuid: string, q: { limit: number; offset: number; filter?: Filter<T> }): Promise<{ docs: T[]; total: number }>;
  update(domain_uuid: string, uuid: string, input: Partial<In>): Promise<T | null>;
  remove(domain_uuid: string, uuid: string): Promise<boolean>;
}

/** A stored entry: the fields it was written with (In), its uuid under its own name (U), the common ones. */
type Stored<In, U extends string> = In & Base & Record<U, string>;

function repo<In extends object, U extends string>(
  coll: (db: Db) => Collection<Stored<In, U>>,
  uuidField: U,
  sortField: string,
  duplicateMessage: (input: Partial<In>) => string,
) {
  type T = Stored<In, U>;
  return (db: Db): Repo<T, In> => ({
    async create(domain_uuid, input) {
      const now = new Date();
      const uuid = randomUUID();
      // (TypeScript types a computed key of a type parameter as an index signature: named here.)
      const ids = { [uuidField]: uuid } as Record<U, string>;
      const doc: T = { ...input, ...ids, _id: uuid, domain_uuid, created_at: now, updated_at: now };
      try {
        await coll(db).insertOne(doc as OptionalUnlessRequiredId<T>);
      } catch (err) {
        if (isDuplicateKey(err)) throw new DuplicateError(duplicateMessage(input));
        throw err;
      }
      return doc;
    },
    async get(domain_uuid, uuid) {
      return (await coll(db).findOne({ _id: uuid, domain_uuid } as Filter<T>)) as T | null;
    },
    async list(domain_uuid, q) {
      const filter = { ...(q.filter ?? {}), domain_uuid } as Filter<T>;
      const [docs, total] = await Promise.all([
        coll(db)
          .find(filter)
          .sort({ [sortField]: 1 })
          .skip(q.offset)
          .limit(q.limit)
          .toArray(),
        coll(db).countDocuments(filter),
      ]);
      return { docs: docs as T[], total };
    },
    async update(domain_uuid, uuid, input) {
      try {
        return (await coll(db).findOneAndUpdate(
          { _id: uuid, domain_uuid } as Filter<T>,
          { $set: { ...input, updated_at: new Date() } } as UpdateFilter<T>,
          { returnDocument: 'after' },
        )) as T | null;
      } catch (err) {
        if (isDuplicateKey(err)) throw new DuplicateError(duplicateMessage(input));
        throw err;
      }
    },
    async remove(domain_uuid, uuid) {
      const r = await coll(db).deleteOne({ _id: uuid, domain_uuid } as Filter<T>);
      return r.deletedCount === 1;
    },
  });
}

export type TemplateInput = Omit<TemplateDoc, keyof Base | 'template_uuid'>;
export type CarrierInput = Omit<CarrierDoc, keyof Base | 'carrier_uuid'>;
export type UserInput = Omit<UserDoc, keyof Base | 'user_uuid'>;

export const templates = repo<TemplateInput, 'template_uuid'>(
  templatesOf,
  'template_uuid',
  'template_name',
  () => 'template_name is already taken',
);
export const carriers = repo<CarrierInput, 'carrier_uuid'>(
  carriersOf,
  'carrier_uuid',
  'carrier_name',
  () => 'carrier_name is already taken',
);
export const users = repo<UserInput, 'user_uuid'>(usersOf, 'user_uuid', 'extension', (i) =>
  i.extension !== undefined ? `extension ${i.extension} or username is already taken` : 'username is already taken',
);

/**
 * Resolve extensions to users, in the order given. Returns the users found and the extensions
 * that matched no user of the tenant.
 */
export async function usersByExtension(
  db: Db,
  domain_uuid: string,
  extensions: string[],
): Promise<{ found: { extension: string; user_uuid: string }[]; missing: string[] }> {
  const docs = await usersOf(db)
    .find({ domain_uuid, extension: { $in: extensions } }, { projection: { extension: 1, user_uuid: 1 } })
    .toArray();
  const byExt = new Map(docs.map((d) => [d.extension, d.user_uuid]));
  const found: { extension: string; user_uuid: string }[] = [];
  const missing: string[] = [];
  for (const e of extensions) {
    const u = byExt.get(e);
    if (u) found.push({ extension: e, user_uuid: u });
    else missing.push(e);
  }
  return { found, missing };
}

/** Which of these user uuids are not users of the tenant. */
export async function unknownUsers(db: Db, domain_uuid: string, uuids: string[]): Promise<string[]> {
  if (uuids.length === 0) return [];
  const docs = await usersOf(db)
    .find({ domain_uuid, _id: { $in: uuids } }, { projection: { _id: 1 } })
    .toArray();
  const known = new Set(docs.map((d) => d._id));
  return uuids.filter((u) => !known.has(u));
}
