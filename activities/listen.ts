// The node listener: the one subscriber to a FreeSWITCH node's events of our calls, wherever it
// runs. It is a long-running activity of the node's listener workflow (workflows/node-listener.ts)
// with a short heartbeat timeout, so exactly one worker holds it and another takes it over within
// seconds when that worker dies. Each hangup becomes one `callEvent` signal to its lead workflow
// (one per call, whatever the number of workers); each answer starts the answer callback. The
// connection's ups and downs (and the node's Core-UUID) are noted for reconciliation
// (storage/esl-nodes.ts). Events sent while no listener was connected are not replayed by
// FreeSWITCH: the lead workflow finds those calls' outcomes by reconciliation.
import { Context } from '@temporalio/activity';
import { scheduleAnswerDelivery } from '../callbacks/schedule.ts';
import { noteNodeDown, noteNodeUp } from '../storage/esl-nodes.ts';
import { beepCommand, LISTEN_EVENTS, LISTEN_FILTER, LISTEN_SUBCLASSES, toAnswer, toCallEvent } from '../telephony/call-events.ts';
import { EslClient, type EslEvent } from '../telephony/esl/index.ts';
import { callEventSignal } from '../workflows/contract.ts';
import { temporalClient, type ActivityDeps } from './deps.ts';
import { eslNodeState } from '../config/metrics.ts';

/** How often the listener tells Temporal it is alive (the workflow's heartbeat timeout is 5 s). */
const HEARTBEAT_EVERY_MS = 1_000;

export interface ListenStats {
  connected: boolean;
  signalled: number;
  failed: number;
  answers: number;
}

export function createListenActivities(deps: ActivityDeps) {
  return {
    /** Listen to one node until cancelled (worker shutdown, lost heartbeat). */
    async listenNode(input: { node: string }): Promise<ListenStats> {
      const ctx = Context.current();
      const n = deps.config.eslNodes.find((x) => x.name === input.node);
      if (!n) throw new Error(`ESL node ${input.node} is not configured on this worker`);
      const client = new EslClient({
        ...n,
        events: LISTEN_EVENTS,
        customSubclasses: LISTEN_SUBCLASSES,
        filters: [LISTEN_FILTER],
        logger: deps.logger,
        reconnect: { initialDelayMs: 200, maxDelayMs: 2_000 },
      });
      const stats: ListenStats = { connected: false, signalled: 0, failed: 0, answers: 0 };
      const log = deps.logger.child({ node: input.node });
      let closing = false;
      client.on('event', (e: EslEvent) => route(deps, e, stats, client));
      client.on('ready', () => {
        stats.connected = true;
        eslNodeState(input.node, true);
        // Which FreeSWITCH process this is: another Core-UUID than before means it restarted.
        client
          .api('global_getvar core_uuid')
          .then(async (core) => {
            log.info({ core_uuid: core.trim() }, 'node listener connected');
            await noteNodeUp(deps.db, input.node, core.trim());
          })
          .catch((err: Error) => log.warn({ err: err.message }, 'node state not stored'));
      });
      client.on('disconnected', () => {
        stats.connected = false;
        eslNodeState(input.node, closing ? null : false);
        if (closing) return;
        log.warn('node listener disconnected');
        noteNodeDown(deps.db, input.node).catch((err: Error) => log.warn({ err: err.message }, 'node state not stored'));
      });
      client.on('error', () => {}); // reconnects on its own; 'disconnected' says so
      client.start().catch((err: Error) => log.warn({ err: err.message }, 'node listener cannot connect yet'));
      try {
        for (;;) {
          ctx.heartbeat(stats);
          await ctx.sleep(HEARTBEAT_EVERY_MS); // rejects when the activity is cancelled
        }
      } finally {
        closing = true;
        await client.close();
      }
    },
  };
}

/** One event of our calls: a hangup to its lead workflow, an answer to the answer callback, a
 *  voicemail beep to FreeSWITCH (hang up, or the message after the beep). */
function route(deps: ActivityDeps, e: EslEvent, stats: ListenStats, client: EslClient): void {
  const onBeep = beepCommand(e);
  if (onBeep) {
    client
      .api(onBeep)
      .catch((err: Error) => deps.logger.warn({ err: err.message, command: onBeep }, 'node listener: voicemail beep not acted on'));
    return;
  }
  if (e.name === 'CHANNEL_ANSWER') {
    const a = toAnswer(e);
    if (!a) return;
    stats.answers++;
    scheduleAnswerDelivery({ db: deps.db, config: deps.config, logger: deps.logger, temporal: temporalClient(deps) }, a).catch(
      (err: Error) => deps.logger.warn({ call_id: a.call_id, err: err.message }, 'node listener: answer callback not scheduled'),
    );
    return;
  }
  const ev = toCallEvent(e);
  if (!ev) return;
  temporalClient(deps)
    .workflow.getHandle(ev.workflowId)
    .signal(callEventSignal, ev.payload)
    .then(
      () => stats.signalled++,
      (err: Error) => {
        stats.failed++;
        deps.logger.warn(
          { workflowId: ev.workflowId, call_id: ev.payload.call_id, err: err.message },
          'node listener: signal not delivered',
        );
      },
    );
}
