import type { Command } from 'commander';
import { register as simulate } from './simulate.js';

/** Each command file exports one `register(program)`; the list below is the CLI. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [simulate];
