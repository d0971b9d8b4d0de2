/**
 * The serflow command line. Each command lives in its own module; this file parses the command
 * line, runs the command, and maps errors to exit codes and one clear message.
 */
import { parseArgs } from 'node:util';
import { InputError } from '../compute/errors';
import { StackError } from '../infra/stack/stack';
import { redactText } from '../logging/redact';
import { ExitCode } from './exit-codes';
import { stackCommand } from './stack-command';

const USAGE = `usage: serflow <command> [options]

commands:
  stack up|down|status     start, stop or show the embedded Temporal dev server and MLflow server

options:
  --json                   machine-readable output
  -h, --help               this text
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  const json = values.json === true;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? ExitCode.ok : ExitCode.badInput;
  }
  switch (command) {
    case 'stack':
      return stackCommand(rest[0], json);
    default:
      process.stderr.write(`serflow: unknown command '${command}'\n\n${USAGE}`);
      return ExitCode.badInput;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = redactText(err instanceof Error ? err.message : String(err));
    process.stderr.write(`serflow: error: ${message}\n`);
    if (process.env.SERFLOW_DEBUG && err instanceof Error && err.stack) process.stderr.write(redactText(err.stack) + '\n');
    process.exit(err instanceof InputError ? ExitCode.badInput : err instanceof StackError ? ExitCode.stackUnavailable : ExitCode.failed);
  },
);
