// The servers we build from their Go modules, once, into a versioned cache outside the repo
// (TOOLS_CACHE_DIR, default ~/.cache/campaign-runner/<tool>-<version>/) so every clone and CI
// run on the machine reuses them. A lock directory keeps two builds from racing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, cpSync, chmodSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class ToolError extends Error {}

interface ToolSpec {
  name: string;
  version: string;
  /** Cache folder suffix for a build that differs from the plain tag (a patch): a new tag means a rebuild. */
  build_tag?: string;
  binary: string;
  /** Build the binary at `out`; `run` streams the Go toolchain's output as progress. */
  build(out: string, run: Runner): Promise<void>;
}

type Runner = (args: string[], opts?: { cwd?: string; env?: Record<string, string> }) => Promise<string>;

export const TOOLS = {
  temporal: {
    name: 'temporal',
    version: '1.5.1',
    binary: 'temporal',
    async build(out, run) {
      // The pinned tag: later tags carry a `replace` directive and cannot be go-installed.
      const gobin = await mkdtemp(join(tmpdir(), 'temporal-bin-'));
      try {
        await run(['install', '-v', 'github.com/temporalio/cli/cmd/temporal@v1.5.1'], { env: { GOBIN: gobin } });
        cpSync(join(gobin, 'temporal'), out);
      } finally {
        rmSync(gobin, { recursive: true, force: true });
      }
    },
  },
  ferretdb: {
    name: 'ferretdb',
    version: '1.24.2',
    build_tag: 'idfix1',
    binary: 'ferretdb',
    async build(out, run) {
      // `go install …/cmd/ferretdb@v1.24.2` does not work: the module proxy refuses the module's
      // version list (403) that `go install` reads, and the binary panics without the
      // build/version/version.txt that FerretDB's release tooling generates. So we download the
      // same tagged module, write that file, and build the same cmd/ferretdb package from it.
      const json = await run(['mod', 'download', '-json', 'github.com/FerretDB/FerretDB@v1.24.2'], { cwd: tmpdir() });
      const dir = (JSON.parse(json) as { Dir?: string }).Dir;
      if (!dir) throw new ToolError('go mod download did not report the FerretDB source directory');
      const src = await mkdtemp(join(tmpdir(), 'ferretdb-src-'));
      try {
        cpSync(dir, src, { recursive: true });
        chmodSync(join(src, 'build', 'version'), 0o755);
        writeFileSync(join(src, 'build', 'version', 'version.txt'), 'v1.24.2\n');
        patchIdLookups(src);
        await run(['build', '-v', '-o', out, './cmd/ferretdb'], { cwd: src });
      } finally {
        rmSync(src, { recursive: true, force: true });
      }
    },
  },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

/**
 * FerretDB 1.24's SQLite backend creates each collection's unique `_id` index on the expression
 * `_ferretdb_sjson->"_id"` but queries, updates and deletes by `_id` with `_ferretdb_sjson->'$._id'`.
 * SQLite matches index expressions by their text, so it never used that index: every lookup by
 * `_id` was a table scan (measured: 17 updates/s at 20,000 documents, 1,500/s after this patch).
 * The one-line patch makes the lookup expression the index's own; results are identical.
 */
export function patchIdLookups(src: string): void {
  const file = join(src, 'internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
  const before = `IDColumn = DefaultColumn + "->'$._id'"`;
  const text = readFileSync(file, 'utf8');
  if (!text.includes(before)) throw new ToolError(`FerretDB patch: ${before} not found in ${file}`);
  chmodSync(file, 0o644);
  writeFileSync(file, text.replace(before, `IDColumn = DefaultColumn + "->'_id'"`));
}

export function toolPath(cacheDir: string, tool: ToolName): string {
  const t = TOOLS[tool];
  const tag = 'build_tag' in t ? `-${t.build_tag}` : '';
  return join(cacheDir, `${t.name}-${t.version}${tag}`, t.binary);
}

/** The binary's path, building it first if the cache does not have it. */
export async function ensureTool(cacheDir: string, tool: ToolName, log: (line: string) => void): Promise<string> {
  const out = toolPath(cacheDir, tool);
  if (existsSync(out)) return out;
  const spec = TOOLS[tool];
  const dir = join(out, '..');
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.building');
  await acquireLock(lock, () => existsSync(out), log, spec.name);
  try {
    if (existsSync(out)) return out;
    await checkGo();
    log(`building ${spec.name} v${spec.version} from its Go module into ${dir} (first time only; a few minutes)`);
    const t0 = Date.now();
    const partial = `${out}.partial`;
    rmSync(partial, { force: true });
    await spec.build(partial, goRunner(spec.name, log));
    renameSync(partial, out); // atomic: a half-built binary is never mistaken for a good one
    log(`built ${spec.name} in ${Math.round((Date.now() - t0) / 1000)} s`);
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- schemathesis (Python, from PyPI)

/**
 * Schemathesis, the OpenAPI fuzzer the API's contract test runs (test/api/schemathesis.test.ts):
 * installed once from PyPI into a virtual environment in the tools cache
 * (`<TOOLS_CACHE_DIR>/schemathesis-<version>/venv`), every package pinned to the exact version it
 * was tested with (Python 3.11; schemathesis 4 reads OpenAPI 3.1), so a run never picks up a newer
 * dependency. A `.complete` marker is written last: a half-finished install is redone.
 */
export const SCHEMATHESIS = {
  version: '4.32.5',
  requirements: [
    'schemathesis==4.32.5',
    'anyio==4.16.0',
    'certifi==2026.10.19.post1',
    'charset-normalizer==3.5.3',
    'click==8.5.1',
    'graphql-core==3.3.2',
    'harfile==0.6.0',
    'hypothesis==6.170.17',
    'hypothesis-graphql==0.13.5',
    'idna==3.20',
    'iniconfig==2.3.1',
    'jsonschema_rs==0.60.3',
    'markdown-it-py==4.3.0',
    'MarkupSafe==3.0.4',
    'mdurl==0.1.2',
    'packaging==26.4',
    'pluggy==1.7.0',
    'Pygments==2.21.0',
    'pyrate-limiter==4.5.1',
    'pytest==9.2.0',
    'PyYAML==6.0.4',
    'requests==2.34.2',
    'rich==15.0.0',
    'sortedcontainers==2.4.0',
    'typing_extensions==4.16.0',
    'urllib3==2.8.0',
    'Werkzeug==3.1.9',
  ],
} as const;

/** The schemathesis executable's path in the tools cache (whether or not it is installed yet). */
export function schemathesisPath(cacheDir: string): string {
  return join(cacheDir, `schemathesis-${SCHEMATHESIS.version}`, 'venv', 'bin', 'schemathesis');
}

/**
 * The schemathesis executable, installing it first when the cache does not have it. Throws
 * ToolError saying what is missing (python3, its venv module, PyPI) — never skips.
 */
export async function ensureSchemathesis(cacheDir: string, log: (line: string) => void): Promise<string> {
  const exe = schemathesisPath(cacheDir);
  const dir = join(cacheDir, `schemathesis-${SCHEMATHESIS.version}`);
  const complete = join(dir, '.complete');
  if (existsSync(complete) && existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.installing');
  await acquireLock(lock, () => existsSync(complete), log, 'schemathesis');
  try {
    if (existsSync(complete) && existsSync(exe)) return exe;
    try {
      await runCapture('python3', ['--version'], {});
    } catch {
      throw new ToolError(
        'schemathesis needs Python 3 (3.10 or newer): `python3` is not on PATH (Debian: apt-get install python3 python3-venv)',
      );
    }
    const venv = join(dir, 'venv');
    rmSync(venv, { recursive: true, force: true });
    log(`installing schemathesis ${SCHEMATHESIS.version} from PyPI into ${venv} (first time only; about a minute)`);
    const t0 = Date.now();
    try {
      await runCapture('python3', ['-m', 'venv', venv], {});
    } catch (err) {
      throw new ToolError(
        `cannot create a Python virtual environment for schemathesis (Debian: apt-get install python3-venv):\n${(err as Error).message}`,
      );
    }
    const req = join(dir, 'requirements.txt');
    writeFileSync(req, SCHEMATHESIS.requirements.join('\n') + '\n');
    try {
      await runCapture(join(venv, 'bin', 'pip'), ['install', '--no-input', '--disable-pip-version-check', '--no-deps', '-r', req], {});
      await runCapture(join(venv, 'bin', 'pip'), ['check'], {});
    } catch (err) {
      throw new ToolError(`cannot install schemathesis ${SCHEMATHESIS.version} from PyPI (is PyPI reachable?):\n${(err as Error).message}`);
    }
    writeFileSync(complete, `${new Date().toISOString()}\n`);
    log(`installed schemathesis in ${Math.round((Date.now() - t0) / 1000)} s`);
    return exe;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- moto (Python, from PyPI)

/**
 * moto's server, a real S3 API (the recordings' S3 test, test/recordings/s3.test.ts): installed
 * once from PyPI like schemathesis, into `<TOOLS_CACHE_DIR>/moto-<version>/venv`, every package
 * pinned (`--no-deps`: moto with its `s3` and `server` extras' packages only, not the whole
 * `moto[server]` set of every AWS service).
 */
export const MOTO = {
  version: '5.2.5',
  requirements: [
    'moto==5.2.5',
    'boto3==1.44.8',
    'botocore==1.44.8',
    's3transfer==0.19.3',
    'jmespath==1.1.0',
    'python-dateutil==2.9.0.post0',
    'six==1.17.0',
    'urllib3==2.8.0',
    'cryptography==50.0.2',
    'cffi==2.1.1',
    'pycparser==3.12',
    'requests==2.34.2',
    'certifi==2026.10.19.post1',
    'charset-normalizer==3.5.3',
    'idna==3.20',
    'responses==0.26.3',
    'PyYAML==6.0.4',
    'Werkzeug==3.1.9',
    'MarkupSafe==3.0.4',
    'xmltodict==1.0.4',
    'Jinja2==3.1.6',
    'py-partiql-parser==0.6.3',
    'Flask==3.1.3',
    'flask-cors==6.0.5',
    'blinker==1.9.0',
    'click==8.5.1',
    'itsdangerous==2.2.0',
  ],
} as const;

/** The moto_server executable, installing it first when the cache does not have it (ToolError says what is missing). */
export async function ensureMoto(cacheDir: string, log: (line: string) => void): Promise<string> {
  const dir = join(cacheDir, `moto-${MOTO.version}`);
  const venv = join(dir, 'venv');
  const exe = join(venv, 'bin', 'moto_server');
  const complete = join(dir, '.complete');
  if (existsSync(complete) && existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.installing');
  await acquireLock(lock, () => existsSync(complete), log, 'moto');
  try {
    if (existsSync(complete) && existsSync(exe)) return exe;
    rmSync(venv, { recursive: true, force: true });
    log(`installing moto ${MOTO.version} from PyPI into ${venv} (first time only; about a minute)`);
    const t0 = Date.now();
    try {
      await runCapture('python3', ['-m', 'venv', venv], {});
    } catch (err) {
      throw new ToolError(
        `moto needs Python 3 with its venv module (Debian: apt-get install python3 python3-venv):\n${(err as Error).message}`,
      );
    }
    const req = join(dir, 'requirements.txt');
    writeFileSync(req, MOTO.requirements.join('\n') + '\n');
    try {
      await runCapture(join(venv, 'bin', 'pip'), ['install', '--no-input', '--disable-pip-version-check', '--no-deps', '-r', req], {});
      await runCapture(join(venv, 'bin', 'pip'), ['check'], {});
    } catch (err) {
      throw new ToolError(`cannot install moto ${MOTO.version} from PyPI (is PyPI reachable?):\n${(err as Error).message}`);
    }
    writeFileSync(complete, `${new Date().toISOString()}\n`);
    log(`installed moto in ${Math.round((Date.now() - t0) / 1000)} s`);
    return exe;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function checkGo(): Promise<void> {
  try {
    await runCapture('go', ['version'], {});
  } catch {
    throw new ToolError(
      'the Go toolchain is needed once to build the Temporal dev server and FerretDB, and `go` is not on PATH.\n' +
        'Install Go 1.22 or newer (https://go.dev/doc/install, or `apt-get install golang`) and run the command again,\n' +
        'or point TEMPORAL_ADDRESS and MONGODB_URI at servers you already run.',
    );
  }
}

async function acquireLock(lock: string, done: () => boolean, log: (l: string) => void, name: string): Promise<void> {
  let said = false;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A lock older than 30 minutes was left by a build that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 30 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (done()) return;
      if (!said) log(`waiting for another process that is building ${name}…`);
      said = true;
      await sleep(1000);
    }
  }
}

/** Runs `go`, printing a progress line every few packages it compiles. */
function goRunner(tool: string, log: (l: string) => void): Runner {
  return async (args, opts = {}) => {
    let packages = 0;
    let last = 0;
    return runCapture('go', args, opts, (line) => {
      // `go: downloading <module>` and, with -v, one package path per line.
      if (/^[a-z]/.test(line)) {
        packages++;
        if (Date.now() - last > 3000) {
          last = Date.now();
          log(`  ${tool}: ${packages} modules/packages so far (${line.replace(/^go: /, '').slice(0, 80)})`);
        }
      }
    });
  };
}

function runCapture(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> },
  onLine?: (l: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      if (onLine) for (const l of d.toString().split('\n')) if (l.trim()) onLine(l.trim());
    });
    child.on('error', (err) => reject(new ToolError(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new ToolError(`\`${cmd} ${args.join(' ')}\` failed (exit ${code}):\n${stderr.split('\n').slice(-25).join('\n')}`));
    });
  });
}
