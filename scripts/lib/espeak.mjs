// espeak-ng, the default text-to-speech engine (media/tts.ts), is a Debian package, not an npm
// one: `npm start` and `npm test` (also .ci/run) check for it here, before anything else runs.
// Missing, as root with apt-get: installed (apt-get update only when the first try fails).
// Otherwise one line says what to install; nothing stops (only speech needs it).
import { spawnSync } from 'node:child_process';

const has = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
};

/** Returns 'present', 'installed', 'skipped' (TTS_PROVIDER=http) or 'missing'. */
export function ensureEspeak(log = (line) => console.log(line), env = process.env) {
  if (env.TTS_PROVIDER === 'http') return 'skipped';
  if (has('espeak-ng', ['--version'])) return 'present';
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && has('apt-get', ['--version'])) {
    log('campaign-runner: installing espeak-ng (text-to-speech) with apt-get…');
    const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'espeak-ng'], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: aptEnv,
      }).status === 0;
    if (
      install() ||
      (spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv }).status === 0 && install())
    ) {
      if (has('espeak-ng', ['--version'])) return 'installed';
    }
    log(
      'campaign-runner: apt-get could not install espeak-ng; text-to-speech will fail until it is installed (apt-get install espeak-ng).',
    );
    return 'missing';
  }
  log(
    'campaign-runner: espeak-ng is not installed; text-to-speech (autocall_voice_tts, autocall_voice_otp) needs it: apt-get install espeak-ng (Debian/Ubuntu package espeak-ng).',
  );
  return 'missing';
}
