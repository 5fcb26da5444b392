// Benchmark: recovery time per fault — from the end of each fault of the chaos suite
// (test/chaos/faults.test.ts: worker SIGKILL, worker lost for good, Temporal SIGKILL, store SIGKILL,
// ESL dropped, events lost, callback receiver down) to the next originate. The suite checks the
// invariants (no lead lost, no number dialed twice, every call recorded, callbacks once) and prints one
// `[chaos] <fault>: next originate N ms after the fault` line per fault; this runs it `--runs` times
// and prints min / median / max per fault.
//
//   npx tsx bench/chaos.ts [--runs 3]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { benchLog as log, pct } from './lib.ts';

const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(opt.runs);
const times = new Map<string, number[]>();
let failed = 0;

for (let i = 1; i <= RUNS; i++) {
  const r = spawnSync('npx', ['vitest', 'run', 'test/chaos/faults.test.ts'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) failed++;
  for (const m of out.matchAll(/\[chaos\] faults > (.+?): next originate (-?\d+) ms after the fault/g)) {
    const list = times.get(m[1]!) ?? [];
    list.push(Number(m[2]));
    times.set(m[1]!, list);
  }
  log(`run ${i}/${RUNS}: exit ${r.status}`);
}

for (const [fault, list] of times) {
  const sorted = [...list].sort((a, b) => a - b);
  log(
    `${fault}: next originate after ${sorted[0]} / ${pct(sorted, 50)} / ${sorted[sorted.length - 1]} ms (min / median / max, n=${list.length})`,
  );
}
if (failed) log(`${failed} of ${RUNS} runs failed an invariant: see the vitest output`);
