/**
 * The composition root: wires configuration, store, services, scheduler, worker and the HTTP
 * server. `start()` prepares (instances, admin key, recovery) and starts the scheduler; `listen()`
 * opens the port; `stop()` shuts down gracefully (stop accepting, let executions finish or time
 * out, stop the scheduler, close the database).
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createAuthService } from './app/auth.js';
import { buildConfiguration, buildProperties } from './app/backend-documents.js';
import { BackendCatalog, createBackendService } from './app/backends.js';
import { EventFeed } from './app/event-feed.js';
import { Events } from './app/events.js';
import { createExecution } from './app/execution.js';
import { createJobService } from './app/jobs.js';
import { createOpsService } from './app/ops.js';
import type { Executor, Logger, Store } from './app/ports.js';
import { Scheduler } from './app/scheduler/scheduler.js';
import { createSessionService } from './app/sessions.js';
import { createUsageService } from './app/usage.js';
import { createWebhookService } from './app/webhooks.js';
import { createWorkerService } from './app/workers.js';
import { hostOf, resolveTarget } from './webhooks/targets.js';
import type { ResolvedConfig } from './config/config.js';
import { type Clock, systemClock } from './domain/clock.js';
import { toWireEvent } from './http/schemas/event.js';
import { createAccountService } from './app/accounts.js';
import { buildServer } from './http/server.js';
import type { Services } from './http/services.js';
import * as keys from './security/keys.js';
import { openStore } from './storage/open.js';
import { SimulatorExecutor } from './worker/executors/simulator.js';
import { createProgramRegistry } from './worker/programs.js';
import { httpSender } from './webhooks/http-sender.js';
import { Worker } from './worker/worker.js';
import { VERSION } from './version.js';

/** How long stop() lets open HTTP connections finish before it cuts them. */
const HTTP_CLOSE_GRACE_MS = 2000;

export interface RuntimeOptions {
  readonly clock?: Clock;
  /** Replace the simulator (tests use a controllable executor). */
  readonly executor?: (catalog: BackendCatalog) => Executor;
  /** false: the scheduler only runs when tick() is called (tests with a manual clock). */
  readonly autoRun?: boolean;
  /** A pino logger; default: JSON to stdout at the configured level. */
  readonly logger?: pino.Logger;
}

export interface Runtime {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly scheduler: Scheduler;
  readonly worker: Worker;
  readonly services: Services;
  readonly events: Events;
  readonly catalog: BackendCatalog;
  readonly log: pino.Logger;
  /** Sync instances, ensure the admin key, start the scheduler. Returns a generated admin key. */
  start(): Promise<{ generatedApiKey: string | null }>;
  /** Listen on the configured host and port; returns the address. */
  listen(): Promise<string>;
  stop(): Promise<void>;
}

