#!/usr/bin/env node
/**
 * The `berth` command. Subcommands parse arguments and call into the runtime; nothing else.
 */
import { serve } from './serve.js';
import { VERSION } from '../version.js';

const USAGE = `berth ${VERSION} — a self-hostable Qiskit Runtime service

Usage:
  berth serve        start the server (API, scheduler and simulator workers)
  berth --version    print the version

Configuration is read from the environment (BERTH_HOST, BERTH_PORT, BERTH_DB, BERTH_API_KEY,
BERTH_CONFIG, BERTH_LOG_LEVEL, …); see the README.`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case '--help':
    case 'help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`berth: unknown command ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`berth: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
