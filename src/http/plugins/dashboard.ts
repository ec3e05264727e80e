/**
 * The dashboard at `/`: the static files `npm run build` writes to dist/dashboard (dashboard/,
 * Vite). Hashed assets are cached for a year (their names change with their content); the page
 * itself is revalidated on every load, so a new build is picked up at once. The page may talk
 * only to this server (Content-Security-Policy), and nothing in it is readable without a key:
 * it holds no data, and every call it makes is authenticated like any other client's.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the build puts it, from src/http/plugins and dist/http/plugins alike. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  // uPlot and the charts set element styles.
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export async function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/', { schema: { hide: true }, config: { public: true } }, async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>Berth</title><p>The dashboard is not built. Run <code>npm run build</code> (or start with <code>npm start</code>, which builds it), then reload.</p>',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    // Swagger UI (/docs) registers its own copy; only one may decorate the reply.
    decorateReply: false,
    cacheControl: false,
    schemaHide: true,
    setHeaders(reply, path) {
      const asset = /[\\/]assets[\\/]/.test(path);
      reply.header('cache-control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    },
  });
}
