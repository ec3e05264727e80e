/** `berth worker`: run an external backend's jobs here, with the built-in simulator. */
import { hostname } from 'node:os';
import { BackendCatalog } from '../../app/backends.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { SimulatorExecutor } from '../../worker/executors/simulator.js';
import { RemoteWorker, WorkerProtocolError } from '../../worker/remote.js';
import { CliError, type Command, EXIT, UsageError, int, str } from '../command.js';

const worker: Command = {
  path: 'worker',
  summary: "run an external backend's jobs in this process (a remote worker)",
  options: {
    backend: { type: 'string', value: 'NAME', description: 'the external backend to serve' },
    key: {
      type: 'string',
      value: 'KEY',
      description: 'a worker key for it (POST /admin/keys with worker_backends); default --token',
    },
    name: {
      type: 'string',
      value: 'NAME',
      description: "this worker's name, unique per process (default HOST-PID)",
    },
    jobs: {
      type: 'string',
      value: 'N',
      description: 'exit after N jobs (default: run until stopped)',
    },
  },
  details:
    'Leases jobs of --backend from the server at --url, runs each with the built-in simulator, ' +
    'heartbeats while it runs and settles its result. The backend is simulated from its ' +
    "definition in this machine's configuration (BERTH_CONFIG), as the server would. " +
    'SIGTERM or Ctrl-C stops leasing; the job in progress finishes first. The protocol is in ' +
    'docs/workers.md, for workers in other languages.',
  examples: [
    'berth worker --backend lab_device --url http://berth:8000 --key $WORKER_KEY',
    'berth worker --backend lab_device --jobs 1',
  ],
  async run(ctx) {
    const backendName = str(ctx, 'backend');
    if (!backendName) throw new UsageError('--backend NAME is required');
    const key = str(ctx, 'key') ?? ctx.settings().token;
    if (!key) throw new UsageError('--key KEY is required (or --token / BERTH_TOKEN)');
    let config;
    try {
      config = loadConfig();
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(EXIT.usage, e.message);
      throw e;
    }
    const backend = config.backends.find((b) => b.name === backendName);
    if (!backend)
      throw new UsageError(
        `backend ${backendName} is not in this machine's configuration (BERTH_CONFIG); its backends: ${config.backends.map((b) => b.name).join(', ')}`,
      );
    const executor = new SimulatorExecutor(
      new BackendCatalog([{ backend, configuration: '{}', properties: '{}' }]),
      config.simulatorThreads,
    );
    const maxJobs = int(ctx, 'jobs', 1, 1_000_000);
    const remote = new RemoteWorker({
      url: ctx.settings().url,
      key,
      backend: backendName,
      name: str(ctx, 'name') ?? `${hostname()}-${process.pid}`,
      executor,
      ...(maxJobs !== undefined ? { maxJobs } : {}),
      log: (line) => ctx.io.err(`berth worker: ${line}\n`),
    });
    const stop = (): void => remote.stop();
    process.once('SIGTERM', stop);
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      ctx.io.err(`berth worker: serving ${backendName} at ${ctx.settings().url}\n`);
      const n = await remote.run();
      ctx.io.err(`berth worker: stopped after ${n} job(s)\n`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof WorkerProtocolError) throw new CliError(EXIT.auth, e.message);
      throw e;
    } finally {
      process.off('SIGTERM', stop);
      await executor.close();
    }
  },
};

export const workerCommands: readonly Command[] = [worker];
