/** GET /api/v1/nodes (administrators): the Berth nodes on this database and what each schedules. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../domain/errors.js';
import { OWNERSHIP_MS } from '../../../app/scheduler/scheduler.js';
import { ErrorBody } from '../../schemas/error.js';

const NodeSchema = Type.Object({
  id: Type.String({ description: 'BERTH_NODE_ID of the node' }),
  version: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  heartbeat_at: Type.String({ format: 'date-time' }),
  alive: Type.Boolean({ description: 'it heartbeat within the backend ownership lease (3 s)' }),
  backends: Type.Array(Type.String(), { description: 'the backends it schedules now' }),
  problem: Type.Union([Type.String(), Type.Null()], {
    description:
      'why it cannot schedule (its scheduler passes keep failing, or another process uses its id): it claims no backends; null when it can',
  }),
});

export const nodeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/nodes',
    {
      schema: {
        tags: ['operations'],
        summary: 'The Berth nodes sharing this database, their heartbeats and backends (admin)',
        response: {
          200: Type.Object({ nodes: Type.Array(NodeSchema) }),
          401: Type.Ref(ErrorBody),
          403: Type.Ref(ErrorBody),
        },
      },
    },
    async (req) => {
      if (!req.ctx.principal.admin) throw new AppError('forbidden');
      const nodes = await app.services.ops.nodes(OWNERSHIP_MS);
      return {
        nodes: nodes.map((n) => ({
          id: n.id,
          version: n.version,
          started_at: n.startedAt.toISOString(),
          heartbeat_at: n.heartbeatAt.toISOString(),
          alive: n.alive,
          backends: [...n.backends],
          problem: n.problem,
        })),
      };
    },
  );
};
