// The autodialer's per-agent daily counters (collection `agent_stats`): calls answered and talk
// time per user per day in the tenant's zone (`_id` = `<user_uuid>:<YYYY-MM-DD>`), and each user's
// last call (`_id` = `<user_uuid>:last`). Written once per call an agent talked on (the lead's
// recordCall → noteAgentCall), read by GET /v3/campaign/{uuid}/agents (agentStatsToday). Small by
// construction: one document per agent per day, read by `_id` only. An agent's calls end one after
// another, so its notes do not race each other (FerretDB's updates are not atomic against each
// other, docs/decisions.md: two first notes of a day at the same instant could lose one); a note
// retried with its call_id after the first is not counted again.
import type { Db } from 'mongodb';
import { isDuplicateKey } from './mongo.ts';

interface DayDoc {
  _id: string;
  user_uuid: string;
  domain_uuid: string;
  /** YYYY-MM-DD in the tenant's zone. */
  day: string;
  calls: number;
  /** Seconds talked (bridge to hangup). */
  talk_s: number;
  last_at: Date;
  /** Calls counted (their ids), so a retried note counts once. */
  call_ids?: string[];
}

interface LastDoc {
  _id: string;
  user_uuid: string;
  domain_uuid: string;
  last_at: Date;
}

export const agentStatsOf = (db: Db) => db.collection<DayDoc | LastDoc>('agent_stats');
const days = (db: Db) => db.collection<DayDoc>('agent_stats');
const lasts = (db: Db) => db.collection<LastDoc>('agent_stats');

const dayId = (user_uuid: string, day: string) => `${user_uuid}:${day}`;
const lastId = (user_uuid: string) => `${user_uuid}:last`;

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The day (YYYY-MM-DD) an instant falls on in a time zone (IANA name). */
export function statsDay(at: Date | number, time_zone: string): string {
  let f = dayFormats.get(time_zone);
  if (!f)
    dayFormats.set(
      time_zone,
      (f = new Intl.DateTimeFormat('en-CA', { timeZone: time_zone, year: 'numeric', month: '2-digit', day: '2-digit' })),
    );
  return f.format(typeof at === 'number' ? new Date(at) : at);
}

export interface AgentCallNote {
  user_uuid: string;
  domain_uuid: string;
  /** The call's day in the tenant's zone (statsDay(at, tenant.time_zone)). */
  day: string;
  /** Seconds talked (bridge to hangup; 0 allowed). */
  talk_s: number;
  /** When the call ended. */
  at: Date | number;
  /** The call's id: with it a retried note is counted once. */
  call_id?: string;
}

/** Count one call an agent talked on; false when this call_id was already counted. */
export async function noteAgentCall(db: Db, n: AgentCallNote): Promise<boolean> {
  const at = typeof n.at === 'number' ? new Date(n.at) : n.at;
  const talk_s = Math.max(0, Math.round(n.talk_s || 0));
  const _id = dayId(n.user_uuid, n.day);
  const update = {
    $inc: { calls: 1, talk_s },
    $max: { last_at: at },
    $setOnInsert: { user_uuid: n.user_uuid, domain_uuid: n.domain_uuid, day: n.day },
    ...(n.call_id ? { $push: { call_ids: n.call_id } } : {}),
  };
  const filter = n.call_id ? { _id, call_ids: { $ne: n.call_id } } : { _id };
  let counted: boolean;
  try {
    await days(db).updateOne(filter, update, { upsert: true });
    counted = true;
  } catch (err) {
    // The day's document exists and already holds this call (the upsert tried a second insert),
    // or two first notes raced: try once more as a plain update.
    if (!isDuplicateKey(err)) throw err;
    const r = await days(db).updateOne(filter, update);
    counted = r.matchedCount === 1;
  }
  if (counted) {
    await lasts(db)
      .updateOne(
        { _id: lastId(n.user_uuid) },
        { $max: { last_at: at }, $setOnInsert: { user_uuid: n.user_uuid, domain_uuid: n.domain_uuid } },
        { upsert: true },
      )
      .catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err; // a concurrent first note inserted it: its time is as good
      });
  }
  return counted;
}

export interface AgentDayStats {
  /** Calls answered (talked on) that day. */
  calls_answered: number;
  /** Seconds talked that day. */
  talk_time: number;
  /** The user's last call ever (not only that day), or null. */
  last_call_at: Date | null;
}

/** Each user's counters for `day` (zeros when none) and last call, in one read. */
export async function agentStatsToday(db: Db, users: string[], day: string): Promise<Map<string, AgentDayStats>> {
  const out = new Map<string, AgentDayStats>(users.map((u) => [u, { calls_answered: 0, talk_time: 0, last_call_at: null }]));
  if (!users.length) return out;
  const ids = users.flatMap((u) => [dayId(u, day), lastId(u)]);
  const docs = await agentStatsOf(db)
    .find({ _id: { $in: ids } }, { projection: { call_ids: 0 } })
    .toArray();
  for (const d of docs) {
    const s = out.get(d.user_uuid);
    if (!s) continue;
    if (d._id === lastId(d.user_uuid)) s.last_call_at = d.last_at ?? null;
    else {
      s.calls_answered = (d as DayDoc).calls ?? 0;
      s.talk_time = (d as DayDoc).talk_s ?? 0;
    }
  }
  return out;
}
