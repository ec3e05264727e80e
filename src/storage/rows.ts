/**
 * Row ↔ domain mapping, shared by both dialects (they store the same representation, ADR 0009):
 * integer epoch ms ↔ Date, TEXT ↔ JSON, 0/1 ↔ boolean. Rows never leave the adapters.
 */
import type {
  BackendState,
  Commit,
  DomainEvent,
  NodeRecord,
  StoredEvent,
  UsageInputs,
} from '../app/ports.js';
import type { Calibration, CalibrationInfo } from '../domain/backend/calibration.js';
import type { Job, JobStatus } from '../domain/job/job.js';
import type {
  ActiveSessionHead,
  InstanceHead,
  QueueCandidate,
} from '../domain/scheduling/dispatch.js';
import type { QueueGroup } from '../domain/scheduling/queue-position.js';
import type {
  Session,
  SessionMode,
  SessionReason,
  SessionState,
  SessionTimestamp,
} from '../domain/session/session.js';
import type { ApiKeyRecord, Instance } from '../domain/tenancy.js';
import { usagePeriod } from '../domain/usage.js';

export const toMs = (d: Date | null): number | null => (d ? d.getTime() : null);
// `undefined`: a column an older row (an event body written before it existed) does not have.
export const toDate = (ms: number | null | undefined): Date | null =>
  ms === null || ms === undefined ? null : new Date(ms);
const req = (ms: number): Date => new Date(ms);

export interface SessionRow {
  id: string;
  instance_id: string;
  user_id: string;
  backend: string | null;
  mode: string;
  state: string;
  state_reason: string;
  accepting_jobs: number;
  max_ttl: number;
  interactive_ttl: number;
  active_ttl: number;
  created_at: number;
  started_at: number | null;
  activated_at: number | null;
  deactivated_at: number | null;
  closed_at: number | null;
  last_job_started_at: number | null;
  last_job_completed_at: number | null;
  timestamps: string;
  queued: number;
  running: number;
  running_start_sum_ms: number;
  usage_ms: number;
  open_deadline: number | null;
  idle_deadline: number | null;
  max_deadline: number | null;
  version: number;
}

export function sessionFromRow(r: SessionRow): Session {
  const stamps = JSON.parse(r.timestamps) as [string, number][];
  return {
    id: r.id,
    instanceId: r.instance_id,
    userId: r.user_id,
    backend: r.backend,
    mode: r.mode as SessionMode,
    state: r.state as SessionState,
    stateReason: r.state_reason as SessionReason,
    acceptingJobs: r.accepting_jobs === 1,
    maxTtl: r.max_ttl,
    interactiveTtl: r.interactive_ttl,
    activeTtl: r.active_ttl,
    createdAt: req(r.created_at),
    startedAt: toDate(r.started_at),
    activatedAt: toDate(r.activated_at),
    deactivatedAt: toDate(r.deactivated_at),
    closedAt: toDate(r.closed_at),
    lastJobStartedAt: toDate(r.last_job_started_at),
    lastJobCompletedAt: toDate(r.last_job_completed_at),
    timestamps: stamps.map(([status, at]): SessionTimestamp => ({
      status: status as SessionState,
      at: req(at),
    })),
    queued: r.queued,
    running: r.running,
    runningStartSumMs: r.running_start_sum_ms,
    usageMs: r.usage_ms,
    openDeadline: toDate(r.open_deadline),
    idleDeadline: toDate(r.idle_deadline),
    maxDeadline: toDate(r.max_deadline),
    version: r.version,
  };
}

/** Named parameters for the session statements (every column). */
export function sessionParams(s: Session): SessionRow {
  return {
    id: s.id,
    instance_id: s.instanceId,
    user_id: s.userId,
    backend: s.backend,
    mode: s.mode,
    state: s.state,
    state_reason: s.stateReason,
    accepting_jobs: s.acceptingJobs ? 1 : 0,
    max_ttl: s.maxTtl,
    interactive_ttl: s.interactiveTtl,
    active_ttl: s.activeTtl,
    created_at: s.createdAt.getTime(),
    started_at: toMs(s.startedAt),
    activated_at: toMs(s.activatedAt),
    deactivated_at: toMs(s.deactivatedAt),
    closed_at: toMs(s.closedAt),
    last_job_started_at: toMs(s.lastJobStartedAt),
    last_job_completed_at: toMs(s.lastJobCompletedAt),
    timestamps: JSON.stringify(s.timestamps.map((t) => [t.status, t.at.getTime()])),
    queued: s.queued,
    running: s.running,
    running_start_sum_ms: s.runningStartSumMs,
    usage_ms: Math.round(s.usageMs),
    open_deadline: toMs(s.openDeadline),
    idle_deadline: toMs(s.idleDeadline),
    max_deadline: toMs(s.maxDeadline),
    version: s.version,
  };
}

