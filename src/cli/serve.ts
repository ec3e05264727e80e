/** `berth serve`: start the server and shut it down gracefully on SIGTERM/SIGINT. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, describeDb, isPostgresUrl, loadConfig } from '../config/config.js';
import { createRuntime } from '../runtime.js';

export async function serve(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write(`berth serve takes no arguments (configure with BERTH_* variables)\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`berth: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (config.db !== ':memory:' && !isPostgresUrl(config.db))
    mkdirSync(dirname(config.db), { recursive: true });
  const runtime = await createRuntime(config);
  const { generatedApiKey } = await runtime.start();
  if (generatedApiKey) {
    // Shown once, on the terminal, never in the JSON log: only its hash is stored.
    process.stderr.write(
      `\nNo BERTH_API_KEY was set: generated an admin API key. It is shown only this once:\n\n    ${generatedApiKey}\n\n` +
        `Every example of the README and docs/ reads it as BERTH_TOKEN:\n\n    export BERTH_TOKEN=${generatedApiKey}\n\n`,
    );
  } else if (!config.apiKey) {
    process.stderr.write(
      `berth: using the administrator keys already in ${describeDb(config.db)} (only their hashes are kept).\n` +
        `berth: lost the key? Start with BERTH_API_KEY=<a new key of 16 or more characters> to add one; with an admin key, berth keys create NAME --admin makes more.\n`,
    );
  }
  const address = await runtime.listen();
  runtime.log.info(
    {
      address,
      db: describeDb(config.db),
      node: config.nodeId,
      backends: config.backends.map((b) => b.name),
    },
    'berth is listening',
  );

  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: string): void => {
      if (signalled) {
        process.stderr.write(`berth: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      signalled = true;
      runtime.log.info({ signal }, 'signal received');
      runtime.stop().then(resolve, (err: unknown) => {
        runtime.log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  return 0;
}
