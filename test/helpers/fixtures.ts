/** Shared configuration and requests for scenario and HTTP tests. */
import { DEFAULT_CRN } from './test-runtime.js';

export const OTHER_CRN = 'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:other::';

/** Two instances and two small backends: `solo` (1 lane) and `wide` (3 lanes). */
export const TEST_CONFIG = {
  instances: [
    { id: DEFAULT_CRN, name: 'default' },
    { id: OTHER_CRN, name: 'other' },
  ],
  backends: [
    { name: 'solo', lanes: 1, qubits: 5 },
    { name: 'wide', lanes: 3, qubits: 5 },
  ],
};

export const BELL =
  'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n';

/** A sampler job body. */
export function samplerJob(extra: Record<string, unknown> = {}, shots = 100) {
  return { program_id: 'sampler', params: { pubs: [[BELL, null, shots]], version: 2 }, ...extra };
}
