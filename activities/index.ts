// Every side effect the workflows need, created once per worker with its connections.
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';

export interface ActivityDeps {
  config: Config;
  db: Db;
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    async ping(message: string): Promise<string> {
      await deps.db.command({ ping: 1 });
      return `pong: ${message}`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