export interface JobRow {
  seq?: number;
  id: string;
  instance_id: string;
  user_id: string;
  backend: string;
  program_id: string;
  session_id: string | null;
  params: string;
  tags: string;
  log_level: string | null;
  cost: number;
  private: number;
  runtime: string | null;
  caller: string | null;
  status: string;
  reason: string | null;
  reason_code: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  hold_ms: number;
  settle_at: number | null;
  cost_deadline: number | null;
  cancel_requested_at: number | null;
  attempts: number;
  worker_id: string | null;
  lease_until: number | null;
  work_started_at: number | null;
  calibration_id: string | null;
  version: number;
}

export function jobFromRow(r: JobRow): Job {
  return {
    id: r.id,
    instanceId: r.instance_id,
    userId: r.user_id,
    backend: r.backend,
    programId: r.program_id,
    sessionId: r.session_id,
    params: JSON.parse(r.params) as unknown,
    tags: JSON.parse(r.tags) as string[],
    logLevel: r.log_level,
    cost: r.cost,
    private: r.private === 1,
    runtime: r.runtime,
    caller: r.caller,
    status: r.status as JobStatus,
    reason: r.reason,
    reasonCode: r.reason_code,
    createdAt: req(r.created_at),
    startedAt: toDate(r.started_at),
    endedAt: toDate(r.ended_at),
    holdMs: r.hold_ms,
    settleAt: toDate(r.settle_at),
    costDeadline: toDate(r.cost_deadline),
    cancelRequestedAt: toDate(r.cancel_requested_at),
    attempts: r.attempts,
    workerId: r.worker_id ?? null,
    leaseUntil: toDate(r.lease_until),
    workStartedAt: toDate(r.work_started_at),
    calibrationId: r.calibration_id ?? null,
    version: r.version,
  };
}

/** Every column of `jobs` (params live in `job_params`, written once at insert). */
export function jobParams(j: Job): Omit<JobRow, 'params'> {
  return {
    id: j.id,
    instance_id: j.instanceId,
    user_id: j.userId,
    backend: j.backend,
    program_id: j.programId,
    session_id: j.sessionId,
    tags: JSON.stringify(j.tags),
    log_level: j.logLevel,
    cost: j.cost,
    private: j.private ? 1 : 0,
    runtime: j.runtime,
    caller: j.caller,
    status: j.status,
    reason: j.reason,
    reason_code: j.reasonCode,
    created_at: j.createdAt.getTime(),
    started_at: toMs(j.startedAt),
    ended_at: toMs(j.endedAt),
    hold_ms: j.holdMs,
    settle_at: toMs(j.settleAt),
    cost_deadline: toMs(j.costDeadline),
    cancel_requested_at: toMs(j.cancelRequestedAt),
    attempts: j.attempts,
    worker_id: j.workerId,
    lease_until: toMs(j.leaseUntil),
    work_started_at: toMs(j.workStartedAt),
    calibration_id: j.calibrationId,
    version: j.version,
  };
}

export interface KeyRow {
  id: string;
  name: string;
  user_id: string;
  hash: string;
  admin: number;
  instances: string;
  default_instance: string;
  worker_backends: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export function keyFromRow(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    userId: r.user_id,
    hash: r.hash,
    admin: r.admin === 1,
    instances: JSON.parse(r.instances) as string[],
    defaultInstance: r.default_instance,
    workerBackends: r.worker_backends ? (JSON.parse(r.worker_backends) as string[]) : null,
    createdAt: req(r.created_at),
    expiresAt: toDate(r.expires_at),
    revokedAt: toDate(r.revoked_at),
  };
}

export function keyParams(k: ApiKeyRecord): KeyRow {
  return {
    id: k.id,
    name: k.name,
    user_id: k.userId,
    hash: k.hash,
    admin: k.admin ? 1 : 0,
    instances: JSON.stringify(k.instances),
    default_instance: k.defaultInstance,
    worker_backends: k.workerBackends ? JSON.stringify(k.workerBackends) : null,
    created_at: k.createdAt.getTime(),
    expires_at: toMs(k.expiresAt),
    revoked_at: toMs(k.revokedAt),
  };
}

