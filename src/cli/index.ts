import { Command, CommanderError } from 'commander';
import { EXIT_INTERRUPTED, isSrcacoError } from '../errors.js';
import { commands } from './commands.js';

/** Builds the `srcaco` program with every registered command. */
export function buildProgram(): Command {
  const program = new Command('srcaco')
    .description('Super-resolution of confocal fluorescence microscopy (SR-CACO-2)')
    .version('0.1.0')
    .allowExcessArguments(false)
    .exitOverride();
  for (const register of commands) register(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/**
 * Runs the CLI; user errors print one line and exit 1 (an interrupted command, EXIT_INTERRUPTED), help/version exit 0. A RangeError is a library
 * function refusing a value the user chose (a size, a count), so it is one line too; other errors are bugs
 * and keep their stack trace.
 */
export async function main(argv: string[], program: Command = buildProgram()): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (or the help)
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (isSrcacoError(e) || e instanceof RangeError) {
      process.stderr.write(`srcaco: ${e.message}\n`);
      return isSrcacoError(e) && e.kind === 'interrupted' ? EXIT_INTERRUPTED : 1;
    }
    throw e;
  }
}
