// The report compactor's activity: one bounded compaction pass (storage/report.ts `compactOnce`).
// The workflow runs it in a loop; Temporal's single workflow id gives one writer. A pass stops
// writing after PASS_WRITE_DEADLINE_MS, well inside the activity's 60 s start-to-close timeout, so
// an attempt Temporal gave up on (and retried elsewhere) cannot still be writing next to its retry.
import { compactOnce, mongoReportStore, type PassResult } from '../storage/report.ts';
import type { ActivityDeps } from './deps.ts';

export const PASS_WRITE_DEADLINE_MS = 20_000;

export function createReportActivities(deps: ActivityDeps) {
  const store = mongoReportStore(deps.db);
  return {
    async compactReport(input: { batch?: number } = {}): Promise<PassResult & { passes: number }> {
      const deadline = Date.now() + PASS_WRITE_DEADLINE_MS;
      const beforeWrite = () => {
        if (Date.now() > deadline) throw new Error('report compaction pass ran out of time; the next pass finishes it');
      };
      // Several passes while there is a backlog, within the deadline.
      const total: PassResult & { passes: number } = { counted: 0, duplicates: 0, rollupsWritten: 0, resumed: false, passes: 0 };
      const batch = input.batch ?? 5000;
      for (;;) {
        const r = await compactOnce(store, { batch, beforeWrite });
        total.passes++;
        total.counted += r.counted;
        total.duplicates += r.duplicates;
        total.rollupsWritten += r.rollupsWritten;
        total.resumed ||= r.resumed;
        if (r.counted + r.duplicates < batch && !r.resumed) break;
        if (Date.now() > deadline - PASS_WRITE_DEADLINE_MS / 2) break;
      }
      if (total.counted || total.duplicates) deps.logger.debug(total, 'report compacted');
      return total;
    },
  };
}
