/**
 * The built-in configuration: one instance and three simulated backends, so that a fresh
 * `npm start` is a usable service: a device-like 5-qubit processor with its calibration's
 * noise, its noiseless twin, and a wide ideal simulator.
 */
import type { BackendConfig } from './schema.js';

/** The default instance. Its id has the CRN form because the Python client requires one. */
export const DEFAULT_INSTANCE = {
  id: 'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::',
  name: 'default',
  planId: 'berth-open',
  planName: 'Open',
  pricingType: 'free',
  share: 1,
  usageLimitSeconds: null,
  maxTtlSeconds: 28_800,
} as const;

/** IBM's documented defaults (sessions.md §1; runtime-api.md §3). */
export const DEFAULT_TTL = {
  openTtlSeconds: 1800,
  defaultMaxTtlSeconds: 28_800,
  defaultInteractiveTtlDedicatedSeconds: 60,
  defaultInteractiveTtlBatchSeconds: 1,
  maxInteractiveTtlSeconds: 3600,
} as const;

export const DEFAULT_BACKENDS: readonly BackendConfig[] = [
  {
    // Behaves like a small processor: one job at a time, and each job holds the device for
    // 100 ms plus 0.1 ms per shot (4,096 shots ≈ 0.5 s), so that sessions visibly matter.
    name: 'berth_manila',
    lanes: 1,
    reference: 'manila',
    // Any gate, so that the documents' circuits run untranspiled (`isa: true` for the device's rules).
    isa: false,
    // Noisy like the device: readout, relaxation and gate errors from its calibration.
    noise: 'calibrated',
    model: { jobOverheadMs: 100, shotTimeMs: 0.1 },
    description:
      'Simulated 5-qubit processor with the coupling map, calibration and noise of ibmq_manila',
  },
  {
    // The same processor without noise: exact answers, with the same shape and timing.
    name: 'berth_manila_ideal',
    lanes: 1,
    reference: 'manila',
    isa: false,
    noise: 'none',
    model: { jobOverheadMs: 100, shotTimeMs: 0.1 },
    description: 'Noiseless twin of berth_manila: the same 5-qubit processor, ideal',
  },
  {
    // A simulator service: four jobs at once, no modeled time beyond the simulation itself.
    name: 'berth_sim',
    lanes: 4,
    qubits: 20,
    couplingMap: null,
    model: { jobOverheadMs: 0, shotTimeMs: 0 },
    description: 'Statevector simulator, 20 qubits, all-to-all, 4 jobs at once',
  },
];
