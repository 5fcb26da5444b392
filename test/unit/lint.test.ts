// `npm test` checks the code as `npm run lint` and `npm run typecheck` do: ESLint (eslint.config.js),
// Prettier's --check (.prettierrc, .prettierignore) and tsc over every folder (tsconfig.json). A
// failure prints the tool's own report: the files, lines and rules. `npm run format` fixes the
// formatting.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (...p: string[]) => join(ROOT, 'node_modules', ...p);

/** Runs a tool's script with this Node; resolves with its exit code and everything it printed. */
function run(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// Typed lint rules and tsc each build the whole program: minutes on a busy two-core machine.
const TIMEOUT = 600_000;

describe('lint, format and types', () => {
  it(
    'ESLint reports nothing (npm run lint)',
    async () => {
      const r = await run(bin('eslint', 'bin', 'eslint.js'), ['--max-warnings', '0', '.']);
      expect(r.code, `ESLint:\n${r.output}`).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'every file is formatted as Prettier formats it (npm run format fixes it)',
    async () => {
      const r = await run(bin('prettier', 'bin', 'prettier.cjs'), ['--check', '.']);
      expect(r.code, `Prettier --check:\n${r.output}`).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'tsc finds no type error (npm run typecheck)',
    async () => {
      const r = await run(bin('typescript', 'bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
      expect(r.code, `tsc --noEmit:\n${r.output}`).toBe(0);
    },
    TIMEOUT,
  );
});
