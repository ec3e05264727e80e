/**
 * One structured access-log line per request, at `info`, with the request id (Fastify's own
 * request logging writes two lines and is turned off). Credentials are never logged: only method,
 * route, status and time. Written from the metrics plugin's onResponse hook (one hook per
 * request, not two); none at all when the level is above `info`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Levels at which access lines are not written (skip building them at all). */
const QUIET = new Set(['warn', 'error', 'fatal', 'silent']);

/** Writes a request's access line; null when the server's log level leaves them out. */
export function requestLog(
  app: FastifyInstance,
): ((req: FastifyRequest, reply: FastifyReply) => void) | null {
  if (QUIET.has(app.log.level)) return null;
  return (req, reply) =>
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
}
