// What the product saw of each FreeSWITCH node (collection `esl_nodes`, `_id` = node name),
// written by the node's listener: when its connection came up and with which Core-UUID (it
// changes when FreeSWITCH restarts), and when it dropped. Reconciliation reads it: a call placed
// on a node that dropped, or that came back as another process, ended no later than the drop.
import type { Collection, Db } from 'mongodb';

export interface EslNodeDoc {
  _id: string;
  /** Core-UUID of the FreeSWITCH process last seen on the node ('' when not known yet). */
  core_uuid: string;
  up: boolean;
  /** When the current (or last) connection came up. */
  up_since: Date | null;
  /** When the connection last dropped (null: not since it came up). */
  down_at: Date | null;
  /** Core-UUIDs seen before the current one, newest first, each with when its connection dropped. */
  history: Array<{ core_uuid: string; down_at: Date | null }>;
  updated_at: Date;
}

export const eslNodesOf = (db: Db): Collection<EslNodeDoc> => db.collection<EslNodeDoc>('esl_nodes');

/** The listener connected; a new Core-UUID means FreeSWITCH restarted (its calls are gone). */
export async function noteNodeUp(db: Db, node: string, core_uuid: string, at = new Date()): Promise<void> {
  const prev = await eslNodesOf(db).findOne({ _id: node });
  const restarted = prev && prev.core_uuid && core_uuid && prev.core_uuid !== core_uuid;
  // The old process was gone by its connection's last drop — if that drop belongs to it (no
  // listener may have been connected when it died: then by now, at the latest).
  const lastDrop = prev?.down_at && prev.up_since && prev.down_at >= prev.up_since ? prev.down_at : at;
  const history = restarted ? [{ core_uuid: prev.core_uuid, down_at: lastDrop }, ...prev.history].slice(0, 20) : (prev?.history ?? []);
  await eslNodesOf(db).replaceOne(
    { _id: node },
    {
      core_uuid: core_uuid || prev?.core_uuid || '',
      up: true,
      up_since: at,
      down_at: restarted ? null : (prev?.down_at ?? null),
      history,
      updated_at: at,
    },
    { upsert: true },
  );
}

/** The listener's connection dropped (FreeSWITCH died, or the network between). */
export async function noteNodeDown(db: Db, node: string, at = new Date()): Promise<void> {
  await eslNodesOf(db).updateOne({ _id: node }, { $set: { up: false, down_at: at, updated_at: at } }, { upsert: true });
}

export function nodeState(db: Db, node: string): Promise<EslNodeDoc | null> {
  return eslNodesOf(db).findOne({ _id: node });
}
