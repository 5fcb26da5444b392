// Runs one server as our child and ends it when the process that started us dies, even by
// SIGKILL: Go servers cannot watch their parent themselves, and an orphaned Temporal or FerretDB
// would hold its port on the next start. Usage: node guard.mjs <parent-pid> <cmd> [args…]
import { spawn } from 'node:child_process';

const [parent, cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit' });
let stopping = false;

function stop(signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill('SIGKILL'), 8000).unref();
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop('SIGTERM'));
// A crash on purpose (fault tests): the server is SIGKILLed, as if it died; we exit with it.
process.on('SIGUSR2', () => child.kill('SIGKILL'));
const watch = setInterval(() => {
  try {
    process.kill(Number(parent), 0);
  } catch {
    stop('SIGTERM');
  }
}, 500);
child.on('error', (err) => {
  process.stderr.write(`cannot start ${cmd}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 128 + 15 : 1));
});
