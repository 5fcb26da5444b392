// Chromium, for the console's browser tests (test/console/: playwright-core drives Debian's
// chromium; playwright's own browser downloads cannot work here). `npm test` (so .ci/run) checks
// for it before vitest starts: missing, as root with apt-get, it is installed (apt-get update only
// when the first try fails); otherwise one line says what to install and the browser tests skip.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = '/usr/bin/chromium';

/** Returns 'present', 'installed' or 'missing'. */
export function ensureChromium(log = (line) => console.log(line)) {
  if (existsSync(CHROMIUM)) return 'present';
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const has = (cmd) => !spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error;
  if (root && has('apt-get')) {
    log('campaign-runner: installing chromium (for the console browser tests) with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
    if (install() || (spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0 && install())) {
      if (existsSync(CHROMIUM)) return 'installed';
    }
    log('campaign-runner: apt-get could not install chromium; the console browser tests will be skipped (apt-get install chromium).');
    return 'missing';
  }
  log(
    'campaign-runner: chromium is not installed; the console browser tests will be skipped: apt-get install chromium (Debian package chromium).',
  );
  return 'missing';
}
