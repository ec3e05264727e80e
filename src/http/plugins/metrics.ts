/**
 * Prometheus metrics at GET /metrics (unauthenticated, as scrapers expect): requests, request
 * time, jobs by state, queue length and running jobs per backend, sessions by state, the
 * scheduler's tick time, open event streams and webhook deliveries by status. One registry per server, so that tests never share counters.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpMetrics } from './http-metrics.js';

export function registerMetrics(
  app: FastifyInstance,
  /** Also written from this plugin's onResponse hook: the access log (request-log.ts). */
  logRequest: ((req: FastifyRequest, reply: FastifyReply) => void) | null = null,
): void {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'berth_' });
  const http = new HttpMetrics();
  const tick = new Histogram({
    name: 'berth_scheduler_tick_seconds',
    help: 'Time of one scheduler pass (due deadlines + dispatch)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
    registers: [register],
  });
  const gauges = {
    jobs: new Gauge({
      name: 'berth_jobs',
      help: 'Jobs by state',
      labelNames: ['state'] as const,
      registers: [register],
    }),
    queue: new Gauge({
      name: 'berth_queue_length',
      help: 'Queued jobs per backend',
      labelNames: ['backend'] as const,
      registers: [register],
    }),
    running: new Gauge({
      name: 'berth_running_jobs',
      help: 'Running jobs per backend',
      labelNames: ['backend'] as const,
      registers: [register],
    }),
    sessions: new Gauge({
      name: 'berth_sessions',
      help: 'Sessions by state',
      labelNames: ['state'] as const,
      registers: [register],
    }),
    streams: new Gauge({
      name: 'berth_event_streams',
      help: 'Open event streams (SSE)',
      registers: [register],
    }),
    refused: new Gauge({
      name: 'berth_requests_refused',
      help: 'Requests refused with a 429 since the start, by limit (requests per second, event streams per key)',
      labelNames: ['limit'] as const,
      registers: [register],
    }),
    limits: new Gauge({
      name: 'berth_limit',
      help: 'Fair-use limits per API key (0: none)',
      labelNames: ['name'] as const,
      registers: [register],
    }),
    deliveries: new Gauge({
      name: 'berth_webhook_deliveries',
      help: 'Webhook deliveries by status',
      labelNames: ['status'] as const,
      registers: [register],
    }),
  };
  app.services.events.on('scheduler.ticked', (e) => tick.observe(e.ms / 1000));

  // The request's own series: plain counters (http-metrics.ts), not prom-client, on every request.
  app.addHook('onResponse', (req, reply, done) => {
    http.observe(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    logRequest?.(req, reply);
    done();
  });

  app.get('/metrics', { schema: { hide: true }, config: { public: true } }, async (_req, reply) => {
    const stats = await app.services.ops.stats();
    const set = (
      g: Gauge<string>,
      label: string,
      values: Record<string, number>,
      keys: readonly string[],
    ) => {
      g.reset();
      for (const k of new Set([...keys, ...Object.keys(values)]))
        g.set({ [label]: k }, values[k] ?? 0);
    };
    set(gauges.jobs, 'state', stats.jobsByStatus, [
      'Queued',
      'Running',
      'Completed',
      'Failed',
      'Cancelled',
    ]);
    set(gauges.sessions, 'state', stats.sessionsByState, ['open', 'active', 'inactive', 'closed']);
    const backends = (await app.services.backends.list()).map((b) => b.backend.name);
    set(gauges.queue, 'backend', stats.queuedByBackend, backends);
    set(gauges.running, 'backend', stats.runningByBackend, backends);
    gauges.streams.set(app.services.feed.openStreams);
    const { refused, limits } = app.throttle;
    gauges.refused.set({ limit: 'requests' }, refused.requests);
    gauges.refused.set({ limit: 'streams' }, refused.streams);
    gauges.limits.set({ name: 'requests_per_second' }, limits.requestsPerSecond);
    gauges.limits.set({ name: 'burst' }, limits.burst);
    gauges.limits.set({ name: 'streams_per_key' }, limits.streamsPerKey);
    const deliveries = await app.services.webhooks.deliveryCounts();
    set(gauges.deliveries, 'status', deliveries, ['pending', 'delivered', 'failed']);
    return reply.type(register.contentType).send(`${await register.metrics()}\n${http.render()}`);
  });
}
