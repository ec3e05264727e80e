/** GET /instances/usage and GET /versions: runtime-api.md §5. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { UsageSchema, VersionsSchema, toWireUsage } from '../../schemas/backend.js';
import { ErrorBody } from '../../schemas/error.js';

/** API versions (IBM-API-Version dates) Berth answers to. */
const VERSIONS = ['2025-01-01', '2025-05-01'];

export const usageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/instances/usage',
    {
      schema: {
        tags: ['instance'],
        summary: "The instance's usage this period",
        response: { 200: UsageSchema, 401: Type.Ref(ErrorBody) },
      },
    },
    async (req) => toWireUsage(await app.services.usage.get(req.ctx)),
  );
  app.get(
    '/versions',
    {
      config: { public: true },
      schema: {
        tags: ['instance'],
        summary: 'Supported API versions',
        security: [],
        response: { 200: VersionsSchema },
      },
    },
    async () => ({ versions: VERSIONS }),
  );
};
