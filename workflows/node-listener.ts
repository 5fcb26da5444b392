// One per FreeSWITCH node (`esl-listener:<node>`), started by every worker at start (the first
// wins): runs the node's listener activity (activities/listen.ts) for ever. Its short heartbeat
// timeout is what moves the subscription to another worker within seconds when the one holding it
// dies; the retry policy never gives up.
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export const nodeListenerWorkflowId = (node: string): string => `esl-listener:${node}`;

const { listenNode } = proxyActivities<Activities>({
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '2 seconds' },
});

export async function nodeListenerWorkflow(input: { node: string }): Promise<void> {
  for (;;) {
    await listenNode(input).catch(() => undefined); // retried for ever by its policy; an end is a restart
    await sleep('1 second');
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof nodeListenerWorkflow>(input);
  }
}
