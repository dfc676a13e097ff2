// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Modules a workflow may never import: Node built-ins, ML, database and I/O libraries. */
const WORKFLOW_FORBIDDEN = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'worker_threads',
  '@tensorflow/*', '@energetic-ai/*', '@duckdb/*', '@electric-sql/*', 'pg', 'drizzle-orm', 'drizzle-orm/*',
  '@temporalio/activity', '@temporalio/worker', '@temporalio/client',
  '../core/*', '../artifacts/*', '../registry/*', '../workers/*', '../cli/*',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**', 'node_modules/**', 'scratch/**', 'coverage/**', '.tools/**', '.distillery/**', 'migrations/**',
      'drizzle.config.ts', '*.config.js', 'bench/.venv*/**', 'bench/data/**', 'models/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: WORKFLOW_FORBIDDEN }],
      // Activities are referenced by type only; their code must never enter the workflow bundle.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../activities', '../activities/*'], allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
