/**
 * Live events as Server-Sent Events (Berth's addition to the API): every state change and log
 * line, from the durable event log, resumable with Last-Event-ID. One frame per event:
 *
 *   id: 42
 *   event: job.state_changed
 *   data: {"id":"42","type":"job.state_changed","created":"…","data":{…the job…}}
 *
 * A job's stream replays the job's history and ends after its final state; a session's stream
 * replays the session's and its jobs' history and stays open; the instance stream starts at the
 * present unless given a cursor.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventQuery } from '../../../app/event-feed.js';
import type { EventType, StoredEvent } from '../../../app/ports.js';
import { AppError } from '../../../domain/errors.js';
import { isFinal } from '../../../domain/job/job.js';
import { IdParams } from '../../schemas/common.js';
import { ErrorBody } from '../../schemas/error.js';
import { toWireEvent } from '../../schemas/event.js';

const EVENT_TYPES: readonly EventType[] = ['session.state_changed', 'job.state_changed', 'job.log'];

const EventsQuery = Type.Object({
  after: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Resume after this event id (or Last-Event-ID).' }),
  ),
  types: Type.Optional(
    Type.String({ description: 'Comma-separated event types to receive (default: all).' }),
  ),
});

const errors = { 400: Type.Ref(ErrorBody), 401: Type.Ref(ErrorBody), 404: Type.Ref(ErrorBody) };
const stream = {
  200: Type.String({ description: 'text/event-stream' }),
  ...errors,
};

export interface EventRouteOptions {
  /** Comment line sent when the stream is otherwise quiet, so proxies keep it open. */
  readonly heartbeatMs?: number;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (app, opts) => {
  const tags = ['events'];
  const { feed, jobs, sessions } = app.services;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const open = new Set<AbortController>();
  let shuttingDown = false;
  // Streams never end on their own: end them so that close() does not wait for clients. A
  // stream still in its handler's first awaits when this runs sees `shuttingDown` instead.
  app.addHook('preClose', async () => {
    shuttingDown = true;
    for (const c of open) c.abort();
  });

  const views = { job: jobs.view, session: sessions.view };
  const frame = (e: StoredEvent): string =>
    `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(toWireEvent(e, views))}\n\n`;

  /**
   * Write `query`'s events from its cursor on, until the client leaves, the server closes, or
   * `endsWith` says an event was the last. `endNow` is asked once the replay is done.
   */
  async function run(
    req: FastifyRequest,
    reply: FastifyReply,
    query: EventQuery,
    types: ReadonlySet<EventType> | undefined,
    endsWith: (e: StoredEvent) => boolean = () => false,
    endNow: () => Promise<boolean> = async () => false,
  ): Promise<void> {
    const keyId = req.ctx.principal.keyId;
    app.throttle.openStream(keyId);
    const controller = new AbortController();
    open.add(controller);
    feed.openStreams++;
    reply.hijack();
    const res = reply.raw;
    // The response's 'close' is the client leaving (or the end); it may already have happened
    // while the handler was loading the job or session.
    res.on('close', () => controller.abort());
    if (shuttingDown || res.destroyed || req.raw.socket.destroyed) controller.abort();
    // Headers hooks already set (CORS) are on the reply, which hijacking bypasses.
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
    });
    /** Write, and wait while the client is slower than the stream (never buffer a replay). */
    const send = async (text: string): Promise<void> => {
      if (res.write(text)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          controller.signal.removeEventListener('abort', done);
          resolve();
        };
        res.on('drain', done);
        controller.signal.addEventListener('abort', done, { once: true });
      });
    };
    await send('retry: 2000\n\n');
    let after = query.after;
    let lastWrite = performance.now();
    let replayed = false;
    let closing = false;
    try {
      while (!controller.signal.aborted) {
        const seen = feed.position;
        // The last read before ending goes to the store: the feed may not have pulled yet.
        const batch = closing
          ? await feed.readLatest({ ...query, after })
          : await feed.read({ ...query, after });
        for (const e of batch) {
          after = e.seq;
          if (!types || types.has(e.type)) {
            await send(frame(e));
            lastWrite = performance.now();
          }
          if (endsWith(e)) return;
        }
        if (batch.length > 0) continue;
        if (closing) return;
        if (!replayed) {
          replayed = true;
          if (await endNow()) {
            closing = true;
            continue;
          }
        }
        await feed.wait(heartbeatMs, seen, controller.signal);
        if (!controller.signal.aborted && performance.now() - lastWrite >= heartbeatMs) {
          await send(': keep-alive\n\n');
          lastWrite = performance.now();
        }
      }
    } catch (err) {
      req.log.error({ err }, 'event stream failed');
    } finally {
      open.delete(controller);
      feed.openStreams--;
      app.throttle.closeStream(keyId);
      res.end();
    }
  }

  /** The cursor: Last-Event-ID (a reconnecting EventSource sends it) wins over ?after. */
  function cursor(req: FastifyRequest, after: number | undefined, fallback: number): number {
    const header = req.headers['last-event-id'];
    if (typeof header === 'string' && header.trim() !== '') {
      if (!/^\d{1,15}$/.test(header.trim()))
        throw new AppError('invalid_request', 'Last-Event-ID must be an event id (an integer)');
      return Number(header.trim());
    }
    return after ?? fallback;
  }

  function typesOf(list: string | undefined): ReadonlySet<EventType> | undefined {
    if (list === undefined) return undefined;
    const types = list.split(',').map((t) => t.trim());
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t))
        throw new AppError(
          'invalid_request',
          `Unknown event type ${JSON.stringify(t)}; known: ${EVENT_TYPES.join(', ')}`,
        );
    }
    return new Set(types as EventType[]);
  }

  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: "Stream the instance's events (SSE; Berth)",
        querystring: EventsQuery,
        response: stream,
      },
    },
    async (req, reply) => {
      const types = typesOf(req.query.types);
      const after = cursor(req, req.query.after, await feed.head());
      await run(req, reply, { after, instanceId: req.ctx.instanceId }, types);
    },
  );

  app.get(
    '/sessions/:id/events',
    {
      schema: {
        tags,
        summary: "Stream a session's events and its jobs' (SSE; Berth)",
        params: IdParams,
        querystring: EventsQuery,
        response: stream,
      },
    },
    async (req, reply) => {
      const { session } = await sessions.get(req.ctx, req.params.id);
      const types = typesOf(req.query.types);
      const after = cursor(req, req.query.after, 0);
      await run(
        req,
        reply,
        { after, instanceId: session.instanceId, sessionId: session.id },
        types,
      );
    },
  );

  app.get(
    '/jobs/:id/events',
    {
      schema: {
        tags,
        summary: "Stream a job's events; ends after its final state (SSE; Berth)",
        params: IdParams,
        querystring: EventsQuery,
        response: stream,
      },
    },
    async (req, reply) => {
      const { job } = await jobs.get(req.ctx, req.params.id);
      const types = typesOf(req.query.types);
      const query = {
        after: cursor(req, req.query.after, 0),
        instanceId: job.instanceId,
        jobId: job.id,
      };
      // After the replay, a job already final has nothing more to say (the client resumed
      // after its last event, or the log was pruned).
      const endNow = async (): Promise<boolean> => {
        const current = await app.services.jobs.get(req.ctx, job.id).catch(() => null);
        return !current || isFinal(current.job.status);
      };
      await run(
        req,
        reply,
        query,
        types,
        (e) => e.type === 'job.state_changed' && isFinal(e.job.status),
        endNow,
      );
    },
  );
};
