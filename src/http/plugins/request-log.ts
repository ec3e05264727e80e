/**
 * One structured access-log line per request, at `info`, with the request id (Fastify's own
 * request logging writes two lines and is turned off). Credentials are never logged: only method,
 * route, status and time.
 */
import type { FastifyInstance } from 'fastify';

/** Levels at which access lines are not written (skip building them at all). */
const QUIET = new Set(['warn', 'error', 'fatal', 'silent']);

export function registerRequestLog(app: FastifyInstance): void {
  // A callback, not a promise: it runs on every request.
  app.addHook('onResponse', (req, reply, done) => {
    if (QUIET.has(req.log.level)) return done();
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? null,
        path: req.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 1000) / 1000,
        instance: req.ctx?.instanceId,
        user: req.ctx?.principal.userId,
      },
      'request',
    );
    done();
  });
}
