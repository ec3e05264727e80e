/** Every client command, in the order `berth --help` lists them. */
import type { Command } from '../command.js';
import { backendCommands } from './backends.js';
import { jobCommands } from './jobs.js';
import { keyCommands } from './keys.js';
import { loginCommands } from './login.js';
import { runCommands } from './run.js';
import { sessionCommands } from './sessions.js';
import { workerCommands } from './worker.js';

export const COMMANDS: readonly Command[] = [
  ...loginCommands,
  ...runCommands,
  ...backendCommands,
  ...sessionCommands,
  ...jobCommands,
  ...keyCommands,
  ...workerCommands,
];
