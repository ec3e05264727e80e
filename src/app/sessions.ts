/**
 * Session use cases: create, read, list, PATCH accepting_jobs, DELETE close, and the deadlines the
 * scheduler fires. Every change goes through `decideSession` and one compare-and-set commit.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type {
  Session,
  SessionMode,
  SessionRequest,
  SessionState,
  TtlPolicy,
} from '../domain/session/session.js';
import {
  elapsedMs,
  newSession,
  remainingActiveTtl,
  resolveTtls,
} from '../domain/session/session.js';
import { type SessionInput, decideSession } from '../domain/session/session-machine.js';
import type { Instance } from '../domain/tenancy.js';
import type { BackendCatalog } from './backends.js';
import { type CallContext, canSee } from './context.js';
import { RETRY, withRetries } from './cas.js';
import { withEvents } from './event-log.js';
import { effectsToCommit } from './execution.js';
import type { Page, PageOf, Store } from './ports.js';

/** A session with its live values at one instant. */
export interface SessionView {
  readonly session: Session;
  /** Remaining active TTL in seconds. */
  readonly activeTtl: number;
  /** Usage so far in seconds. */
  readonly elapsedSeconds: number;
}

export interface SessionServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly policy: TtlPolicy;
  readonly backends: BackendCatalog;
  readonly instances: ReadonlyMap<string, Instance>;
  readonly newId: () => string;
  readonly onBackendChanged: (backend: string) => void;
}

export type SessionService = ReturnType<typeof createSessionService>;

export function createSessionService(deps: SessionServiceDeps) {
  const { store, clock, policy } = deps;

  const view = (session: Session, now: Date): SessionView => ({
    session,
    activeTtl: remainingActiveTtl(session, now),
    elapsedSeconds: elapsedMs(session, now) / 1000,
  });

  async function load(ctx: CallContext, id: string): Promise<Session> {
    const s = await store.getSession(id);
    if (!s || !canSee(ctx, s.instanceId))
      throw new AppError('session_not_found', `Session ${id} not found`);
    return s;
  }

  /** Apply one input at `at` with compare-and-set retries; returns the session after it. */
  async function apply(id: string, input: SessionInput, at: Date): Promise<Session | null> {
    return withRetries(`Session ${id} kept changing concurrently`, async () => {
      const s = await store.getSession(id);
      if (!s) return null;
      const d = decideSession(s, input, at, policy);
      if (!d.next) return s;
      const change = {
        session: { next: d.next },
        ...(await effectsToCommit(store, d.effects, s, at)),
      };
      if (!(await store.commit(withEvents(change, { session: s }, at)))) return RETRY;
      if (d.next.backend) deps.onBackendChanged(d.next.backend);
      return d.next;
    });
  }

  return {
    view,

    async create(ctx: CallContext, request: SessionRequest): Promise<SessionView> {
      if (request.backend !== null) deps.backends.require(request.backend, 'invalid_backend');
      const instance = deps.instances.get(ctx.instanceId);
      if (!instance)
        throw new AppError('forbidden_instance', `Instance ${ctx.instanceId} is unknown`);
      const now = clock.now();
      const ttls = resolveTtls(request, policy, instance.maxTtlSeconds);
      const session = newSession(
        { id: deps.newId(), instanceId: ctx.instanceId, userId: ctx.principal.userId, request },
        ttls,
        policy,
        now,
      );
      await store.commit(
        withEvents({ session: { next: session, insert: true } }, { session: null }, now),
      );
      return view(session, now);
    },

    async get(ctx: CallContext, id: string): Promise<SessionView> {
      return view(await load(ctx, id), clock.now());
    },

    async list(
      ctx: CallContext,
      filter: {
        state?: SessionState | undefined;
        backend?: string | undefined;
        mode?: SessionMode | undefined;
      },
      page: Page,
    ): Promise<PageOf<SessionView>> {
      const res = await store.listSessions({ instanceIds: [ctx.instanceId], ...filter }, page);
      const now = clock.now();
      return { count: res.count, items: res.items.map((s) => view(s, now)) };
    },

    /** PATCH accepting_jobs. */
    async setAccepting(ctx: CallContext, id: string, accepting: boolean): Promise<void> {
      await load(ctx, id);
      await apply(id, { kind: accepting ? 'start_accepting' : 'stop_accepting' }, clock.now());
    },

    /** DELETE /close: closed at once, queued jobs cancelled. */
    async cancel(ctx: CallContext, id: string): Promise<void> {
      await load(ctx, id);
      await apply(id, { kind: 'cancel' }, clock.now());
    },

    apply,
  };
}