export interface EventRow {
  seq: number;
  type: string;
  instance_id: string;
  session_id: string | null;
  job_id: string | null;
  at: number;
  body: string;
}

/** Named parameters of INSERT_EVENT; the body is the subject's row after the change. */
export function eventParams(e: DomainEvent): Omit<EventRow, 'seq'> {
  const at = e.at.getTime();
  switch (e.type) {
    case 'session.state_changed':
      return {
        type: e.type,
        instance_id: e.session.instanceId,
        session_id: e.session.id,
        job_id: null,
        at,
        body: JSON.stringify(sessionParams(e.session)),
      };
    case 'job.state_changed':
      return {
        type: e.type,
        instance_id: e.job.instanceId,
        session_id: e.job.sessionId,
        job_id: e.job.id,
        at,
        // Params stay out of events: they can be megabytes, and GET /jobs/{id} has them.
        body: JSON.stringify({ ...jobParams(e.job), params: 'null' }),
      };
    case 'job.log':
      return {
        type: e.type,
        instance_id: e.instanceId,
        session_id: e.sessionId,
        job_id: e.jobId,
        at,
        body: JSON.stringify({ line: e.line }),
      };
  }
}

export function eventFromRow(r: EventRow): StoredEvent {
  const common = {
    seq: r.seq,
    at: new Date(r.at),
    instanceId: r.instance_id,
    sessionId: r.session_id,
    jobId: r.job_id,
  };
  switch (r.type) {
    case 'session.state_changed':
      return { ...common, type: r.type, session: sessionFromRow(JSON.parse(r.body) as SessionRow) };
    case 'job.state_changed':
      return { ...common, type: r.type, job: jobFromRow(JSON.parse(r.body) as JobRow) };
    default: {
      const { line } = JSON.parse(r.body) as { line: string };
      return { ...common, type: 'job.log', jobId: r.job_id ?? '', line };
    }
  }
}

export interface NodeRow {
  id: string;
  version: string;
  started_at: number;
  heartbeat_at: number;
  problem: string | null;
}

/** The nodes, each with the backends it holds a live lease on. */
export function nodesFromRows(
  nodes: readonly NodeRow[],
  owners: readonly { backend: string; node_id: string }[],
): NodeRecord[] {
  return nodes.map((n) => ({
    id: n.id,
    version: n.version,
    startedAt: new Date(n.started_at),
    heartbeatAt: new Date(n.heartbeat_at),
    problem: n.problem ?? null,
    backends: owners.filter((o) => o.node_id === n.id).map((o) => o.backend),
  }));
}

/** A row of the active-session heads query: the session, and its oldest queued job if any. */
export interface ActiveRow {
  session_id: string;
  mode: string;
  created_at: number;
  seq: number | null;
  id: string | null;
  instance_id: string | null;
}

export const activeHead = (r: ActiveRow): ActiveSessionHead => ({
  sessionId: r.session_id,
  mode: r.mode === 'dedicated' ? 'dedicated' : 'batch',
  createdAt: new Date(r.created_at),
  next:
    r.id === null || r.seq === null || r.instance_id === null
      ? null
      : { jobId: r.id, sessionId: r.session_id, instanceId: r.instance_id, seq: r.seq },
});

/** A queued job of the dispatch snapshot, as both stores read it. */
export interface CandidateRow {
  seq: number;
  id: string;
  session_id: string | null;
  instance_id: string;
}

const candidate = (r: CandidateRow): QueueCandidate => ({
  jobId: r.id,
  sessionId: r.session_id,
  instanceId: r.instance_id,
  seq: r.seq,
});

/**
 * NORMAL_HEADS rows (up to `depth` per instance, in any order) → each instance's head, with
 * the jobs after it as `following`.
 */
export function normalHeads(
  rows: readonly (CandidateRow & { usage_ms: number; share: number })[],
): InstanceHead[] {
  const byInstance = new Map<string, (CandidateRow & { usage_ms: number; share: number })[]>();
  for (const r of rows) {
    const list = byInstance.get(r.instance_id);
    if (list) list.push(r);
    else byInstance.set(r.instance_id, [r]);
  }
  return [...byInstance.values()].map((list) => {
    list.sort((a, b) => a.seq - b.seq);
    const [head, ...rest] = list as [CandidateRow & { usage_ms: number; share: number }];
    return {
      candidate: candidate(head),
      usageMs: head.usage_ms,
      share: head.share,
      ...(rest.length ? { following: rest.map(candidate) } : {}),
    };
  });
}

