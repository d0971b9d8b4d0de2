/**
 * The one pino root logger. JSON lines by default (for files and log shippers); pretty when
 * stderr is a terminal or SERFLOW_LOG_PRETTY=1. Secrets are redacted from every record.
 * Children bind context (sweep, workflow, run, activity, attempt).
 */
import pino from 'pino';
import { redactText, redactValue } from './redact';

export type Logger = pino.Logger;

function createRootLogger(): Logger {
  const pretty = process.env.SERFLOW_LOG_PRETTY === '1' || (process.env.SERFLOW_LOG_PRETTY !== '0' && process.stderr.isTTY === true);
  const options: pino.LoggerOptions = {
    level: process.env.SERFLOW_LOG_LEVEL ?? 'info',
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
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss' } } });
  }
  return pino(options, pino.destination(2));
}

export const logger: Logger = createRootLogger();
