/**
 * Records workflow histories for the replay test:
 *   npx tsx test/histories/record-history.ts <workflowId> <name>   -> test/histories/<name>.json
 * (SERFLOW_STACK_CONFIG picks the server.) Record from a real run of the current workflows; the
 * replay test then fails whenever a change to workflow code would break the determinism of
 * executions already in flight.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackSettings } from '../../infra/stack-settings';
import { temporalCli } from '../../infra/paths';

const [workflowId, name] = process.argv.slice(2);
if (!workflowId || !name) {
  process.stderr.write('usage: record-history.ts <workflowId> <name>\n');
  process.exit(2);
}
const settings = loadStackSettings();
const json = execFileSync(temporalCli(), ['workflow', 'show', '--address', settings.temporal.address, '--namespace', settings.temporal.namespace, '-w', workflowId, '-o', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
writeFileSync(join(__dirname, `${name}.json`), json);
const indexFile = join(__dirname, 'index.json');
const index = existsSync(indexFile) ? (JSON.parse(readFileSync(indexFile, 'utf8')) as Record<string, string>) : {};
index[`${name}.json`] = workflowId;
writeFileSync(indexFile, JSON.stringify(index, Object.keys(index).sort(), 2) + '\n');
process.stderr.write(`recorded ${workflowId} as ${name}.json (${json.length} bytes)\n`);
