/**
 * /api/v1/workers: the remote-worker protocol (docs/workers.md), for worker keys only. Lease a
 * job of an external backend (a long poll), heartbeat, send log lines, settle.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MAX_WAIT_MS } from '../../../app/workers.js';
import { AppError } from '../../../domain/errors.js';
import { ErrorBody } from '../../schemas/error.js';

const tags = ['workers'];
const Worker = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_.:-]+$',
  description: "the worker process's own name (unique among the processes sharing a key)",
});
const Attempt = Type.Integer({ minimum: 1, description: 'the `attempt` the lease answered' });
const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const errors = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  403: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
};

const LeasedJob = Type.Object({
  id: Type.String(),
  program_id: Type.String(),
  backend: Type.String(),
  session_id: Type.Union([Type.String(), Type.Null()]),
  params: Type.Unknown({ description: 'the job params as submitted' }),
  calibration_id: Type.Union([Type.String(), Type.Null()], {
    description:
      'the calibration the job asked for (GET /backends/{name}/properties?calibration_id=…); null: the newest',
  }),
  attempt: Attempt,
  lease_until: Type.String({ format: 'date-time' }),
  heartbeat_seconds: Type.Number({ description: 'heartbeat at least this often' }),
});

export const workerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/workers/lease',
    {
      schema: {
        tags,
        summary: 'Lease the next job of an external backend, waiting up to wait_seconds for one',
        body: Type.Object(
          {
            backend: Type.String({ minLength: 1, maxLength: 64 }),
            worker: Worker,
            wait_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_WAIT_MS / 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: LeasedJob, 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      // The client went away: stop waiting. (The request's own 'close' fires once its body is
      // read, so it is the response's close that says so, before the answer was written.)
      const controller = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableEnded) controller.abort();
      });
      const b = req.body;
      const j = await app.services.workers.lease(
        req.ctx,
        b.backend,
        b.worker,
        (b.wait_seconds ?? 30) * 1000,
        controller.signal,
      );
      if (!j?.leaseUntil) return reply.code(204).send();
      return {
        id: j.id,
        program_id: j.programId,
        backend: j.backend,
        session_id: j.sessionId,
        params: j.params,
        calibration_id: j.calibrationId,
        attempt: j.attempts,
        lease_until: j.leaseUntil.toISOString(),
        heartbeat_seconds: app.services.workers.heartbeatSeconds,
      };
    },
  );

  app.post(
    '/workers/jobs/:id/heartbeat',
    {
      schema: {
        tags,
        summary: 'Renew the lease; says whether the job was cancelled',
        params: JobParams,
        body: Type.Object(
          {
            worker: Worker,
            attempt: Attempt,
            work_started: Type.Optional(
              Type.Boolean({
                description: 'real work began (a job lost after it fails instead of running again)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            lease_until: Type.String({ format: 'date-time' }),
            cancel_requested: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await app.services.workers.heartbeat(
        req.ctx,
        req.params.id,
        b.worker,
        b.attempt,
        b.work_started ?? false,
      );
      return { lease_until: r.leaseUntil.toISOString(), cancel_requested: r.cancelRequested };
    },
  );

  app.post(
    '/workers/jobs/:id/logs',
    {
      schema: {
        tags,
        summary: "Append lines to the job's log",
        params: JobParams,
        body: Type.Object(
          {
            worker: Worker,
            attempt: Attempt,
            lines: Type.Array(Type.String({ maxLength: 10_000 }), { minItems: 1, maxItems: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      await app.services.workers.log(req.ctx, req.params.id, b.worker, b.attempt, b.lines);
      return reply.code(204).send();
    },
  );

  app.post(
    '/workers/jobs/:id/result',
    {
      schema: {
        tags,
        summary: 'Settle the run: completed with its result, failed with a reason, or cancelled',
        params: JobParams,
        body: Type.Object(
          {
            worker: Worker,
            attempt: Attempt,
            status: Type.Union([
              Type.Literal('completed'),
              Type.Literal('failed'),
              Type.Literal('cancelled'),
            ]),
            result: Type.Optional(
              Type.Unknown({ description: 'the result document (JSON), for completed' }),
            ),
            reason: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
            logs: Type.Optional(Type.Array(Type.String({ maxLength: 10_000 }), { maxItems: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), status: Type.String() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const b = req.body;
      if (b.status === 'completed' && b.result === undefined)
        throw new AppError(
          'invalid_request',
          'A completed run needs its result document in `result`',
        );
      if (b.status !== 'completed' && b.result !== undefined)
        throw new AppError(
          'invalid_request',
          `A ${b.status} run has no result; give a reason instead`,
        );
      const logs = b.logs ?? [];
      const outcome =
        b.status === 'completed'
          ? { kind: 'completed' as const, resultJson: JSON.stringify(b.result ?? null), logs }
          : b.status === 'failed'
            ? { kind: 'failed' as const, reason: b.reason ?? 'The worker reported a failure', logs }
            : { kind: 'cancelled' as const, logs };
      const job = await app.services.workers.settle(
        req.ctx,
        req.params.id,
        b.worker,
        b.attempt,
        outcome,
      );
      return { id: req.params.id, status: job?.status ?? 'unknown' };
    },
  );

  app.post(
    '/workers/backends/:name/calibration',
    {
      schema: {
        tags,
        summary: "Publish the device's calibration: its properties (and configuration) documents",
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          {
            properties: Type.Unknown({
              description:
                "IBM's BackendProperties document of the device (what GET /backends/{name}/properties serves)",
            }),
            configuration: Type.Optional(
              Type.Unknown({
                description: "the device's backend configuration document, when it changed too",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            calibration_id: Type.String(),
            last_update_date: Type.String({ format: 'date-time' }),
            newest: Type.Boolean({
              description: 'whether it is now the calibration the backend serves',
            }),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const published = await app.services.workers.publishCalibration(req.ctx, req.params.name, {
        properties: req.body.properties,
        configuration: req.body.configuration,
      });
      return reply.code(201).send({
        calibration_id: published.id,
        last_update_date: published.lastUpdate.toISOString(),
        newest: published.newest,
      });
    },
  );
};
