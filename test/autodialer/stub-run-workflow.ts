// A stand-in for an autodialer campaign's run in the API tests: a workflow with the run's id that
// answers the `agents` query with what the test gives it and counts `configChanged` signals.
// (The real run, workflows/campaign-run.ts, reads mod_callcenter; the API only needs its contract.)
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { agentsQuery, configChangedSignal, stopSignal, type AgentLive } from '../../workflows/contract.ts';

export const configChangesQuery = defineQuery<number>('configChanges');
export const setAgentsSignal = defineSignal<[AgentLive[]]>('setAgents');

export async function stubRunWorkflow(input: { agents?: AgentLive[] }): Promise<void> {
  let agents = input.agents ?? [];
  let changes = 0;
  let stopped = false;
  setHandler(agentsQuery, () => agents);
  setHandler(configChangesQuery, () => changes);
  setHandler(configChangedSignal, () => void changes++);
  setHandler(setAgentsSignal, (a) => void (agents = a));
  setHandler(stopSignal, () => void (stopped = true));
  await condition(() => stopped);
}
