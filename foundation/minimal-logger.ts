/**
 * The only logging surface of tracking/ and store/: an optional parameter, so these modules have
 * no logging side effects of their own. A pino logger (or a child of one) satisfies it as is.
 */
export interface MinimalLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}
