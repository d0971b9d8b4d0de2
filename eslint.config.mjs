// Lint keeps the three rings honest: workflows stay deterministic and sandbox-safe, and the
// compute library knows nothing of Temporal or MLflow.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'test/output/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto'], message: 'Workflows are deterministic: no Node built-ins.' },
          { group: ['@tensorflow/*', 'pino', 'pino-*'], message: 'Workflows only orchestrate: no tfjs, no logger (use workflow.log).' },
          { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow.' },
        ],
      }],
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['../activities/*', '../activities'], allowTypeImports: true, message: 'Import activities as types only (proxyActivities<typeof ...>).' },
          { group: ['../compute/*', '../store/*', '../tracking/*', '../infra/*', '../logging/*'], allowTypeImports: true, message: 'Workflows do no compute or I/O; call activities (type imports are fine).' },
        ],
      }],
    },
  },
  {
    files: ['compute/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/*', '../tracking/*', '../../tracking/*', '../activities/*', '../../activities/*'], message: 'The compute library knows nothing of Temporal or MLflow.' }],
      }],
    },
  },
);
