/** Builders for domain objects in tests: sensible defaults, override what the test is about. */
import type { Job } from '../../src/domain/job/job.js';
import type { Session, TtlPolicy } from '../../src/domain/session/session.js';

export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

export const policy: TtlPolicy = {
  openTtlSeconds: 1800,
  defaultMaxTtlSeconds: 28_800,
  defaultInteractiveTtlDedicatedSeconds: 60,
  defaultInteractiveTtlBatchSeconds: 1,
  maxInteractiveTtlSeconds: 3600,
};

/** A session in `state`, with the fields that state implies. */
export function aSession(
  state: Session['state'] = 'open',
  overrides: Partial<Session> = {},
): Session {
  const base: Session = {
    id: 'sess-1',
    instanceId: 'crn:v1:test:a',
    userId: 'alice',
    backend: 'b1',
    mode: 'dedicated',
    state: 'open',
    stateReason: 'created',
    acceptingJobs: true,
    maxTtl: 28_800,
    interactiveTtl: 60,
    activeTtl: 28_800,
    createdAt: T0,
    startedAt: null,
    activatedAt: null,
    deactivatedAt: null,
    closedAt: null,
    lastJobStartedAt: null,
    lastJobCompletedAt: null,
    timestamps: [{ status: 'open', at: T0 }],
    queued: 0,
    running: 0,
    runningStartSumMs: 0,
    usageMs: 0,
    openDeadline: at(1800),
    idleDeadline: null,
    maxDeadline: null,
    version: 1,
  };
  const started = {
    startedAt: at(10),
    activatedAt: at(10),
    maxDeadline: at(10 + 28_800),
    openDeadline: null,
  };
  const byState: Record<Session['state'], Partial<Session>> = {
    open: {},
    active: {
      ...started,
      state: 'active',
      stateReason: 'job_started',
      running: 1,
      runningStartSumMs: at(10).getTime(),
      timestamps: [
        { status: 'open', at: T0 },
        { status: 'active', at: at(10) },
      ],
    },
    inactive: {
      ...started,
      state: 'inactive',
      stateReason: 'interactive_ttl_expired',
      deactivatedAt: at(100),
      usageMs: 90_000,
      timestamps: [
        { status: 'open', at: T0 },
        { status: 'active', at: at(10) },
        { status: 'inactive', at: at(100) },
      ],
    },
    closed: {
      ...started,
      state: 'closed',
      stateReason: 'cancelled_by_user',
      acceptingJobs: false,
      closedAt: at(50),
      deactivatedAt: at(50),
      maxDeadline: null,
      usageMs: 40_000,
      timestamps: [
        { status: 'open', at: T0 },
        { status: 'active', at: at(10) },
        { status: 'closed', at: at(50) },
      ],
    },
  };
  return { ...base, ...byState[state], ...overrides };
}

export function aJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    instanceId: 'crn:v1:test:a',
    userId: 'alice',
    backend: 'b1',
    programId: 'sampler',
    sessionId: null,
    params: {},
    tags: [],
    logLevel: null,
    cost: 600,
    private: false,
    runtime: null,
    caller: null,
    status: 'Queued',
    reason: null,
    reasonCode: null,
    createdAt: T0,
    startedAt: null,
    endedAt: null,
    holdMs: 0,
    settleAt: null,
    costDeadline: null,
    cancelRequestedAt: null,
    attempts: 0,
    workerId: null,
    leaseUntil: null,
    workStartedAt: null,
    calibrationId: null,
    version: 1,
    ...overrides,
  };
}