/** Named parameters of UPSERT_INSTANCE. */
export const instanceParams = (i: Instance) => ({
  id: i.id,
  name: i.name,
  plan_id: i.planId,
  share: i.share,
  usage_limit_seconds: i.usageLimitSeconds,
  max_ttl_seconds: i.maxTtlSeconds,
});

/** Named parameters of CHARGE: whole ms, to the period containing the change. */
export const chargeParams = (c: NonNullable<Commit['charge']>) => ({
  instance_id: c.instanceId,
  user_id: c.userId,
  period_start: usagePeriod(c.at).start.getTime(),
  // SQLite's one writer needs no shards (PostgreSQL's commit function picks its own).
  shard: 0,
  ms: Math.round(c.ms),
});

/** A row of backend_states. */
export interface BackendStateRow {
  name: string;
  status: string;
  reason: string | null;
  changed_at: number | string;
  changed_by: string;
}

export function backendStateFromRow(r: BackendStateRow): BackendState {
  return {
    name: r.name,
    status: r.status === 'paused' ? 'paused' : 'online',
    reason: r.reason,
    changedAt: new Date(Number(r.changed_at)),
    changedBy: r.changed_by,
  };
}

export function backendStateParams(s: BackendState): Record<string, unknown> {
  return {
    name: s.name,
    status: s.status,
    reason: s.reason,
    changed_at: s.changedAt.getTime(),
    changed_by: s.changedBy,
  };
}

/** A row of `calibrations`. */
export interface CalibrationRow {
  backend: string;
  id: string;
  last_update: number | string;
  properties?: string;
  configuration?: string | null;
  source: string;
  created_at: number | string;
}

export const calibrationInfoFromRow = (r: CalibrationRow): CalibrationInfo => ({
  backend: r.backend,
  id: r.id,
  lastUpdate: new Date(Number(r.last_update)),
  source: r.source === 'worker' ? 'worker' : 'configuration',
  createdAt: new Date(Number(r.created_at)),
});

export const calibrationFromRow = (r: CalibrationRow): Calibration => ({
  ...calibrationInfoFromRow(r),
  properties: r.properties ?? '{}',
  configuration: r.configuration ?? null,
});

/** Named parameters of INSERT_CALIBRATION. */
export const calibrationParams = (c: Calibration) => ({
  backend: c.backend,
  id: c.id,
  last_update: c.lastUpdate.getTime(),
  properties: c.properties,
  configuration: c.configuration,
  source: c.source,
  created_at: c.createdAt.getTime(),
});

/** A row of QUEUE_GROUPS. */
export interface QueueGroupRow {
  session_id: string | null;
  instance_id: string;
  mode: string | null;
  state: string | null;
  created_at: number | null;
  queued: number;
  earlier: number;
  usage_ms: number;
  share: number;
}

export const queueGroup = (r: QueueGroupRow): QueueGroup => ({
  sessionId: r.session_id,
  session:
    r.mode === null || r.state === null || r.created_at === null
      ? null
      : {
          mode: r.mode === 'dedicated' ? 'dedicated' : 'batch',
          state: r.state as SessionState,
          createdAt: new Date(r.created_at),
        },
  instanceId: r.instance_id,
  usageMs: r.usage_ms,
  share: r.share,
  queued: r.queued,
  earlier: r.earlier,
});

/** A row of SESSIONLESS_RUNNING: one user's running jobs outside sessions. */
export interface SessionlessRow {
  user_id: string;
  n: number;
  start_sum: number;
}

/** The store's answer to usageInputs, from its rows (both dialects). */
export function usageInputsFrom(
  settledMs: number,
  liveSessions: readonly Session[],
  sessionless: readonly SessionlessRow[],
  settledByUser: readonly { user_id: string; usage_ms: number }[],
): UsageInputs {
  const byUser = sessionless.map((r) => ({
    userId: r.user_id,
    count: Number(r.n),
    startSumMs: Number(r.start_sum),
  }));
  return {
    settledMs: Number(settledMs),
    liveSessions,
    sessionless: {
      count: byUser.reduce((n, r) => n + r.count, 0),
      startSumMs: byUser.reduce((n, r) => n + r.startSumMs, 0),
    },
    settledByUser: settledByUser.map((r) => ({ userId: r.user_id, ms: Number(r.usage_ms) })),
    sessionlessByUser: byUser,
  };
}
