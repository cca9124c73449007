/**
 * The one error type a user sees. Its message says what was wrong, with which file or option,
 * and what to do; the CLI prints it as one line and exits non-zero.
 */
export type SrcacoErrorKind =
  | 'usage' // a bad option or argument
  | 'input' // a file that is missing, malformed or of the wrong kind
  | 'output' // a destination that cannot be written or would be overwritten
  | 'data' // data that is valid but inconsistent (sizes, ids, splits)
  | 'runtime' // a failure while computing (NaN loss, backend error)
  | 'internal' // a bug in srcaco
  | 'interrupted'; // stopped by a signal with its state saved: running the same command with --resume continues it

/**
 * The exit status of a command that an `interrupted` error ends (BSD's EX_TEMPFAIL, "try again later"): a Slurm
 * batch script tells "checkpointed, requeue me" from a failure by it.
 */
export const EXIT_INTERRUPTED = 75;

export interface SrcacoErrorOptions {
  /** The file at fault, if any. */
  path?: string;
  /** The option at fault, if any (e.g. `--scale`). */
  option?: string;
  cause?: unknown;
}

export class SrcacoError extends Error {
  override readonly name = 'SrcacoError';
  readonly kind: SrcacoErrorKind;
  readonly path?: string;
  readonly option?: string;

  constructor(kind: SrcacoErrorKind, message: string, options: SrcacoErrorOptions = {}) {
    // One line, whatever the message quotes (JSON.parse's messages quote the text around the fault, newlines included).
    const line = message.replace(/\s*[\r\n]+\s*/g, ' ');
    super(options.path ? `${options.path}: ${line}` : line, { cause: options.cause });
    this.kind = kind;
    this.path = options.path;
    this.option = options.option;
  }
}

/** Whether `e` is an error meant for the user (as opposed to a bug). */
export function isSrcacoError(e: unknown): e is SrcacoError {
  return e instanceof SrcacoError;
}
