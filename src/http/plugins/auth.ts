/**
 * The request id header, the IBM-API-Version check, and authentication for /api/v1 and /admin: every route there needs credentials unless its config
 * says `public`. Runs on onRequest, before the body is read, so that an unauthenticated request
 * costs nothing more.
 */
import type { FastifyInstance } from 'fastify';
import type { CallContext } from '../../app/context.js';
import { AppError } from '../../domain/errors.js';
import { checkApiVersion } from '../api-version.js';

const header = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v;

export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('ctx', null as never);
  // A callback, not a promise: it runs on every request, and a credential verified moments ago
  // (authenticateCached) is checked without a single await.
  app.addHook('onRequest', (req, reply, done) => {
    // One hook for both: every answer carries its request id (the `trace` of error bodies).
    reply.header('x-request-id', req.id);
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
    if (cached) return done();
    app.services.auth.authenticate(authorization, crn).then(
      (ctx) => {
        try {
          admit(ctx);
        } catch (e) {
          return done(e as Error);
        }
        done();
      },
      (e: Error) => done(e),
    );
  });
}
