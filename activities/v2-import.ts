// The v2 import workflow's activities (workflows/v2-import.ts): the plan of a staged import, one
// chunk stored (storage/v2-imports.ts storeChunk: leads through storage/leads.ts, listed in the
// dial queue), then the queue's run told that leads were added; and the import marked done.
import { notifyRun } from '../control/run.ts';
import { finishImport, getImport, storeChunk } from '../storage/v2-imports.ts';
import { temporalClient, withHeartbeat, type ActivityDeps } from './deps.ts';

export function createV2ImportActivities(deps: ActivityDeps) {
  return {
    /** The staged chunks and the first one not stored yet (null: no such import). */
    async v2ImportPlan(input: { import_id: string }): Promise<{ chunks: number; next: number } | null> {
      const imp = await getImport(deps.db, input.import_id);
      return imp ? { chunks: imp.chunks, next: imp.next_chunk } : null;
    },
    /** Store chunk `n` (idempotent: a chunk already stored is skipped) and wake the queue's run. */
    async v2ImportChunk(input: { import_id: string; n: number; campaign_uuid: string }): Promise<void> {
      const r = await withHeartbeat(() => storeChunk(deps.db, input.import_id, input.n));
      if (r && r.stored) await notifyRun(temporalClient(deps), input.campaign_uuid, 'leadsAdded');
      if (r?.conflicts)
        deps.logger.info(
          { import_id: input.import_id, chunk: input.n, conflicts: r.conflicts },
          'v2 import: conflicting customers not stored',
        );
    },
    async v2ImportDone(input: { import_id: string }): Promise<void> {
      await finishImport(deps.db, input.import_id);
      deps.logger.info({ import_id: input.import_id }, 'v2 import stored');
    },
  };
}
