/**
 * The Qiskit `configuration` and `properties` documents of a backend. A backend that mirrors a
 * reference processor serves that processor's documents under its own name; any other backend
 * gets documents built from its definition, in the same shape, so that the Python client can
 * build a Target from them. `simulator` is always false: the Python client opens no session on a
 * backend that says it is a simulator.
 */
import type { Backend } from '../domain/backend/backend.js';

/** Parameter count of the gates a synthesized configuration may list. */
const GATE_PARAMS: Readonly<Record<string, string[]>> = {
  id: [],
  x: [],
  y: [],
  z: [],
  h: [],
  s: [],
  sdg: [],
  t: [],
  tdg: [],
  sx: [],
  sxdg: [],
  rx: ['theta'],
  ry: ['theta'],
  rz: ['theta'],
  p: ['lambda'],
  u: ['theta', 'phi', 'lambda'],
  cx: [],
  cz: [],
  ecr: [],
  swap: [],
};
const TWO_QUBIT = new Set(['cx', 'cz', 'ecr', 'swap']);

/** Every directed pair of a backend: its coupling map, or all pairs when it has none. */
export function allPairs(b: Backend): [number, number][] {
  if (b.couplingMap) return b.couplingMap.map(([a, c]) => [a, c]);
  const pairs: [number, number][] = [];
  for (let a = 0; a < b.qubits; a++)
    for (let c = 0; c < b.qubits; c++) if (a !== c) pairs.push([a, c]);
  return pairs;
}

/** The configuration document. */
export function buildConfiguration(
  b: Backend,
  reference: Record<string, unknown> | null,
  onlineDate: string,
): Record<string, unknown> {
  const pairs = allPairs(b);
  const basis = b.basisGates.filter((g) => g in GATE_PARAMS);
  const common = {
    backend_name: b.name,
    backend_version: b.version,
    n_qubits: b.qubits,
    simulator: false,
    local: false,
    max_shots: b.maxShots,
    max_experiments: b.maxExperiments,
    description: b.description,
  };
  if (reference)
    return {
      ...reference,
      ...common,
      coupling_map: pairs,
      basis_gates: [...b.basisGates],
      // IBM's models type the revision as a string; some snapshots hold a number (3, 5.11).
      processor_type: { ...(reference.processor_type as object), ...b.processorType },
    };
  const qubits = [...Array(b.qubits).keys()];
  return {
    ...common,
    basis_gates: basis,
    gates: basis.map((name) => ({
      name,
      parameters: GATE_PARAMS[name] ?? [],
      qasm_def: '',
      coupling_map: TWO_QUBIT.has(name) ? pairs : qubits.map((q) => [q]),
    })),
    conditional: true,
    open_pulse: false,
    memory: true,
    coupling_map: pairs,
    supported_instructions: [...basis, 'measure', 'reset', 'delay', 'barrier', 'if_else'],
    supported_features: ['qasm3'],
    online_date: onlineDate,
    processor_type: { family: b.processorType.family, revision: b.processorType.revision },
    n_registers: 1,
    credits_required: false,
    dt: 2.2222222222222221e-10,
    dtm: 2.2222222222222221e-10,
    conditional_latency: [],
    meas_map: [qubits],
    quantum_volume: null,
  };
}

/** The properties document (calibration). A synthesized backend is noiseless. */
export function buildProperties(
  b: Backend,
  reference: Record<string, unknown> | null,
  updated: string,
): Record<string, unknown> {
  if (reference) return { ...reference, backend_name: b.name, backend_version: b.version };
  const param = (name: string, unit: string, value: number) => ({
    date: updated,
    name,
    unit,
    value,
  });
  const basis = b.basisGates.filter((g) => g in GATE_PARAMS);
  const gates: Record<string, unknown>[] = [];
  for (const name of basis) {
    const targets = TWO_QUBIT.has(name) ? allPairs(b) : [...Array(b.qubits).keys()].map((q) => [q]);
    for (const qs of targets) {
      gates.push({
        qubits: qs,
        gate: name,
        name: `${name}${qs.join('_')}`,
        parameters: [
          param('gate_error', '', 0),
          param('gate_length', 'ns', TWO_QUBIT.has(name) ? 300 : 35.5),
        ],
      });
    }
  }
  return {
    backend_name: b.name,
    backend_version: b.version,
    last_update_date: updated,
    qubits: [...Array(b.qubits).keys()].map(() => [
      param('T1', 'us', 1e6),
      param('T2', 'us', 1e6),
      param('frequency', 'GHz', 5),
      param('readout_error', '', 0),
      param('prob_meas0_prep1', '', 0),
      param('prob_meas1_prep0', '', 0),
      param('readout_length', 'ns', 1000),
    ]),
    gates,
    general: [],
  };
}
