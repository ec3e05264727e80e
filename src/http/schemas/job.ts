/** Wire schemas of jobs (runtime-api.md §4). */
import { type Static, Type } from '@sinclair/typebox';
import type { JobMetrics, JobView } from '../../app/jobs.js';
import type { CircuitDiagramEntry } from '../../app/ports.js';
import { displayStatus } from '../../domain/job/job.js';
import { DateTime, Nullable, PageQuery, iso } from './common.js';

const Status = Type.Union([
  Type.Literal('Queued'),
  Type.Literal('Running'),
  Type.Literal('Completed'),
  Type.Literal('Failed'),
  Type.Literal('Cancelled'),
]);

export const CreateJobBody = Type.Object(
  {
    program_id: Type.String({ minLength: 1, maxLength: 128 }),
    backend: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    session_id: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
    params: Type.Optional(Type.Object({}, { additionalProperties: true })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 86 }), { maxItems: 8 })),
    log_level: Type.Optional(Nullable(Type.String({ maxLength: 16 }))),
    cost: Type.Optional(Type.Integer({ minimum: 0, maximum: 10800 })),
    private: Type.Optional(Type.Boolean()),
    runtime: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    calibration_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 128 }))),
  },
  { additionalProperties: true },
);
export type CreateJobBody = Static<typeof CreateJobBody>;

export const CreateJobResponse = Type.Object({
  id: Type.String(),
  backend: Type.String(),
  session_id: Type.Optional(Nullable(Type.String())),
});

export const JobQuery = Type.Object({
  exclude_params: Type.Optional(Type.Boolean()),
});

export const ListJobsQuery = Type.Object({
  ...PageQuery,
  pending: Type.Optional(Type.Boolean()),
  program: Type.Optional(Type.String()),
  backend: Type.Optional(Type.String()),
  session_id: Type.Optional(Type.String()),
  created_after: Type.Optional(Type.String({ format: 'date-time' })),
  created_before: Type.Optional(Type.String({ format: 'date-time' })),
  tags: Type.Optional(Type.Array(Type.String())),
  sort: Type.Optional(Type.Union([Type.Literal('ASC'), Type.Literal('DESC')])),
  exclude_params: Type.Optional(Type.Boolean()),
});
export type ListJobsQuery = Static<typeof ListJobsQuery>;

export const TagsBody = Type.Object(
  { tags: Type.Array(Type.String({ maxLength: 86 }), { maxItems: 8 }) },
  { additionalProperties: true },
);

export const Job = Type.Object(
  {
    id: Type.String(),
    backend: Type.String(),
    program: Type.Object({ id: Type.String() }),
    created: Type.String({ format: 'date-time' }),
    state: Type.Object({
      status: Status,
      reason: Type.Optional(Nullable(Type.String())),
      reason_code: Type.Optional(Nullable(Type.Integer())),
    }),
    status: Type.String({ description: 'the state, or `Cancelled - Ran too long`' }),
    params: Type.Optional(Type.Unknown()),
    session_id: Nullable(Type.String()),
    user_id: Type.String(),
    tags: Type.Array(Type.String()),
    cost: Type.Integer(),
    runtime: Nullable(Type.String()),
    calibration_id: Type.Optional(Type.String({ description: 'the calibration it runs with' })),
    usage: Type.Object({
      qpu_charge_time_seconds: Type.Number(),
      seconds: Type.Integer({
        description:
          'whole seconds, rounded up (older IBM models require it beside qpu_charge_time_seconds)',
      }),
      status: Type.String(),
    }),
    estimated_running_time_seconds: Type.Number(),
    private: Type.Optional(Type.Boolean()),
    started: DateTime,
    ended: DateTime,
    instance: Type.String(),
  },
  { $id: 'Job' },
);
export type WireJob = Static<typeof Job>;

export const JobList = Type.Object({
  jobs: Type.Array(Type.Ref(Job)),
  count: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});

