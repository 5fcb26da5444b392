// ESLint (flat config): `npm run lint`, also run by `npm test` (test/unit/lint.test.ts).
// typescript-eslint's recommended rules on every .ts file, typed where a rule needs types; the
// Temporal TypeScript samples' workflow rule (no Node built-in in workflow code, which runs in
// Temporal's deterministic sandbox); short functions in workflows/ and activities/. Formatting is
// Prettier's (.prettierrc), so no stylistic rule here. Import directions between folders are
// checked by test/unit/imports.test.ts.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// As in temporalio/samples-typescript's .eslintrc: every Node built-in, as `x` and `node:x`,
// except `assert`, which the workflow sandbox provides.
const ALLOWED_NODE_BUILTINS = new Set(['assert']);
const workflowRestrictedImports = builtinModules.filter((m) => !ALLOWED_NODE_BUILTINS.has(m)).flatMap((m) => [m, `node:${m}`]);
// A cast to never passes any value anywhere: a type hole that hides real mismatches (issue 16).
const noNeverCasts = [
  { selector: 'TSAsExpression > TSNeverKeyword.typeAnnotation', message: 'No `as never`: give the value its real type.' },
  { selector: 'TSTypeAssertion > TSNeverKeyword.typeAnnotation', message: 'No `<never>` assertion: give the value its real type.' },
];

export default defineConfig(
  {
    ignores: ['node_modules/', '.data/', '.scratch/', 'coverage/', '**/fixtures/'],
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An activity or workflow call that is not awaited loses its failure (the samples' rule).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      'no-restricted-syntax': ['error', ...noNeverCasts],
    },
  },
  {
    // Declarations for untyped CommonJS packages: their listeners take whatever the package emits.
    files: ['types/**/*.d.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The operator console's scripts run in the browser, with uPlot loaded by a script tag.
    files: ['console/**/*.js'],
    languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } },
  },
  {
    // Workflow code, and domain/ which it imports: bundled into Temporal's workflow sandbox.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', ...workflowRestrictedImports],
    },
  },
  {
    // The workflow bundle's modules are evaluated once per worker thread and shared by every
    // workflow (worker/create.ts PRELOADED_MODULES): module-level state would leak between
    // workflows and break replay. Constants and functions only.
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'callbacks/contract.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...noNeverCasts,
        {
          selector: 'Program > VariableDeclaration[kind!="const"], Program > ExportNamedDeclaration > VariableDeclaration[kind!="const"]',
          message: 'No module-level let/var in workflow-bundle code: every workflow shares the module.',
        },
        {
          selector:
            ':matches(Program > VariableDeclaration, Program > ExportNamedDeclaration > VariableDeclaration) > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet|Array)$/]',
          message: 'No module-level Map/Set/Array in workflow-bundle code: every workflow shares the module.',
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
);
