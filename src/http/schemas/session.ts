/** Wire schemas of sessions (runtime-api.md §3). Wire names are IBM's snake_case, only here. */
import { type Static, Type } from '@sinclair/typebox';
import type { SessionView } from '../../app/sessions.js';
import { DateTime, Nullable, PageQuery, iso } from './common.js';

const State = Type.Union([
  Type.Literal('open'),
  Type.Literal('active'),
  Type.Literal('inactive'),
  Type.Literal('closed'),
]);
const Mode = Type.Union([Type.Literal('dedicated'), Type.Literal('batch')]);

export const CreateSessionBody = Type.Object(
  {
    mode: Type.Optional(Mode),
    backend: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    backend_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    max_ttl: Type.Optional(Type.Integer({ minimum: 1 })),
    interactive_ttl: Type.Optional(Type.Integer({ minimum: 0 })),
    active_ttl: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: true, description: 'Unknown keys (such as `instance`) are ignored.' },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const PatchSessionBody = Type.Object(
  { accepting_jobs: Type.Boolean() },
  { additionalProperties: true },
);

export const ListSessionsQuery = Type.Object({
  state: Type.Optional(State),
  backend: Type.Optional(Type.String()),
  mode: Type.Optional(Mode),
  ...PageQuery,
});
export type ListSessionsQuery = Static<typeof ListSessionsQuery>;

export const Session = Type.Object(
  {
    id: Type.String(),
    backend_name: Nullable(Type.String()),
    created_at: DateTime,
    started_at: DateTime,
    activated_at: DateTime,
    closed_at: DateTime,
    last_job_started: DateTime,
    last_job_completed: DateTime,
    interactive_ttl: Type.Integer(),
    max_ttl: Type.Integer(),
    active_ttl: Type.Integer({ description: 'remaining active time in seconds' }),
    state: State,
    state_reason: Nullable(Type.String()),
    accepting_jobs: Type.Boolean(),
    mode: Mode,
    timestamps: Type.Array(
      Type.Object({ status: State, timestamp: Type.String({ format: 'date-time' }) }),
    ),
    user_id: Type.String(),
    elapsed_time: Type.Number({ description: 'usage in seconds so far' }),
    instance: Type.String(),
  },
  { $id: 'Session' },
);
export type WireSession = Static<typeof Session>;

export const SessionList = Type.Object({
  sessions: Type.Array(Type.Ref(Session)),
  count: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});

export function toWireSession(v: SessionView): WireSession {
  const s = v.session;
  return {
    id: s.id,
    backend_name: s.backend,
    created_at: iso(s.createdAt),
    started_at: iso(s.startedAt),
    activated_at: iso(s.activatedAt),
    closed_at: iso(s.closedAt),
    last_job_started: iso(s.lastJobStartedAt),
    last_job_completed: iso(s.lastJobCompletedAt),
    interactive_ttl: s.interactiveTtl,
    max_ttl: s.maxTtl,
    active_ttl: v.activeTtl,
    state: s.state,
    state_reason: s.stateReason,
    accepting_jobs: s.acceptingJobs,
    mode: s.mode,
    timestamps: s.timestamps.map((t) => ({ status: t.status, timestamp: t.at.toISOString() })),
    user_id: s.userId,
    elapsed_time: Math.round(v.elapsedSeconds * 1000) / 1000,
    instance: s.instanceId,
  };
}
