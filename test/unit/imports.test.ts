// Which folder may import which: read from the source files' import lines (a small parser, no
// resolution through node_modules). Each failure names the file, what it imports and the rule.
//
// - api/ imports nothing from activities/ (the API reaches the engine through Temporal's client
//   and control/, never through activity code);
// - domain/ is pure: npm packages and domain/ only, no Node built-in (workflow code imports it);
// - workflows/ runs in Temporal's sandbox: its value imports are @temporalio/workflow, workflows/,
//   domain/ and the pure files listed in WORKFLOW_PURE_FILES; `import type` of anything is free
//   (erased at build);
// - the product (every folder but test/, bench/, simulator/, scripts/) never imports simulator/;
// - no import cycle between top-level folders, counting value imports (what runs at load time).
//   Type-only imports are left out: workflows/ names the activities' type (`import type
//   { Activities }`) as Temporal's proxyActivities wants, while activities/ uses workflows/contract.ts.
// And README.md's Layout names every top-level folder.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP_DIRS = new Set(['node_modules', '.git', '.data', '.scratch', 'coverage', 'fixtures']);
const SOURCE = /\.(ts|mts|js|mjs)$/;

/** Files workflow code may import by value besides workflows/ and domain/: pure, and importing nothing themselves. */
const WORKFLOW_PURE_FILES = new Set(['callbacks/contract.ts']);
/** Folders that are not the product: they may import the simulator. */
const NOT_PRODUCT = new Set(['test', 'bench', 'simulator', 'scripts']);

export interface ImportLine {
  /** 1-based line of the statement's start. */
  line: number;
  spec: string;
  /** `import type` / `export type`, or every named binding marked `type`: erased at build. */
  typeOnly: boolean;
  kind: 'import' | 'export' | 'dynamic';
}

/** The import and re-export statements of a source text, and its dynamic import('…') calls with a string literal. */
export function importsOf(text: string): ImportLine[] {
  // Blank out comments, keeping line breaks so that line numbers hold. String contents are left
  // alone except that a `//` inside quotes is not taken for a comment.
  const code = text.replace(/\/\*[\s\S]*?\*\/|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\/\/[^\n]*/g, (m, str) =>
    str ? m : m.replace(/[^\n]/g, ' '),
  );
  const lineAt = (i: number) => code.slice(0, i).split('\n').length;
  const out: ImportLine[] = [];
  const statement =
    /^[ \t]*(import|export)\s+(type\s+)?((?:[\w$*\s,]|\{[^}]*\})*?)\s*from\s*(['"])([^'"\n]+)\4|^[ \t]*import\s*(['"])([^'"\n]+)\6/gm;
  for (const m of code.matchAll(statement)) {
    if (m[7] !== undefined) {
      out.push({ line: lineAt(m.index), spec: m[7], typeOnly: false, kind: 'import' });
      continue;
    }
    const clause = m[3]!.trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    const names = braces
      ? braces[1]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
    const allTypes = names.length > 0 && names.every((n) => /^type\s/.test(n));
    out.push({ line: lineAt(m.index), spec: m[5]!, typeOnly: Boolean(m[2]) || allTypes, kind: m[1] as 'import' | 'export' });
  }
  for (const m of code.matchAll(/\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g)) {
    out.push({ line: lineAt(m.index), spec: m[2]!, typeOnly: false, kind: 'dynamic' });
  }
  return out.sort((a, b) => a.line - b.line);
}

interface Edge extends ImportLine {
  /** The importing file, relative to the repo root (posix). */
  file: string;
  /** The imported file, relative to the repo root, for a relative specifier; else undefined. */
  target?: string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) files.push(relative(ROOT, p).split(sep).join('/'));
  }
  return files;
}

const top = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
const describeEdge = (e: Edge) => `${e.file}:${e.line} ${e.typeOnly ? 'import type' : e.kind} '${e.spec}'`;

const edges: Edge[] = sourceFiles(ROOT).flatMap((file) =>
  importsOf(readFileSync(join(ROOT, file), 'utf8')).map((i) => ({
    ...i,
    file,
    target: i.spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), i.spec)) : undefined,
  })),
);
const ours = (e: Edge) => e.target !== undefined;

