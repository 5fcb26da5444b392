// Preloaded (`node --require`) into the worker process by bench/load.ts: each worker thread (the
// SDK runs its workflows in one) writes its V8 heap statistics to THREAD_HEAP_DIR every 500 ms, so
// the bench can tell the workflow thread's heap from the rest of the process's native memory.
// The main thread is left alone (its heap is in the worker's own metrics).
const { isMainThread, threadId } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');

const dir = process.env.THREAD_HEAP_DIR;
if (!isMainThread && dir) {
  const write = () => writeFileSync(join(dir, `thread-${threadId}.json`), JSON.stringify(v8.getHeapStatistics()));
  write();
  setInterval(write, 500).unref();
}
