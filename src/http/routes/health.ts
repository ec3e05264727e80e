/** Liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorBody } from '../schemas/error.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'The process is alive',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'The server takes work (its database answers, its scheduler runs)',
        security: [],
      },
    },
    async (req, reply) => {
      const why = await app.services.ops.notReady();
      if (!why) return { status: 'ready' };
      return reply
        .code(503)
        .send(errorBody(req.id, 'not_ready', `The server is not ready: ${why}`));
    },
  );
};
