/** Jobs: runtime-api.md §4. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { IdParams } from '../../schemas/common.js';
import { ErrorBody } from '../../schemas/error.js';
import {
  CreateJobBody,
  CreateJobResponse,
  Job,
  JobDiagrams,
  JobList,
  JobMetricsSchema,
  JobQuery,
  ListJobsQuery,
  TagsBody,
  toWireDiagrams,
  toWireJob,
  toWireMetrics,
} from '../../schemas/job.js';

const errors = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
};

/** Whether every media range the request accepts (with q > 0) is application/json. */
export function acceptsOnlyJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept
    .split(',')
    .map((r) => r.split(';'))
    .filter(([, ...params]) => !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p)))
    .map(([type]) => (type ?? '').trim().toLowerCase());
  return ranges.length > 0 && ranges.every((t) => t === 'application/json');
}

export const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['jobs'];
  const { jobs } = app.services;

  app.post(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'Submit a job',
        body: CreateJobBody,
        response: { 200: CreateJobResponse, ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      const job = await jobs.submit(req.ctx, {
        programId: b.program_id,
        backend: b.backend,
        sessionId: b.session_id,
        params: b.params ?? {},
        tags: b.tags,
        logLevel: b.log_level,
        cost: b.cost,
        private: b.private,
        runtime: b.runtime,
        calibrationId: b.calibration_id,
      });
      return {
        id: job.id,
        backend: job.backend,
        ...(job.sessionId ? { session_id: job.sessionId } : {}),
      };
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'List jobs of the instance',
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 200;
      const offset = q.offset ?? 0;
      const page = await jobs.list(
        req.ctx,
        {
          pending: q.pending,
          programId: q.program,
          backend: q.backend,
          sessionId: q.session_id,
          createdAfter: q.created_after ? new Date(q.created_after) : undefined,
          createdBefore: q.created_before ? new Date(q.created_before) : undefined,
          tags: q.tags,
          ascending: q.sort === 'ASC',
        },
        { limit, offset },
      );
      const withParams = q.exclude_params === false;
      return {
        jobs: page.items.map((v) => toWireJob(v, withParams)),
        count: page.count,
        offset,
        limit,
      };
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Get a job',
        params: IdParams,
        querystring: JobQuery,
        response: { 200: Type.Ref(Job), ...errors },
      },
    },
    async (req) =>
      toWireJob(await jobs.get(req.ctx, req.params.id), req.query.exclude_params !== true),
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a queued or running job',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await jobs.cancel(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Delete a job in a final state',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await jobs.remove(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/jobs/:id/results',
    {
      schema: {
        tags,
        summary:
          'The result document of a completed job, the reason of a failed or cancelled one; 204 while it runs',
        description:
          "IBM declares the result a string. Sent as text/plain (the document's JSON text, or the failure's text), unless the request accepts only application/json: then as a JSON string holding that text, which is what IBM's generated clients (QRMI) decode. The job's status is in the X-Berth-Job-Status header.",
        params: IdParams,
        produces: ['text/plain', 'application/json'],
        response: { 200: Type.String(), 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const found = await jobs.result(req.ctx, req.params.id);
      if (found === null) return reply.code(204).send();
      reply.header('x-berth-job-status', found.status);
      // The document is already JSON text: never parse and re-serialise it.
      if (acceptsOnlyJson(req.headers.accept))
        return reply
          .type('application/json; charset=utf-8')
          .serializer((x) => x as string)
          .send(JSON.stringify(found.text));
      return reply
        .type('text/plain; charset=utf-8')
        .serializer((x) => x as string)
        .send(found.text);
    },
  );

  app.get(
    '/jobs/:id/logs',
    {
      schema: { tags, summary: 'The job log, as text', params: IdParams, produces: ['text/plain'] },
    },
    async (req, reply) => {
      const lines = await jobs.logs(req.ctx, req.params.id);
      const text = lines.map((l) => `${l.at.toISOString()} ${l.line}\n`).join('');
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );

  app.get(
    '/jobs/:id/metrics',
    {
      schema: {
        tags,
        summary: 'Timestamps, usage, queue position',
        params: IdParams,
        response: { 200: JobMetricsSchema, ...errors },
      },
    },
    async (req) => toWireMetrics(await jobs.metrics(req.ctx, req.params.id)),
  );

  app.get(
    '/jobs/:id/diagram',
    {
      schema: {
        tags,
        summary: "The job's circuits as diagrams (a Berth extension)",
        description:
          'Each circuit of the job (its pubs, or the circuits of the noise learner and the executor), read by the parsers that run it: every gate call as written, measurements, resets, delays and classical blocks, in order, on the active qubits only. At most 2,000 operations and 64 qubits a circuit (`truncated` says when more were left out). A circuit that does not read carries `error` instead.',
        params: IdParams,
        response: { 200: JobDiagrams, ...errors },
      },
    },
    async (req) => toWireDiagrams(await jobs.diagrams(req.ctx, req.params.id)),
  );

  app.put(
    '/jobs/:id/tags',
    {
      schema: {
        tags,
        summary: 'Replace the tags',
        params: IdParams,
        body: TagsBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await jobs.setTags(req.ctx, req.params.id, req.body.tags);
      return reply.code(204).send();
    },
  );
};
