// Every side effect the workflows need, created once per worker with its connections.
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Tts } from '../media/tts.ts';
import type { EslPool } from '../telephony/esl/index.ts';
import { createCallbackActivities } from '../callbacks/activities.ts';
import { createCallActivities } from './calls.ts';
import { createDialActivities } from './dial.ts';
import { createLeadActivities } from './leads.ts';
import { createReconcileActivities } from './reconcile.ts';
import { createReportActivities } from './report.ts';

export interface ActivityDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** FreeSWITCH nodes (dialing and reconciliation); absent in workers that do not dial. */
  esl?: EslPool;
  /** Client used to start lead workflows; default: the activity context's client. */
  temporal?: Client;
  /** Text-to-speech for the call content; default: from the configuration (media/tts.ts). */
  tts?: Tts;
}

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
