/**
 * `serflow dashboard` as its own process, for tests: runs cli/commands/dashboard-command.ts's
 * dashboardCommand with `<id> [--json] [--port N]` and exits with its code, so a test can send it
 * SIGTERM as a user's Ctrl-C would end it. (bin/serflow dashboard does the same through cli/main.ts.)
 *   node --import tsx test/support/dashboard-command-process.ts <id> [--json] [--port N]
 */
import { parseArgs } from 'node:util';
import { dashboardCommand } from '../../cli/commands/dashboard-command';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean' }, port: { type: 'string' } } });
dashboardCommand(positionals[0] ?? '', { json: values.json === true, ...(values.port === undefined ? {} : { port: Number(values.port) }) }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`serflow: error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
