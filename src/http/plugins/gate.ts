/**
 * The gate: the one onRequest hook every request passes, before its body is read. In order:
 * - the request id header (every answer carries it: the `trace` of error bodies);
 * - `Connection: close` for a body no route reads (parsers.ts, unreadBody);
 * - the IBM-API-Version check (/api/v1);
 * - authentication for /api/v1, /admin and /cloud, unless the route's config says `public`;
 * - fair use per key (throttle.ts): a request over the key's rate is a 429.
 * One hook, not one per concern: each hook Fastify runs is a cost on every request, a GET's too.
 * A callback, not a promise: a credential verified moments ago (authenticateCached) is checked
 * without a single await.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CallContext } from '../../app/context.js';
import { AppError } from '../../domain/errors.js';
import { checkApiVersion } from '../api-version.js';
import { unreadBody } from './parsers.js';
import { type Limits, Throttle } from './throttle.js';

const header = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

declare module 'fastify' {
  interface FastifyInstance {
    throttle: Throttle;
  }
}

export function registerGate(app: FastifyInstance, limits: Limits): void {
  const throttle = new Throttle(limits);
  app.decorate('throttle', throttle);
  app.decorateRequest('ctx', null as never);

  /** A 429 when the key is over its rate; null when the request may go on. */
  const overRate = (req: FastifyRequest, reply: { header(k: string, v: string): unknown }) => {
    const keyId = req.ctx?.principal.keyId;
    const wait = keyId ? throttle.buckets.take(keyId, performance.now()) : 0;
    if (wait === 0) return null;
    throttle.refused.requests++;
    reply.header('retry-after', String(wait));
    return new AppError(
      'rate_limited',
      `This key sent more than ${limits.requestsPerSecond} requests per second (bursts up to ${limits.burst}); retry after ${wait} s`,
    );
  };

  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    if (unreadBody(req)) reply.header('connection', 'close');
    const url = req.routeOptions.url;
    if (url?.startsWith('/api/v1')) {
      try {
        checkApiVersion(header(req.headers['ibm-api-version']));
      } catch (e) {
        return done(e as Error);
      }
    }
    if (!url || req.routeOptions.config.public) return done();
    const admin = url.startsWith('/admin');
    if (!admin && !url.startsWith('/api/v1') && !url.startsWith('/cloud/')) return done();
    const authorization = header(req.headers.authorization);
    const crn = header(req.headers['service-crn']);
    const admit = (ctx: CallContext): void => {
      if (admin && !ctx.principal.admin) throw new AppError('forbidden');
      // A worker key runs jobs, and does nothing else; only a worker key runs them.
      const workerRoute = url.startsWith('/api/v1/workers');
      if (ctx.principal.workerBackends && !workerRoute)
        throw new AppError(
          'forbidden',
          'A worker key may only call /api/v1/workers (docs/workers.md)',
        );
      if (workerRoute && !ctx.principal.workerBackends)
        throw new AppError(
          'forbidden',
          'Only a worker key may call /api/v1/workers; an administrator makes one with POST /admin/keys {"worker_backends": [...]}',
        );
      req.ctx = { ...ctx, caller: header(req.headers['x-qx-client-application']) ?? null };
    };
    let cached: CallContext | null;
    try {
      cached = app.services.auth.authenticateCached(authorization, crn);
      if (cached) admit(cached);
    } catch (e) {
      return done(e as Error);
    }
    if (cached) return done((limits.requestsPerSecond > 0 && overRate(req, reply)) || undefined);
    app.services.auth.authenticate(authorization, crn).then(
      (ctx) => {
        try {
          admit(ctx);
        } catch (e) {
          return done(e as Error);
        }
        done((limits.requestsPerSecond > 0 && overRate(req, reply)) || undefined);
      },
      (e: Error) => done(e),
    );
  });
}
