import type { Command } from 'commander';

/** Each command file exports one `register(program)`; the list below is the CLI. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
