/**
 * The long-lived Python process that answers Optuna requests (optuna_study.py beside this file):
 * one JSON request per line on its stdin, one JSON answer per line on its stdout, one request at
 * a time. Starting Python and importing Optuna costs about 2 s (7-10 s on a loaded machine), so
 * a process per request made every ask, report and tell of a trial cost seconds; one process per
 * worker makes them milliseconds.
 *
 * The process is started on the first request and again after it died (the request in flight
 * then fails with a plain Error, which the caller's retry policy retries: every operation is
 * idempotent). It is unreferenced while idle, so it never keeps a finished Node process alive,
 * and it ends by itself when its stdin closes (this process exiting, even by SIGKILL).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const answerSchema = z.union([
  z.object({ id: z.number(), ok: z.unknown() }),
  /** `bad`: the request itself is wrong (retrying cannot help). */
  z.object({ id: z.number(), error: z.string(), bad: z.boolean() }),
]);

/** A request the Python side refused as wrong: the caller turns it into an InputError. */
export class OptunaBadRequest extends Error {}

interface Pending {
  id: number;
  line: string;
  resolve: (answer: unknown) => void;
  reject: (err: Error) => void;
}

export class OptunaProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private nextId = 1;
  private stderrTail: string[] = [];

  constructor(private readonly python: string, private readonly script: string) {}

  /** The Python process's pid while it runs (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends one request; resolves with its answer's `ok` part. */
  request(body: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, line: JSON.stringify({ ...body, id }) + '\n', resolve, reject });
      this.pump();
    });
  }

  /**
   * Lets the process end (its stdin closes; it exits by itself) when no request is pending, and
   * does nothing otherwise. A later request starts a new one. For a command that is done with
   * the storage but keeps running.
   */
  close(): void {
    if (this.inFlight || this.queue.length > 0 || !this.child) return;
    const child = this.child;
    this.child = undefined;
    child.stdin.end();
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) {
      if (!this.inFlight) this.setReferenced(false);
      return;
    }
    const child = this.child ?? this.start();
    this.inFlight = this.queue.shift() as Pending;
    this.setReferenced(true);
    child.stdin.write(this.inFlight.line);
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.python, [this.script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stderrTail = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.answer(line));
    child.on('error', (err) => this.died(child, `cannot run ${this.python} (${err.message}). Fix: run \`npm run setup\` (it installs optuna into the venv).`));
    child.on('close', (code, signal) => {
      const missing = this.stderrTail.some((l) => /No module named 'optuna'/.test(l)) ? ' Fix: run `npm run setup` (it installs optuna into the venv).' : '';
      this.died(child, `the Optuna process exited (${signal ?? `code ${code}`}): ${this.stderrTail.slice(-3).join(' | ')}${missing}`);
    });
    // A write after the process died: reported by 'close'.
    child.stdin.on('error', () => undefined);
    return child;
  }

  private answer(line: string): void {
    const pending = this.inFlight;
    if (!pending) return;
    let parsed: z.infer<typeof answerSchema>;
    try {
      parsed = answerSchema.parse(JSON.parse(line));
    } catch (err) {
      this.inFlight = undefined;
      pending.reject(new Error(`unexpected answer from the Optuna process (${(err as Error).message.slice(0, 200)}): ${line.slice(0, 300)}`));
      this.pump();
      return;
    }
    if (parsed.id !== pending.id) return; // an answer to a request whose process was replaced
    this.inFlight = undefined;
    if ('error' in parsed) pending.reject(parsed.bad ? new OptunaBadRequest(parsed.error) : new Error(parsed.error));
    else pending.resolve(parsed.ok);
    this.pump();
  }

  private died(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const pending = this.inFlight;
    this.inFlight = undefined;
    pending?.reject(new Error(reason));
    this.pump();
  }

  /** Referenced only while a request is in flight: an idle process never holds Node's event loop open. */
  private setReferenced(referenced: boolean): void {
    const child = this.child;
    if (!child) return;
    const handles = [child, child.stdout, child.stderr, child.stdin] as unknown as { ref?: () => void; unref?: () => void }[];
    for (const handle of handles) (referenced ? handle.ref : handle.unref)?.call(handle);
  }
}
