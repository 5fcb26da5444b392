// Entry point of `npm start` and `npm test`, in plain JavaScript because it runs before the
// dependencies exist: checks Node, installs what is missing (npm ci from the lockfile), then hands
// over to the TypeScript start script or to vitest.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEspeak } from './lib/espeak.mjs';
import { ensureChromium } from './lib/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [mode, ...rest] = process.argv.slice(2);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`campaign-runner needs Node.js 20.19 or newer (this is ${process.versions.node}).`);
  process.exit(1);
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('campaign-runner: installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('campaign-runner: `npm ci` failed; see the output above.');
    process.exit(r.status ?? 1);
  }
}

// The default text-to-speech engine is an OS package (scripts/lib/espeak.mjs).
ensureEspeak();
// The console's browser tests drive Debian's chromium (scripts/lib/chromium.mjs).
if (mode !== 'start') ensureChromium();

const bin = (name) => join(root, 'node_modules', '.bin', name);
const cmd =
  mode === 'start'
    ? [process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts'), ...rest]]
    : [bin('vitest'), ['run', ...rest]];

// A signal is passed on to the child (which ignores a repeat, as Ctrl-C reaches the whole
// terminal group anyway); the child shuts down in order and we exit with its code.
const child = spawn(cmd[0], cmd[1], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
