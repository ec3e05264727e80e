/**
 * /admin: API keys and instances, for administrator keys only (checked by the auth hook).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { KeyInfo } from '../../app/auth.js';
import { AppError } from '../../domain/errors.js';
import {
  Device,
  UserUsageList,
  toDevice,
  toWireUsage,
  toWireUserUsage,
} from '../schemas/backend.js';
import { DateTime, IdParams, Nullable, iso } from '../schemas/common.js';

const KeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  user_id: Type.String(),
  admin: Type.Boolean(),
  instances: Type.Array(Type.String()),
  default_instance: Type.String(),
  worker_backends: Nullable(Type.Array(Type.String())),
  created_at: DateTime,
  expires_at: DateTime,
  revoked_at: DateTime,
});

const toWireKey = (k: KeyInfo) => ({
  id: k.id,
  name: k.name,
  user_id: k.userId,
  admin: k.admin,
  instances: [...k.instances],
  default_instance: k.defaultInstance,
  worker_backends: k.workerBackends ? [...k.workerBackends] : null,
  created_at: iso(k.createdAt),
  expires_at: iso(k.expiresAt),
  revoked_at: iso(k.revokedAt),
});

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['admin'];
  app.post(
    '/keys',
    {
      schema: {
        tags,
        summary: 'Create an API key (the key is shown once, in this answer)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            admin: Type.Optional(Type.Boolean()),
            instances: Type.Optional(
              Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100 }),
            ),
            expires_in_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
            worker_backends: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
                minItems: 1,
                maxItems: 100,
                description:
                  'makes a worker key: it may lease jobs of these external backends, and nothing else',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([KeySchema, Type.Object({ key: Type.String() })]) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { key, info } = await app.services.auth.createKey({
        name: b.name,
        userId: b.user_id,
        admin: b.admin,
        instances: b.instances,
        expiresInSeconds: b.expires_in_seconds,
        workerBackends: b.worker_backends,
      });
      return reply.code(201).send({ ...toWireKey(info), key });
    },
  );
  app.get(
    '/keys',
    {
      schema: {
        tags,
        summary: 'List API keys (never the keys themselves)',
        response: { 200: Type.Object({ keys: Type.Array(KeySchema) }) },
      },
    },
    async () => ({ keys: (await app.services.auth.listKeys()).map(toWireKey) }),
  );
  app.delete(
    '/keys/:id',
    { schema: { tags, summary: 'Revoke an API key', params: IdParams } },
    async (req, reply) => {
      await app.services.auth.revokeKey(req.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    '/instances',
    {
      schema: {
        tags,
        summary: 'Configured instances, with their usage this period and each user’s part of it',
        response: {
          200: Type.Object({
            instances: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                plan_id: Type.String(),
                share: Type.Number(),
                usage_limit_seconds: Nullable(Type.Number()),
                max_ttl_seconds: Type.Integer(),
                usage_consumed_seconds: Type.Number({ description: 'this period' }),
                usage_limit_reached: Type.Boolean(),
                users: UserUsageList,
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const usage = new Map(
        (await app.services.usage.everyInstance()).map((u) => [u.usage.instance.id, u]),
      );
      return {
        instances: app.services.auth.instances().map((i) => {
          const u = usage.get(i.id);
          return {
            id: i.id,
            name: i.name,
            plan_id: i.planId,
            share: i.share,
            usage_limit_seconds: i.usageLimitSeconds,
            max_ttl_seconds: i.maxTtlSeconds,
            usage_consumed_seconds: u ? toWireUsage(u.usage).usage_consumed_seconds : 0,
            usage_limit_reached: u?.usage.limitReached ?? false,
            users: toWireUserUsage(u?.users ?? []),
          };
        }),
      };
    },
  );

  // Pause and resume. The body is optional (a bare `curl -X POST` pauses), so it is checked here
  // rather than by a body schema.
  const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
  const reasonOf = (body: unknown): string | null => {
    if (body === undefined || body === null) return null;
    const reason = (body as { reason?: unknown }).reason;
    const keys = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null;
    if (
      !keys ||
      keys.some((k) => k !== 'reason') ||
      (reason !== undefined && (typeof reason !== 'string' || reason.length > 200))
    )
      throw new AppError(
        'invalid_request',
        'The body is optional; when given it is {"reason": "…"} (a text of at most 200 characters), and nothing else',
      );
    return typeof reason === 'string' && reason.trim() ? reason.trim() : null;
  };
  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'online'],
  ] as const) {
    app.post(
      `/backends/:name/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'pause'
              ? 'Pause a backend: it starts no job (running ones finish; its queue keeps) until resumed'
              : 'Resume a backend: it is online and starts its queued jobs',
          description:
            action === 'pause'
              ? 'Optional body: {"reason": "…"} (at most 200 characters), shown as the status message. Durable; every node applies it within a second.'
              : 'Durable; every node applies it within a second. Online whatever the configured status was.',
          params: NameParams,
          response: { 200: Device },
        },
      },
      async (req) =>
        toDevice(
          await app.services.backends.setStatus(
            req.params.name,
            status,
            action === 'pause' ? reasonOf(req.body) : null,
            req.ctx.principal.userId,
          ),
        ),
    );
  }
};
