/**
 * The one pino root logger. Secrets are redacted from every record. Children bind context
 * (sweep, workflow, run, activity, attempt).
 *
 * Where records go:
 * - SERFLOW_LOG_FILE (the CLI sets it to <state>/logs/serflow.log): every record at
 *   SERFLOW_LOG_LEVEL (default info), as JSON lines, appended by every serflow process.
 * - stderr: JSON lines at the same level, for files and log shippers; on a terminal (or with
 *   SERFLOW_LOG_PRETTY=1) pretty single lines instead, and when a log file takes the records
 *   only warnings and errors, so that info records do not break up the progress view.
 *   SERFLOW_LOG_PRETTY=0 keeps JSON on a terminal.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import pretty from 'pino-pretty';
import { redactText, redactValue } from './redact';

export type Logger = pino.Logger;

function createRootLogger(): Logger {
  const level = process.env.SERFLOW_LOG_LEVEL ?? 'info';
  const terminal = process.stderr.isTTY === true;
  const human = process.env.SERFLOW_LOG_PRETTY === '1' || (process.env.SERFLOW_LOG_PRETTY !== '0' && terminal);
  const file = process.env.SERFLOW_LOG_FILE;
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'serflow' },
    // Redaction runs on the whole record, including messages and nested error text.
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : redactValue(a))) as Parameters<typeof method>;
        return method.apply(this, redacted);
      },
    },
    serializers: {
      err: (err: Error) => redactValue(pino.stdSerializers.err(err)) as pino.SerializedError,
    },
  };
  const streams: pino.StreamEntry[] = [];
  // Synchronous writes: the CLI ends with process.exit, which would drop a buffered tail.
  if (file) streams.push({ level: level as pino.Level, stream: pino.destination({ dest: file, mkdir: true, append: true, sync: true }) });
  const stderrLevel = file && human && pino.levels.values[level]! < pino.levels.values.warn! ? 'warn' : level;
  const stderr = human
    ? pretty({
      // On a terminal a record first clears the line: the progress line redrawn there (cli/launch/follow-workflow.ts) goes below it.
      destination: terminal ? new Writable({ write(chunk, _encoding, done) { writeSync(2, '\r\x1b[K'); writeSync(2, chunk as Buffer); done(); } }) : 2,
      sync: true, colorize: terminal, singleLine: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app',
      // `error` fields are strings here: kept on the record's line, not printed as a stack below it.
      errorLikeObjectKeys: ['err'],
    })
    : pino.destination({ dest: 2, sync: true });
  streams.push({ level: stderrLevel as pino.Level, stream: stderr });
  return pino(options, pino.multistream(streams));
}

export const logger: Logger = createRootLogger();
