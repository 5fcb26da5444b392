// A machine without Go and without the built tools gets a clear message saying what to install,
// not a stack trace, and nothing is left running.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/procs.ts';

describe('tool builds', () => {
  it('npm start without a Go toolchain says what to install', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'campaign-runner-nogo-'));
    try {
      const [api, temporal, ui, mongo, esl] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
      const bin = join(dir, 'bin'); // a PATH with node and nothing else, wherever Go is installed
      mkdirSync(bin);
      symlinkSync(process.execPath, join(bin, 'node'));
      const env: NodeJS.ProcessEnv = {
        HOME: dir,
        PATH: bin,
        TOOLS_CACHE_DIR: join(dir, 'tools'),
        DATA_DIR: join(dir, 'data'),
        API_PORT: String(api),
        TEMPORAL_PORT: String(temporal),
        TEMPORAL_UI_PORT: String(ui),
        MONGODB_PORT: String(mongo),
        ESL_PORT: String(esl),
      };
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('the Go toolchain is needed once');
      expect(r.stderr).toContain('Install Go 1.22 or newer');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
