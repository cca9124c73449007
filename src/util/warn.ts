/** The default destination of a warning: one `srcaco: warning:` line on stderr (commands take a hook to redirect it). */
export function warnOnStderr(message: string): void {
  process.stderr.write(`srcaco: warning: ${message}\n`);
}
