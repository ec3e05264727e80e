/**
 * The configuration file's schema (BERTH_CONFIG, JSON). Every field is optional: what is missing
 * comes from the defaults in defaults.ts. Unknown keys are errors (a typo should not pass).
 */
import { type Static, Type } from '@sinclair/typebox';
import { PRICING_TYPES } from '../domain/tenancy.js';

const PositiveInt = Type.Integer({ minimum: 1 });
const NonNegative = Type.Number({ minimum: 0 });

export const InstanceConfig = Type.Object(
  {
    id: Type.String({ pattern: '^crn:v1:', description: 'the instance CRN (crn:v1:…)' }),
    name: Type.Optional(Type.String({ minLength: 1 })),
    planId: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' })),
    planName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    pricingType: Type.Optional(Type.Union(PRICING_TYPES.map((t) => Type.Literal(t)))),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64 }),
    ),
    share: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    usageLimitSeconds: Type.Optional(Type.Union([NonNegative, Type.Null()])),
    maxTtlSeconds: Type.Optional(PositiveInt),
  },
  { additionalProperties: false },
);

export const BackendConfig = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9_][a-z0-9_.-]*$', maxLength: 64 }),
    lanes: Type.Optional(PositiveInt),
    executor: Type.Optional(Type.Union([Type.Literal('internal'), Type.Literal('external')])),
    // As wide as today's devices (156 qubits) and more; what a job may simulate is bounded by
    // the qubits its circuits act on (30), not by the backend's width.
    qubits: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    status: Type.Optional(
      Type.Union([Type.Literal('online'), Type.Literal('paused'), Type.Literal('offline')]),
    ),
    statusReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    model: Type.Optional(
      Type.Object(
        { jobOverheadMs: Type.Optional(NonNegative), shotTimeMs: Type.Optional(NonNegative) },
        { additionalProperties: false },
      ),
    ),
    reference: Type.Optional(
      Type.Union([
        Type.Literal('manila'),
        Type.Literal('lagos'),
        Type.Literal('guadalupe'),
        Type.Literal('kolkata'),
        Type.Literal('brisbane'),
        Type.Literal('fez'),
        Type.Null(),
      ]),
    ),
    basisGates: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    isa: Type.Optional(Type.Boolean()),
    noise: Type.Optional(
      Type.Union([
        Type.Literal('none'),
        Type.Literal('calibrated'),
        Type.Literal('readout'),
        Type.Literal('relaxation'),
        Type.Literal('gates'),
        Type.Array(
          Type.Union([Type.Literal('readout'), Type.Literal('relaxation'), Type.Literal('gates')]),
          { uniqueItems: true },
        ),
      ]),
    ),
    couplingMap: Type.Optional(
      Type.Union([
        Type.Array(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })])),
        Type.Null(),
      ]),
    ),
    maxShots: Type.Optional(PositiveInt),
    maxExperiments: Type.Optional(PositiveInt),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const TtlConfig = Type.Object(
  {
    openTtlSeconds: Type.Optional(PositiveInt),
    defaultMaxTtlSeconds: Type.Optional(PositiveInt),
    defaultInteractiveTtlDedicatedSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    defaultInteractiveTtlBatchSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    maxInteractiveTtlSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const FileConfig = Type.Object(
  {
    instances: Type.Optional(Type.Array(InstanceConfig, { minItems: 1 })),
    backends: Type.Optional(Type.Array(BackendConfig, { minItems: 1 })),
    ttl: Type.Optional(TtlConfig),
    jobs: Type.Optional(
      Type.Object(
        { defaultCostSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10800 })) },
        { additionalProperties: false },
      ),
    ),
    server: Type.Optional(
      Type.Object(
        { bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1024 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type FileConfig = Static<typeof FileConfig>;
export type BackendConfig = Static<typeof BackendConfig>;
export type InstanceConfig = Static<typeof InstanceConfig>;