export async function createRuntime(
  config: ResolvedConfig,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? pino({ level: config.logLevel, base: { service: 'berth' } });
  const store = await openStore(config.db, {
    synchronous: config.dbSynchronous,
    clock,
    nodeId: config.nodeId,
  });
  const events = new Events((err) => log.error({ err }, 'event listener failed'));
  const instances = new Map(config.instances.map((i) => [i.id, i]));
  const started = clock.now().toISOString();
  const catalog = new BackendCatalog(
    config.backends.map((b) => {
      const ref = config.references[b.name] ?? null;
      return {
        backend: b,
        configuration: JSON.stringify(buildConfiguration(b, ref?.configuration ?? null, started)),
        properties: JSON.stringify(buildProperties(b, ref?.properties ?? null, started)),
      };
    }),
  );

  let scheduler: Scheduler | null = null;
  // Waiting worker lease requests (app/workers.ts) wake on any change, here or on another node.
  const changeListeners = new Set<() => void>();
  const onChange = (fn: () => void): (() => void) => {
    changeListeners.add(fn);
    const offRemote = store.onRemoteChange(() => fn());
    return () => {
      changeListeners.delete(fn);
      offRemote();
    };
  };
  const onBackendChanged = (backend: string): void => {
    scheduler?.nudge(backend);
    for (const fn of changeListeners) fn();
  };
  const execution = createExecution({
    store,
    clock,
    policy: config.ttl,
    onBackendChanged,
    handoff: {
      leaseFor: (backend) => scheduler?.handoffSlot(backend) ?? null,
      run: (job) => scheduler?.runHandedOff(job),
    },
  });
  const executor =
    options.executor?.(catalog) ??
    new SimulatorExecutor(catalog, config.simulatorThreads, (backend, id) =>
      store.getCalibration(backend, id),
    );
  const worker = new Worker({ executor, execution, log: log as Logger });
  const sessions = createSessionService({
    store,
    clock,
    policy: config.ttl,
    backends: catalog,
    instances,
    newId: keys.newId,
    onBackendChanged,
  });
  scheduler = new Scheduler({
    store,
    clock,
    execution,
    sessions,
    backends: catalog,
    runner: worker,
    events,
    log: log as Logger,
    autoRun: options.autoRun ?? true,
    pollIntervalMs: 1000,
    nodeId: config.nodeId,
    leaseMs: config.leaseMs,
    version: VERSION,
  });
  const secret = await store.ensureSecret('token_signing_key', keys.newSecret);
  const auth = createAuthService({
    store,
    clock,
    instances,
    defaultInstanceId: config.defaultInstanceId,
    externalBackends: config.backends.filter((b) => b.executor === 'external').map((b) => b.name),
    crypto: {
      ...keys,
      signToken: (claims) => keys.signToken(claims, secret),
      verifyToken: (token, now) => keys.verifyToken(token, secret, now),
    },
  });
  const sched = scheduler;
  const feed = new EventFeed({ store, log: log as Logger });
  const programs = createProgramRegistry(catalog);
  const jobService = createJobService({
    store,
    clock,
    policy: config.ttl,
    backends: catalog,
    instances,
    programs,
    execution,
    newId: keys.newId,
    defaultCostSeconds: config.defaultCostSeconds,
    onBackendChanged,
    runner: worker,
  });
  const views = { job: jobService.view, session: sessions.view };
  const webhooks = createWebhookService({
    webhooks: store.webhooks(),
    store,
    clock,
    log: log as Logger,
    sender: httpSender(clock, `Berth/${VERSION} (webhooks)`, config.webhooks.allow),
    targetRefusal: (url) =>
      resolveTarget(hostOf(new URL(url)), config.webhooks.allow).then(
        () => null,
        (e: Error) => e.message,
      ),
    newId: keys.newId,
    newSecret: keys.newSecret,
    render: (e) => JSON.stringify(toWireEvent(e, views)),
    policy: config.webhooks,
    nodeId: config.nodeId,
  });
  let stopping = false;
  let pruneTimer: NodeJS.Timeout | null = null;
  const prune = async (): Promise<void> => {
    const before = new Date(clock.now().getTime() - config.eventRetentionHours * 3_600_000);
    const n = await store.pruneEvents(before);
    if (n > 0) log.info({ events: n }, 'pruned old events');
  };
  const backendService = createBackendService({
    store,
    catalog,
    clock,
    onBackendChanged,
    hash: keys.digest,
  });
  const services: Services = {
    auth,
    sessions,
    jobs: jobService,
    backends: backendService,
    usage: createUsageService({ store, clock, instances }),
    accounts: createAccountService({
      instances: config.instances,
      backendNames: () => catalog.all().map((e) => e.backend.name),
    }),
    ops: createOpsService({
      store,
      clock,
      notReady: () =>
        stopping || sched.currentState === 'stopping' || sched.currentState === 'stopped'
          ? 'it is shutting down'
          : sched.currentState === 'created'
            ? 'it is starting'
            : sched.problem,
    }),
    events,
    feed,
    webhooks,
    workers: createWorkerService({
      store,
      clock,
      execution,
      backends: catalog,
      leaseMs: config.leaseMs,
      programs,
      calibrations: backendService,
      onChange,
    }),
  };
  const app = await buildServer({
    sseHeartbeatMs: config.sseHeartbeatMs,
    corsOrigins: config.corsOrigins,
    limits: config.limits,
    services,
    bodyLimitBytes: config.bodyLimitBytes,
    logger: log,
    version: VERSION,
    publicUrl: config.publicUrl,
    ...(config.dashboardDir ? { dashboardDir: config.dashboardDir } : {}),
  });

  return {
    config,
    store,
    app,
    scheduler: sched,
    worker,
    services,
    events,
    catalog,
    log,
    async start() {
      await store.syncInstances(config.instances);
      await services.backends.syncCalibrations();
      const generatedApiKey = await auth.ensureAdminKey(config.apiKey);
      await feed.start();
      await prune();
      // Housekeeping only: a missed run just leaves older events a little longer.
      pruneTimer = setInterval(() => {
        prune().catch((err: unknown) => log.error({ err }, 'pruning events failed'));
      }, 600_000).unref();
      await sched.start();
      webhooks.start();
      return { generatedApiKey };
    },
    async listen() {
      return app.listen({ host: config.host, port: config.port });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info({}, 'shutting down');
      // Requests in flight get their answers; a connection that still holds on after the grace
      // period (a client that opened a socket and never sent its request) is cut.
      const closed = app.close();
      const cut = setTimeout(() => app.server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
      await closed;
      clearTimeout(cut);
      if (pruneTimer) clearInterval(pruneTimer);
      // No new job starts from here; executions in flight finish (their outcomes are committed)
      // or are aborted after the grace period and re-run at the next start.
      await sched.stop();
      await worker.close(config.shutdownGraceMs);
      await webhooks.stop(Math.min(config.shutdownGraceMs, 5000));
      await programs.close();
      feed.stop();
      await store.close();
      log.info({}, 'stopped');
    },
  };
}
