// Every side effect the workflows need, created once per worker with its connections:
//   run.ts       the campaign run's: its configuration, claiming leads, starting lead workflows
//   dial.ts      an attempt: plan (plan.ts) and originate exactly once (originate.ts)
//   listen.ts    a FreeSWITCH node's events of our calls, to their lead workflows (one listener per node)
//   reconcile.ts a call whose hangup event did not come: ask FreeSWITCH
//   record.ts    a call's final record, the lead after it, the report delta, the slot release
//   report.ts    the report compactor's pass; callbacks/activities.ts: callback deliveries
import { createCallbackActivities } from '../callbacks/activities.ts';
import type { ActivityDeps } from './deps.ts';
import { createCallcenterActivities } from './callcenter.ts';
import { createComplianceActivities } from './compliance.ts';
import { createDialActivities } from './dial.ts';
import { createListenActivities } from './listen.ts';
import { createReconcileActivities } from './reconcile.ts';
import { createRecordActivities } from './record.ts';
import { createRecordingActivities } from './recordings.ts';
import { createReportActivities } from './report.ts';
import { createRunActivities } from './run.ts';
import { createV2ImportActivities } from './v2-import.ts';

export type { ActivityDeps };

export function createActivities(deps: ActivityDeps) {
  return {
    async ping(message: string): Promise<string> {
      await deps.db.command({ ping: 1 });
      return `pong: ${message}`;
    },
    ...createRunActivities(deps),
    ...createDialActivities(deps),
    ...createRecordActivities(deps),
    ...createReconcileActivities(deps),
    ...createListenActivities(deps),
    ...createCallcenterActivities(deps),
    ...createCallbackActivities(deps),
    ...createReportActivities(deps),
    ...createRecordingActivities(deps),
    ...createComplianceActivities(deps),
    ...createV2ImportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
