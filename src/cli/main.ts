#!/usr/bin/env node
/**
 * The `berth` command: `berth serve` runs the server; every other command is a client of a
 * server through the SDK (src/client). See `berth --help` and docs/cli.md.
 */
import { runCli } from './program.js';

// The CLI's own settings (BERTH_URL, BERTH_TOKEN, BERTH_INSTANCE, BERTH_CONFIG_FILE, XDG_CONFIG_HOME,
// HOME, COLUMNS), read once here and passed down. The server's configuration is read in src/config.
// eslint-disable-next-line no-restricted-properties
const env = process.env;

const abort = new AbortController();

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const isServe = process.argv[2] === 'serve';
if (!isServe) {
  // Ctrl-C during a wait or watch: clear the progress line (abort listeners), exit 130.
  process.on('SIGINT', () => {
    abort.abort();
    process.exit(130);
  });
  // `berth jobs list | head`: a closed pipe is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
}

runCli(process.argv.slice(2), {
  io: {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stdout.columns || Number(env.COLUMNS) || 80,
    errColumns: process.stderr.columns || Number(env.COLUMNS) || 80,
    env,
    readStdin,
  },
  signal: abort.signal,
  // Imported only for `berth serve`: the server's modules take most of a client command's start.
  serve: async (args) => (await import('./serve.js')).serve(args),
}).then(
  (code) => {
    // The server ends by itself once stopped; a client command exits once stdout is flushed
    // (the SDK's keep-alive connections would otherwise hold the process for a while).
    if (isServe) {
      if (code !== 0) process.exit(code);
    } else process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`berth: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
