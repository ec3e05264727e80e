/** Wire schemas of backends and the instance (runtime-api.md §5). */
import { type Static, Type } from '@sinclair/typebox';
import type { BackendView } from '../../app/backends.js';
import type { InstanceUsage, UserUsage } from '../../app/usage.js';
import { Nullable } from './common.js';

export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export const Device = Type.Object({
  name: Type.String(),
  status: Type.Object({
    name: Type.Union([Type.Literal('online'), Type.Literal('paused'), Type.Literal('offline')]),
    reason: Nullable(Type.String()),
  }),
  is_simulator: Type.Boolean(),
  qubits: Type.Integer(),
  queue_length: Type.Integer(),
  processor_type: Type.Object({
    family: Type.String(),
    revision: Type.String({ description: 'a string, as in IBM\'s model ("5.11")' }),
  }),
  clops: Type.Object({ type: Type.String(), value: Type.Number() }),
  performance_metrics: Type.Object({}, { additionalProperties: true }),
  lanes: Type.Integer({ description: 'Berth: jobs it runs at once' }),
});

export const DeviceList = Type.Object({ devices: Type.Array(Device) });

export const BackendStatus = Type.Object({
  state: Type.Boolean(),
  status: Type.String(),
  message: Type.String(),
  length_queue: Type.Integer(),
  backend_version: Type.String(),
});

/** Configuration and properties are Qiskit documents: any object. */
export const AnyObject = Type.Object({}, { additionalProperties: true });

export const UsageSchema = Type.Object({
  instance_id: Type.String(),
  plan_id: Type.String(),
  usage_period: Type.Object({
    start_time: Type.String({ format: 'date-time' }),
    end_time: Type.String({ format: 'date-time' }),
  }),
  usage_consumed_seconds: Type.Number(),
  usage_limit_seconds: Nullable(Type.Number()),
  usage_allocation_seconds: Nullable(Type.Number()),
  usage_limit_reached: Type.Boolean(),
});

/** What each user consumed, most first (a Berth addition). */
export const UserUsageList = Type.Array(
  Type.Object({
    user_id: Type.String({ description: "the API key's user_id (its name unless set)" }),
    usage_consumed_seconds: Type.Number(),
  }),
);

export const UsageUsersSchema = Type.Object({
  ...UsageSchema.properties,
  users: UserUsageList,
});

export const VersionsSchema = Type.Object({ versions: Type.Array(Type.String()) });

export function toDevice(v: BackendView): Static<typeof Device> {
  const b = v.backend;
  return {
    name: b.name,
    status: { name: b.status, reason: b.statusReason },
    is_simulator: false,
    qubits: b.qubits,
    queue_length: v.queued,
    processor_type: { family: b.processorType.family, revision: b.processorType.revision },
    clops: { type: 'hardware', value: b.clops },
    performance_metrics: {},
    lanes: b.lanes,
  };
}

export function toBackendStatus(v: BackendView): Static<typeof BackendStatus> {
  const b = v.backend;
  const online = b.status === 'online';
  return {
    state: online,
    status: online ? 'active' : b.status,
    message: b.statusReason ?? (online ? '' : b.status),
    length_queue: v.queued,
    backend_version: b.version,
  };
}

export function toWireUsage(u: InstanceUsage): Static<typeof UsageSchema> {
  return {
    instance_id: u.instance.id,
    plan_id: u.instance.planId,
    usage_period: { start_time: u.periodStart.toISOString(), end_time: u.periodEnd.toISOString() },
    usage_consumed_seconds: Math.round(u.consumedSeconds * 1000) / 1000,
    usage_limit_seconds: u.limitSeconds,
    usage_allocation_seconds: u.limitSeconds,
    usage_limit_reached: u.limitReached,
  };
}

export function toWireUserUsage(users: readonly UserUsage[]): Static<typeof UserUsageList> {
  return users.map((x) => ({
    user_id: x.userId,
    usage_consumed_seconds: Math.round(x.consumedSeconds * 1000) / 1000,
  }));
}