describe('the import parser', () => {
  it('reads import, export … from, side-effect and dynamic imports, across lines, and ignores comments', () => {
    const text = [
      "import { a, type B } from './a.ts';",
      "import type { C } from '../c.ts';",
      'import {',
      '  type D,',
      '  type E,',
      "} from './de.ts';",
      "import * as f from 'f';",
      "import g, { h } from 'g';",
      "import './side.ts';",
      "export { x } from './x.ts';",
      "export type { Y } from './y.ts';",
      "export * from './z.ts';",
      "// import { no } from './comment.ts';",
      "/* import { no } from './block.ts'; */",
      "const url = 'http://example.com/'; const m = await import('./lazy.ts');",
    ].join('\n');
    expect(importsOf(text).map((i) => [i.line, i.spec, i.typeOnly, i.kind])).toEqual([
      [1, './a.ts', false, 'import'],
      [2, '../c.ts', true, 'import'],
      [3, './de.ts', true, 'import'],
      [7, 'f', false, 'import'],
      [8, 'g', false, 'import'],
      [9, './side.ts', false, 'import'],
      [10, './x.ts', false, 'export'],
      [11, './y.ts', true, 'export'],
      [12, './z.ts', false, 'export'],
      [15, './lazy.ts', false, 'dynamic'],
    ]);
  });

  it('finds the imports of the tree', () => {
    expect(edges.some((e) => e.file === 'workflows/lead.ts' && e.spec === '@temporalio/workflow')).toBe(true);
  });
});

describe('import directions', () => {
  it('api/ imports nothing from activities/', () => {
    const bad = edges.filter((e) => top(e.file) === 'api' && e.target?.startsWith('activities/'));
    expect(bad.map((e) => `${describeEdge(e)}: api/ must not import activities/`)).toEqual([]);
  });

  it('domain/ imports only npm packages and domain/, and no Node built-in', () => {
    const bad = edges.filter((e) => top(e.file) === 'domain' && (ours(e) ? !e.target!.startsWith('domain/') : isBuiltin(e.spec)));
    expect(bad.map((e) => `${describeEdge(e)}: domain/ imports only npm packages and domain/ (workflow code imports it)`)).toEqual([]);
  });

  it('workflows/ imports by value only @temporalio/workflow, workflows/, domain/ and the listed pure files', () => {
    const allowed = (e: Edge) =>
      e.typeOnly ||
      e.spec === '@temporalio/workflow' ||
      (ours(e) && (e.target!.startsWith('workflows/') || e.target!.startsWith('domain/') || WORKFLOW_PURE_FILES.has(e.target!)));
    const bad = edges.filter((e) => top(e.file) === 'workflows' && !allowed(e));
    expect(
      bad.map((e) => `${describeEdge(e)}: workflow code imports by value only @temporalio/workflow, workflows/, domain/ (or import type)`),
    ).toEqual([]);
  });

  it('the pure files workflow code imports import nothing themselves', () => {
    const bad = edges.filter((e) => WORKFLOW_PURE_FILES.has(e.file) && !e.typeOnly);
    expect(bad.map((e) => `${describeEdge(e)}: workflows/ imports this file, which must stay free of imports`)).toEqual([]);
  });

  it('the product never imports simulator/', () => {
    const bad = edges.filter((e) => !NOT_PRODUCT.has(top(e.file)) && top(e.file) !== '.' && e.target?.startsWith('simulator/'));
    expect(bad.map((e) => `${describeEdge(e)}: only test/, bench/, scripts/ may import simulator/`)).toEqual([]);
  });

  it('no import cycle between top-level folders (value imports)', () => {
    const graph = new Map<string, Map<string, Edge>>();
    for (const e of edges) {
      if (!ours(e) || e.typeOnly) continue;
      const [from, to] = [top(e.file), top(e.target!)];
      if (from === to || from === '.' || to === '.') continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, e);
    }
    // Tarjan's strongly connected components: any component of two or more folders is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      for (const w of graph.get(v)?.keys() ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const c: string[] = [];
        let w: string;
        do c.push((w = stack.pop()!));
        while (w !== v);
        if (c.length > 1) cycles.push(c.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    const report = cycles.map((c) => {
      const inCycle = c.flatMap((from) =>
        [...(graph.get(from) ?? [])].filter(([to]) => c.includes(to)).map(([to, e]) => `${from} → ${to} (${describeEdge(e)})`),
      );
      return `cycle between ${c.join(', ')}: ${inCycle.join('; ')}`;
    });
    expect(report).toEqual([]);
  });
});

describe('README', () => {
  it('its Layout names every top-level folder, and no folder that is gone', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = /^## Layout\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const named = new Set([...layout.matchAll(/^([\w.-]+)\/ /gm)].map((m) => m[1]!));
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name))
      .map((e) => e.name);
    expect(folders.filter((f) => !named.has(f)).map((f) => `${f}/ is not in README.md's Layout`)).toEqual([]);
    expect([...named].filter((f) => !folders.includes(f)).map((f) => `README.md's Layout names ${f}/, which does not exist`)).toEqual([]);
  });
});
