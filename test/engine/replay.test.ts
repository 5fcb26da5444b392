// Deploying a new lead workflow must not break the leads already running. Histories of version 1
// (`leadWorkflow`, captured from the code before `leadWorkflowV2`: a lead answered and done, one
// recalled and done, one in a long call reconciled several times, one asleep until its recall) are
// replayed with today's bundle: version 1's commands must come out exactly as recorded. The same
// histories as version 2 do not replay — which is why version 2 is a workflow type of its own
// (workflows/lead.ts), and what shows this test would catch a change to version 1.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/create.ts';
import { testConfig } from '../helpers/env.ts';

const DIR = fileURLToPath(new URL('../fixtures/lead-v1/', import.meta.url));
const histories = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), json: JSON.parse(readFileSync(join(DIR, f), 'utf8')) }));

/** The history (the CLI's JSON, which the replayer takes as is) as if it had been started as `type`. */
function asType(json: { events: Array<Record<string, { workflowType?: { name: string } }>> }, type: string): unknown {
  const copy = structuredClone(json);
  copy.events[0]!.workflowExecutionStartedEventAttributes!.workflowType = { name: type };
  return copy;
}

describe('lead workflow versions', () => {
  it('has the four captured version-1 histories', () => {
    expect(histories.map((h) => h.name)).toEqual(['answered-done', 'long-call-open', 'recall-waiting-open', 'recalled-done']);
  });

  it('replays every version-1 history with the current code', async () => {
    const workflowBundleCode = await workflowBundle(testConfig().DATA_DIR);
    for (const h of histories)
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundleCode }, asType(h.json, 'leadWorkflow'), `replay-${h.name}`),
        h.name,
      ).resolves.toBeUndefined();
  }, 120_000);

  it('replays them one after another on one worker, whose workflows share the preloaded modules', async () => {
    // The bundle's workflow modules are evaluated once per worker thread (worker/create.ts
    // PRELOADED_MODULES): several workflows in one V8 context must each still replay exactly.
    const workflowBundleCode = await workflowBundle(testConfig().DATA_DIR);
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(workflowBundleCode.code)?.[1];
    expect(preload).toContain('"./workflows/index.ts"');
    const twice = [...histories, ...histories].map((h, i) => ({
      workflowId: `shared-${i}-${h.name}`,
      history: asType(h.json, 'leadWorkflow'),
    }));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: workflowBundleCode }, twice)) results.push(r);
    expect(results.map((r) => [r.workflowId, r.error])).toEqual(twice.map((h) => [h.workflowId, undefined]));
  }, 120_000);

  it('version 2 gives other commands for the same calls (so it cannot replace version 1 in place)', async () => {
    const workflowBundleCode = await workflowBundle(testConfig().DATA_DIR);
    for (const name of ['answered-done', 'long-call-open']) {
      const h = histories.find((x) => x.name === name)!;
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundleCode }, asType(h.json, 'leadWorkflowV2'), `replay-v2-${name}`),
        name,
      ).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  }, 120_000);
});
