/**
 * buildServer: the Fastify application, never listening (tests use inject(); the CLI listens).
 * Plugins in Fastify's recommended order: ecosystem (swagger) → ours (parsers, validation,
 * errors, auth, metrics) → routes.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { drainBound, registerParsers } from './plugins/parsers.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerGate } from './plugins/gate.js';
import { childLoggerFactory, requestIds } from './request-logger.js';
import type { Limits } from './plugins/throttle.js';
import { registerMetrics } from './plugins/metrics.js';
import { requestLog } from './plugins/request-log.js';
import { registerValidation } from './plugins/validation.js';
import { registerDashboard } from './plugins/dashboard.js';
import { ErrorBody } from './schemas/error.js';
import { Job } from './schemas/job.js';
import { Session } from './schemas/session.js';
import { adminRoutes } from './routes/admin.js';
import { errorRoutes } from './routes/errors.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identity.js';
import {
  globalCatalogRoutes,
  globalSearchRoutes,
  resourceControllerRoutes,
} from './routes/cloud.js';
import { hostRouter } from './hosts.js';
import { backendRoutes } from './routes/v1/backends.js';
import { eventRoutes } from './routes/v1/events.js';
import { jobRoutes } from './routes/v1/jobs.js';
import { sessionRoutes } from './routes/v1/sessions.js';
import { usageRoutes } from './routes/v1/usage.js';
import { webhookRoutes } from './routes/v1/webhooks.js';
import { nodeRoutes } from './routes/v1/nodes.js';
import { workerRoutes } from './routes/v1/workers.js';
import type { Services } from './services.js';

export interface ServerOptions {
  readonly services: Services;
  readonly bodyLimitBytes: number;
  /** A pino logger, or false for none. */
  readonly logger: FastifyBaseLogger | false;
  readonly version: string;
  /** Keep-alive interval of event streams. */
  readonly sseHeartbeatMs?: number;
  /** Origins allowed to call from a browser ('*': any); absent or empty: none. */
  readonly corsOrigins?: readonly string[] | '*';
  /** Fair use per key; absent: no limits. */
  readonly limits?: Limits;
  /** BERTH_PUBLIC_URL: answer on its IBM Cloud host names too (hosts.ts); null: not. */
  readonly publicUrl?: string | null;
  /** The built dashboard served at `/` (default: dist/dashboard); false: none. */
  readonly dashboardDir?: string | false;
}

// A client-supplied request id is echoed only when it is short and plain (it ends up in logs).
const REQUEST_ID_RE = /^[\w.:-]{1,64}$/;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const nextId = requestIds();
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's own limit is the drain bound; the real one is enforced while reading (parsers.ts).
    bodyLimit: drainBound(options.bodyLimitBytes),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : nextId();
    },
    childLoggerFactory,
    disableRequestLogging: true,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    ...(options.publicUrl ? { rewriteUrl: hostRouter(options.publicUrl) } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('services', options.services);
  app.addSchema(ErrorBody);
  app.addSchema(Session);
  app.addSchema(Job);

  const origins = options.corsOrigins ?? [];
  if (origins === '*' || origins.length > 0) {
    // No cookies are involved (keys travel in Authorization), so no credentials mode.
    await app.register(cors, {
      origin: origins === '*' ? '*' : [...origins],
      methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-berth-job-status'],
      maxAge: 600,
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Berth — Qiskit Runtime REST API',
        version: options.version,
        description:
          'Sessions, jobs and backends, compatible with IBM Qiskit Runtime v1. Errors use the IBM shape ({trace, errors:[{code, message, more_info}]}).',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key, or a token from POST /identity/token',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  registerParsers(app, options.bodyLimitBytes);
  registerValidation(app);
  registerErrorHandling(app);
  registerMetrics(app, requestLog(app));
  registerGate(app, options.limits ?? { requestsPerSecond: 0, burst: 1, streamsPerKey: 0 });

  await app.register(healthRoutes);
  await app.register(errorRoutes);
  await app.register(identityRoutes);
  // IBM Cloud's account services (hosts.ts routes their host names here).
  await app.register(identityRoutes, { prefix: '/cloud/iam' });
  await app.register(globalSearchRoutes, { prefix: '/cloud/global-search' });
  await app.register(globalCatalogRoutes, { prefix: '/cloud/global-catalog' });
  await app.register(resourceControllerRoutes, { prefix: '/cloud/resource-controller' });
  await app.register(adminRoutes, { prefix: '/admin' });
  await app.register(
    async (v1) => {
      await v1.register(sessionRoutes);
      await v1.register(jobRoutes);
      await v1.register(backendRoutes);
      await v1.register(usageRoutes);
      await v1.register(webhookRoutes);
      await v1.register(nodeRoutes);
      await v1.register(workerRoutes);
      await v1.register(eventRoutes, {
        ...(options.sseHeartbeatMs ? { heartbeatMs: options.sseHeartbeatMs } : {}),
      });
    },
    { prefix: '/api/v1' },
  );
  if (options.dashboardDir !== false) await registerDashboard(app, options.dashboardDir);
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );
  return app;
}
