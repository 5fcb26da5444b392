// Every side effect the workflows need, created once per worker with its connections.
import { createCallbackActivities } from '../callbacks/activities.ts';
import { createCallActivities } from './calls.ts';
import { createDialActivities } from './dial.ts';
import { createLeadActivities } from './leads.ts';
import { createReconcileActivities } from './reconcile.ts';
import { createReportActivities } from './report.ts';
import type { ActivityDeps } from './deps.ts';

export type { ActivityDeps };

export function createActivities(deps: ActivityDeps) {
  return {
    async ping(message: string): Promise<string> {
      await deps.db.command({ ping: 1 });
      return `pong: ${message}`;
    },
    ...createLeadActivities(deps),
    ...createDialActivities(deps),
    ...createCallActivities(deps),
    ...createReconcileActivities(deps),
    ...createCallbackActivities(deps),
    ...createReportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
