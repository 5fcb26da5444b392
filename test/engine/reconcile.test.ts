// callFate (activities/reconcile.ts) when FreeSWITCH restarted under a call and the dial
// connection is back before the node's listener has noted the new process: the call's legs are
// gone, no CDR came — the call was lost with the old process (NODE_LOST), not "unknown", as long
// as the listener notes the restart within the CDR grace. On the real store and the simulator
// over ESL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFate } from '../../activities/reconcile.ts';
import { createLogger } from '../../config/log.ts';
import { noteNodeDown, noteNodeUp } from '../../storage/esl-nodes.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { EslPool } from '../../telephony/esl/index.ts';
import { testConfig } from '../helpers/env.ts';

let sim: Simulator;
let mongo: Mongo;
let esl: EslPool;
let config: ReturnType<typeof testConfig>;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  config = testConfig({ ESL_HOST: '127.0.0.1', ESL_PORT: String(sim.port), ESL_PASSWORD: sim.password });
  mongo = await connectMongo(config);
  esl = new EslPool(config.eslNodes);
  esl.on('error', () => {});
  await esl.start();
});
afterAll(async () => {
  await esl?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
  await sim?.close();
});

describe('callFate after a restart the listener notes late', () => {
  const node = () => config.eslNodes[0]!.name;
  const deps = () => ({ config, db: mongo.db, logger: createLogger('reconcile-test', 'silent'), esl });

  it('lost at the drop when the listener notes the new process during the grace', async () => {
    const sentAt = Date.now() - 5_000;
    await noteNodeUp(mongo.db, node(), 'old-process', new Date(sentAt - 60_000));
    const dropAt = new Date(sentAt + 1_000);
    await noteNodeDown(mongo.db, node(), dropAt);
    // The listener reconnects 300 ms into the grace and sees another Core-UUID.
    const noted = new Promise<void>((ok) => setTimeout(() => void noteNodeUp(mongo.db, node(), 'new-process').then(ok), 300));
    const fate = await callFate(deps(), { node: node(), leg_uuids: [randomUUID()], sent_at: sentAt }, 1_000);
    await noted;
    expect(fate).toEqual({ state: 'lost', at: dropAt.getTime() });
  });

  it('gone (unknown) when the same process answers: the call ended unseen, not lost', async () => {
    const sentAt = Date.now() - 5_000;
    await noteNodeUp(mongo.db, node(), 'same-process', new Date(sentAt - 60_000));
    await noteNodeDown(mongo.db, node(), new Date(sentAt + 1_000));
    const noted = new Promise<void>((ok) => setTimeout(() => void noteNodeUp(mongo.db, node(), 'same-process').then(ok), 300));
    const fate = await callFate(deps(), { node: node(), leg_uuids: [randomUUID()], sent_at: sentAt }, 1_000);
    await noted;
    expect(fate).toEqual({ state: 'gone' });
  });
});
