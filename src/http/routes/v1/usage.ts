/** GET /instances/usage and GET /versions (runtime-api.md §5), and GET /instances (Berth's). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { UsageSchema, VersionsSchema, toWireUsage } from '../../schemas/backend.js';
import { ErrorBody } from '../../schemas/error.js';
import { API_VERSIONS } from '../../api-version.js';

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
    '/instances',
    {
      schema: {
        tags: ['instance'],
        summary: 'The instances this key may act in (Service-CRN), and which one this call acts in',
        description:
          "A Berth addition (IBM's API has no such list): what a client offers as an instance switcher.",
        response: {
          200: Type.Object({
            instances: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                current: Type.Boolean(),
                default: Type.Boolean(),
              }),
            ),
          }),
          401: Type.Ref(ErrorBody),
        },
      },
    },
    async (req) => {
      const { principal, instanceId } = req.ctx;
      const all = new Map(app.services.auth.instances().map((i) => [i.id, i]));
      return {
        instances: principal.instances.map((id) => ({
          id,
          name: all.get(id)?.name ?? id,
          current: id === instanceId,
          default: id === principal.defaultInstance,
        })),
      };
    },
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
    async () => ({ versions: [...API_VERSIONS] }),
  );
};
