// Lint keeps the layering of the README true: workflows stay deterministic and sandbox-safe,
// and every folder imports only the floors below it (LAYERS). An import that runs upward fails.
import tseslint from 'typescript-eslint';

/**
 * What each folder may NOT import (the folders above it). From the ground up:
 *   foundation  errors, the logger interface, small shared types
 *   compute     the pure compute library            logging   the pino root
 *   configs     schemas and loaders                 tracking  the MLflow client
 *   store       the artifact store
 *   infra       set-up, the stack, Temporal connections
 *   activities  thin adapters
 *   workflows   orchestration (type imports of what it calls)   report   the report
 *   composition the program's wiring
 *   cli         the serflow command                 bench     benchmarks
 */
const ABOVE = {
  foundation: ['compute', 'logging', 'configs', 'tracking', 'store', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  compute: ['logging', 'configs', 'tracking', 'store', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  logging: ['compute', 'configs', 'tracking', 'store', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  configs: ['logging', 'tracking', 'store', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  tracking: ['compute', 'configs', 'store', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  store: ['configs', 'infra', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  infra: ['tracking', 'store', 'activities', 'workflows', 'report', 'composition', 'cli', 'bench'],
  activities: ['infra', 'workflows', 'report', 'composition', 'cli', 'bench'],
  report: ['infra', 'activities', 'workflows', 'composition', 'cli', 'bench'],
  composition: ['report', 'cli', 'bench'],
  cli: ['bench'],
};

const upward = (folder) => ABOVE[folder].flatMap((f) => [`../${f}`, `../${f}/**`, `../../${f}`, `../../${f}/**`, `../../../${f}/**`]);
const layerMessage = (folder) => `${folder}/ imports only the floors below it (README, Layout): pass the dependency in instead.`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'test/output/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...Object.keys(ABOVE).map((folder) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: upward(folder), message: layerMessage(folder) },
          ...(folder === 'compute' || folder === 'foundation'
            ? [{ group: ['@temporalio/*'], message: `${folder}/ knows nothing of Temporal or MLflow.` }]
            : []),
        ],
      }],
    },
  })),
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto'], message: 'Workflows are deterministic: no Node built-ins.' },
          { group: ['@tensorflow/*', 'pino', 'pino-*'], message: 'Workflows only orchestrate: no tfjs, no logger (use workflow.log).' },
          { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow.' },
          { group: ['../report', '../report/**', '../composition', '../composition/**', '../cli', '../cli/**', '../bench/**'], message: layerMessage('workflows') },
        ],
      }],
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['../activities/*', '../activities'], allowTypeImports: true, message: 'Import activities as types only (proxyActivities<typeof ...>).' },
          { group: ['../compute/*', '../compute/**', '../store/*', '../tracking/*', '../infra/*', '../logging/*'], allowTypeImports: true, message: 'Workflows do no compute or I/O; call activities (type imports are fine).' },
        ],
      }],
    },
  },
);
