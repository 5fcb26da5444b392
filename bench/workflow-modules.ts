// Benchmark (issue 19): what each new workflow costs in module evaluation, with and without the
// workflow modules preloaded (worker/create.ts PRELOADED_MODULES). Both bundles are built here
// with the SDK's bundler; each is loaded into one V8 context the way the SDK's reusable context
// loads it (a module cache shared for what the bundle evaluates before any workflow, a cache of
// its own for each workflow), and the workflows module is imported once per simulated workflow,
// each workflow's modules kept (a cached workflow keeps them). Prints the time per import and the
// heap kept per workflow.
//
//   node --expose-gc --import tsx bench/workflow-modules.ts [--workflows 1000]
import vm from 'node:vm';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { PRELOADED_MODULES, workflowsPath } from '../worker/create.ts';
import { benchLog as log, pct } from './lib.ts';

const { values: opt } = parseArgs({ options: { workflows: { type: 'string', default: '1000' } } });
const N = Number(opt.workflows);

interface BundleApi {
  preloadModules(): void;
  importWorkflows(): unknown;
}

function measure(code: string): { p50: number; p99: number; modules: number; keptKbEach: number } {
  const context = vm.createContext({});
  const shared = new Map<PropertyKey, unknown>();
  let own: Map<PropertyKey, unknown> | null = null;
  const cache = new Proxy(
    {},
    {
      get: (_, p) => shared.get(p) ?? own?.get(p),
      set: (_, p, v) => (own ?? shared).set(p, v) !== undefined,
    },
  );
  Object.defineProperty(context, '__webpack_module_cache__', { value: cache });
  new vm.Script(code).runInContext(context);
  const api = vm.runInContext('__TEMPORAL__', context) as BundleApi;
  api.preloadModules();
  const kept: unknown[] = [];
  const ms: number[] = [];
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) {
    own = new Map();
    const t0 = performance.now();
    api.importWorkflows();
    ms.push(performance.now() - t0);
    kept.push(own);
  }
  global.gc?.();
  const keptKbEach = (process.memoryUsage().heapUsed - before) / 1e3 / kept.length;
  return { p50: pct(ms, 50), p99: pct(ms, 99), modules: own?.size ?? 0, keptKbEach };
}

const logger = new DefaultLogger('WARN');
for (const [name, preloadModules] of [
  ['each workflow evaluates its modules (no preload)', []],
  ['modules preloaded (PRELOADED_MODULES)', PRELOADED_MODULES],
] as const) {
  const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules: [...preloadModules], logger });
  const r = measure(code);
  console.log(
    `- ${name}: importWorkflows per workflow p50 ${r.p50.toFixed(3)} / p99 ${r.p99.toFixed(3)} ms, ` +
      `${r.modules} modules evaluated per workflow, ${r.keptKbEach.toFixed(0)} KB of heap kept per workflow (${N} workflows)`,
  );
}
log(`node ${process.version}${global.gc ? '' : ' (without --expose-gc: the heap numbers include garbage)'}`);
