/** GET /instances/usage and GET /versions (runtime-api.md §5), and GET /instances (Berth's). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  UsageSchema,
  UsageUsersSchema,
  VersionsSchema,
  toWireUsage,
  toWireUserUsage,
} from '../../schemas/backend.js';
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
    '/instances/usage/users',
    {
      schema: {
        tags: ['instance'],
        summary: "The instance's usage this period, and each user's part of it",
        description:
          "A Berth addition. A user is an API key's user_id (the key's name unless set when it was made): the sessions and jobs its keys created. An administrator's key sees every user of the instance; any other key sees its own user only. Usage settled before Berth accounted users is in the instance's total only.",
        response: { 200: UsageUsersSchema, 401: Type.Ref(ErrorBody) },
      },
    },
    async (req) => {
      const { usage, users } = await app.services.usage.users(req.ctx);
      return { ...toWireUsage(usage), users: toWireUserUsage(users) };
    },
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
