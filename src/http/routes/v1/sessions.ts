/** Sessions: runtime-api.md §3. Handlers validate, call one service method, map to the wire. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../../schemas/error.js';
import { IdParams } from '../../schemas/common.js';
import {
  CreateSessionBody,
  ListSessionsQuery,
  PatchSessionBody,
  Session,
  SessionList,
  toWireSession,
} from '../../schemas/session.js';

const errors = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
};

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['sessions'];
  const { sessions } = app.services;

  app.post(
    '/sessions',
    {
      // A bodiless POST creates a dedicated session without a backend (older clients send none).
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: 'Create a session',
        body: CreateSessionBody,
        response: { 200: Type.Ref(Session), ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      const view = await sessions.create(req.ctx, {
        mode: b.mode ?? 'dedicated',
        backend: b.backend ?? b.backend_name ?? null,
        maxTtl: b.max_ttl,
        interactiveTtl: b.interactive_ttl,
        activeTtl: b.active_ttl,
      });
      return toWireSession(view);
    },
  );

  app.get(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'List sessions of the instance, newest first (Berth)',
        querystring: ListSessionsQuery,
        response: { 200: SessionList, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const page = await sessions.list(
        req.ctx,
        { state: q.state, backend: q.backend, mode: q.mode },
        { limit, offset },
      );
      return { sessions: page.items.map(toWireSession), count: page.count, offset, limit };
    },
  );

  app.get(
    '/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Get a session',
        params: IdParams,
        response: { 200: Type.Ref(Session), ...errors },
      },
    },
    async (req) => toWireSession(await sessions.get(req.ctx, req.params.id)),
  );

  app.patch(
    '/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Stop (false) or resume (true) accepting jobs',
        description:
          'false: the session closes once nothing is queued or running. true on a closed session: 409.',
        params: IdParams,
        body: PatchSessionBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await sessions.setAccepting(req.ctx, req.params.id, req.body.accepting_jobs);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/sessions/:id/close',
    {
      schema: {
        tags,
        summary: 'Close now: queued jobs are cancelled, running jobs finish',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await sessions.cancel(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );
};
