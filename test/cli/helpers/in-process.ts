// The CLI run in-process (no child process): its exit code and what it wrote to stderr.
import { main } from '../../../src/cli/index.js';

/** Runs `srcaco <argv>` through `main`, capturing stderr. */
export async function cli(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}