export const JobMetricsSchema = Type.Object({
  timestamps: Type.Object({ created: DateTime, running: DateTime, finished: DateTime }),
  usage: Type.Object({
    quantum_seconds: Type.Integer({ description: 'whole seconds, rounded up, as IBM bills' }),
    seconds: Type.Integer({ description: 'whole seconds, rounded up, as IBM bills' }),
    qpu_charge_time_seconds: Type.Number(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('complete')]),
  }),
  position_in_queue: Nullable(Type.Integer()),
  estimated_start_time: DateTime,
  caller: Nullable(Type.String()),
  qiskit_version: Type.Null(),
});

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
/** Billed seconds: whole, rounded up (from the millisecond figure, so 2.0000001 is 2). */
const billed = (x: number): number => Math.ceil(round3(x));
const usageStatus = (v: JobView): string => (v.job.endedAt ? 'complete' : 'pending');

export function toWireJob(v: JobView, includeParams: boolean): WireJob {
  const j = v.job;
  return {
    id: j.id,
    backend: j.backend,
    program: { id: j.programId },
    created: j.createdAt.toISOString(),
    state: { status: j.status, reason: j.reason, reason_code: j.reasonCode },
    status: displayStatus(j),
    ...(includeParams && !j.private ? { params: j.params } : {}),
    session_id: j.sessionId,
    user_id: j.userId,
    tags: [...j.tags],
    cost: j.cost,
    runtime: j.runtime,
    usage: {
      qpu_charge_time_seconds: round3(v.usageSeconds),
      seconds: billed(v.usageSeconds),
      status: usageStatus(v),
    },
    estimated_running_time_seconds: j.holdMs / 1000,
    ...(j.private ? { private: true } : {}),
    ...(j.calibrationId ? { calibration_id: j.calibrationId } : {}),
    started: iso(j.startedAt),
    ended: iso(j.endedAt),
    instance: j.instanceId,
  };
}

export function toWireMetrics(m: JobMetrics): Static<typeof JobMetricsSchema> {
  const j = m.job;
  const whole = billed(m.usageSeconds);
  return {
    timestamps: { created: iso(j.createdAt), running: iso(j.startedAt), finished: iso(j.endedAt) },
    usage: {
      quantum_seconds: whole,
      seconds: whole,
      qpu_charge_time_seconds: round3(m.usageSeconds),
      status: j.endedAt ? 'complete' : 'pending',
    },
    position_in_queue: m.positionInQueue,
    estimated_start_time: iso(m.estimatedStartTime),
    caller: j.caller,
    qiskit_version: null,
  };
}

const Wire = Type.Object({ index: Type.Integer(), label: Type.String() });

/** GET /jobs/{id}/diagram: a Berth extension (the dashboard's circuit view). */
export const JobDiagrams = Type.Object({
  circuits: Type.Array(
    Type.Union([
      Type.Object({
        index: Type.Integer({ description: 'the pub (or circuit) it is' }),
        num_qubits: Type.Integer(),
        num_clbits: Type.Integer(),
        qubits: Type.Array(Wire, { description: 'the active qubits, ascending: the rows' }),
        clbits: Type.Array(Wire),
        operations: Type.Array(
          Type.Object({
            kind: Type.Union([
              Type.Literal('gate'),
              Type.Literal('measure'),
              Type.Literal('reset'),
              Type.Literal('delay'),
              Type.Literal('if'),
              Type.Literal('while'),
            ]),
            name: Type.String({ description: 'the gate as called: cx, ecr, ctrl @ rz' }),
            params: Type.Array(Type.String()),
            qubits: Type.Array(Type.Integer()),
            clbits: Type.Array(Type.Integer()),
          }),
        ),
        total_operations: Type.Integer(),
        truncated: Type.Boolean({ description: 'operations or qubits past the limits left out' }),
      }),
      Type.Object({ index: Type.Integer(), error: Type.String() }),
    ]),
  ),
});

export function toWireDiagrams(
  entries: readonly CircuitDiagramEntry[],
): Static<typeof JobDiagrams> {
  return {
    circuits: entries.map((e) =>
      'error' in e
        ? { index: e.index, error: e.error }
        : {
            index: e.index,
            num_qubits: e.diagram.numQubits,
            num_clbits: e.diagram.numClbits,
            qubits: [...e.diagram.qubits],
            clbits: [...e.diagram.clbits],
            operations: e.diagram.operations.map((o) => ({
              kind: o.kind,
              name: o.name,
              params: [...o.params],
              qubits: [...o.qubits],
              clbits: [...o.clbits],
            })),
            total_operations: e.diagram.totalOperations,
            truncated: e.diagram.truncated,
          },
    ),
  };
}
