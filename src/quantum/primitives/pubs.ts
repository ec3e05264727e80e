/** Reading primitive params (what the Python client sends as `params`) into checked pubs. */
import type { Circuit } from '../ir/circuit.js';
import { qubitPairs, usedQubits } from '../ir/circuit.js';
import { QuantumInputError } from '../errors.js';
import { parseQasm } from '../frontend/qasm/parser.js';
import { readQpyCircuit } from '../frontend/qpy/index.js';
import type { Readout } from '../noise/readout.js';
import type { GateNoise } from '../noise/gate-noise.js';
import type { Relaxation } from '../noise/relaxation.js';
import type { NoisyEngine } from '../engines/engine-choice.js';

/** Amplitude indices are 32-bit integers, and 2^30 amplitudes already take 16 GiB. */
export const MAX_SIMULATED_QUBITS = 30;

/** What a backend allows. */
export interface ProgramLimits {
  /** Backend width: a wider circuit is rejected. */
  readonly maxQubits: number;
  /** Per pub. */
  readonly maxShots: number;
  /** Pubs per job. */
  readonly maxExperiments: number;
  /** When given, multi-qubit operations must act on coupled pairs (either direction). */
  readonly couplingMap?: ReadonlyArray<readonly [number, number]> | null;
  /**
   * ISA rules (a backend that mirrors a device): every gate call is one of `basisGates`, with no
   * modifier, and a two-qubit one acts on a pair the coupling map lists, in that direction.
   */
  readonly isa?: { readonly basisGates: readonly string[] };
  /** Readout error per physical qubit (a backend with `noise: readout`). */
  readonly readout?: Readout;
  /** T1/T2 per physical qubit (`noise: relaxation`): delays then relax, in the sampler. */
  readonly relaxation?: Relaxation;
  /** Gate errors by gate and physical qubits (`noise: gates`), in the sampler. */
  readonly gateNoise?: GateNoise;
  /** The backend's name (results name it: the noise learner's `metadata.backend`). */
  readonly backendName?: string;
}

/** Parameters common to both primitives. */
export interface PrimitiveParams {
  readonly pubs: readonly unknown[];
  readonly options: Record<string, unknown>;
  readonly raw: Record<string, unknown>;
}

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Check the params object and its pub list against the backend limits. */
export function readParams(params: unknown, limits: ProgramLimits): PrimitiveParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new QuantumInputError('params must be an object with a "pubs" list');
  }
  const raw = params as Record<string, unknown>;
  if (raw.version !== undefined && raw.version !== 2)
    throw new QuantumInputError(
      `only version 2 primitives are supported (got version ${String(raw.version)})`,
    );
  if (raw.support_qiskit !== undefined && typeof raw.support_qiskit !== 'boolean')
    throw new QuantumInputError('params.support_qiskit must be true or false');
  const pubs = raw.pubs;
  if (!Array.isArray(pubs) || pubs.length === 0)
    throw new QuantumInputError('params.pubs must be a non-empty list');
  if (pubs.length > limits.maxExperiments) {
    throw new QuantumInputError(
      `${pubs.length} pubs is more than the backend's limit of ${limits.maxExperiments}`,
    );
  }
  return { pubs, options: asObject(raw.options), raw };
}

/** The pub as a list: a bare circuit is a pub of one element. */
export function pubItems(pub: unknown, index: number): unknown[] {
  if (Array.isArray(pub)) return pub;
  if (typeof pub === 'string') return [pub];
  throw new QuantumInputError(`pub ${index}: expected [circuit, ...] or an OpenQASM string`);
}

/** Parse and check a pub's circuit against the backend. */
export function readCircuit(
  value: unknown,
  index: number,
  limits: ProgramLimits,
  /** Record every gate call even when the backend's checks do not need them (layer finding). */
  recordCalls = false,
): Circuit {
  let circuit: Circuit;
  try {
    const options = { ...readOptionsFor(limits), ...(recordCalls ? { recordCalls } : {}) };
    if (typeof value === 'string') circuit = parseQasm(value, options);
    else if (asObject(value).__type__ === 'QuantumCircuit')
      circuit = readQpyCircuit(value, options);
    else
      throw new QuantumInputError(
        'the circuit must be an OpenQASM 2 or 3 string, or a QPY circuit ({"__type__": "QuantumCircuit", "__value__": …}, as qiskit-ibm-runtime sends it)',
      );
  } catch (e) {
    if (e instanceof QuantumInputError) throw new QuantumInputError(`pub ${index}: ${e.message}`);
    throw e;
  }
  return checkCircuit(circuit, `pub ${index}`, limits);
}

/** How circuits are read for a backend: what its checks and noise need recorded. */
export function readOptionsFor(limits: ProgramLimits) {
  return {
    recordCalls: limits.isa !== undefined,
    keepDelays: limits.relaxation !== undefined,
    markGates: limits.gateNoise !== undefined,
  };
}

/**
 * Check a parsed circuit against the backend (width, simulated qubits, ISA rules, coupling);
 * an ISA circuit comes back as wide as the backend. `where` names it in errors.
 */
export function checkCircuit(circuit: Circuit, where: string, limits: ProgramLimits): Circuit {
  if (circuit.numQubits > limits.maxQubits) {
    throw new QuantumInputError(
      `${where}: the circuit uses ${circuit.numQubits} qubits; the backend has ${limits.maxQubits}`,
    );
  }
  // An ISA circuit ($n) is as wide as the backend: its observables name every device qubit.
  if (circuit.physical) circuit = { ...circuit, numQubits: limits.maxQubits };
  const active = usedQubits(circuit.ops).length;
  if (active > MAX_SIMULATED_QUBITS) {
    throw new QuantumInputError(
      `${where}: the circuit acts on ${active} qubits; Berth simulates at most ${MAX_SIMULATED_QUBITS}`,
    );
  }
  if (limits.isa) checkIsa(circuit, where, limits.isa.basisGates, limits.couplingMap ?? null);
  if (limits.couplingMap) {
    const coupled = new Set(limits.couplingMap.flatMap(([a, b]) => [`${a},${b}`, `${b},${a}`]));
    for (const [a, b] of qubitPairs(circuit.ops)) {
      if (!coupled.has(`${a},${b}`)) {
        throw new QuantumInputError(
          `${where}: qubits ${a} and ${b} are not coupled on this backend (transpile the circuit for its coupling map)`,
        );
      }
    }
  }
  return circuit;
}

/**
 * `"support_qiskit": false`: the caller wants IBM's pure-JSON result shapes (hexadecimal samples
 * per register, plain `evs`/`stds` arrays) instead of Qiskit's encoded objects: what non-Python
 * clients such as IBM's QRMI ask for.
 */
export function wantsPureJson(p: PrimitiveParams): boolean {
  return p.raw.support_qiskit === false;
}

/** Instructions an ISA circuit may hold besides the basis gates (statements, not gates). */
const ISA_FREE = new Set(['gphase']);

function checkIsa(
  circuit: Circuit,
  where: string,
  basis: readonly string[],
  couplingMap: ReadonlyArray<readonly [number, number]> | null,
): void {
  const allowed = new Set(basis);
  const edges = couplingMap ? new Set(couplingMap.map(([a, b]) => `${a},${b}`)) : null;
  const advice =
    'transpile the circuit for this backend (qiskit.transpile or generate_preset_pass_manager)';
  for (const call of circuit.calls ?? []) {
    const on = `${call.name} on qubit${call.qubits.length === 1 ? '' : 's'} ${call.qubits.join(', ')}`;
    if (ISA_FREE.has(call.name) && !call.modified) continue;
    if (call.modified)
      throw new QuantumInputError(
        `${where}: ${on} has modifiers (ctrl, inv, pow), which are not ISA instructions: ${advice}`,
      );
    if (!allowed.has(call.name))
      throw new QuantumInputError(
        `${where}: ${on} is not in the backend's basis gates (${basis.join(', ')}): ${advice}`,
      );
    const [a, b] = call.qubits;
    if (call.qubits.length === 2 && edges && !edges.has(`${a},${b}`))
      throw new QuantumInputError(
        `${where}: ${on}: the coupling map has no ${a} → ${b} edge${edges.has(`${b},${a}`) ? ` (it has ${b} → ${a})` : ''}: ${advice}`,
      );
  }
}

/** An integer option, if present. */
export function intOption(v: unknown, what: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new QuantumInputError(`${what} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** How a run is carried out (not what it computes). */
export interface RunOptions {
  /** Seed used when the params name none. */
  readonly seed?: number;
  /** Polled between gates and shots; when it returns true the run throws SimulationCancelledError. */
  readonly shouldStop?: () => boolean;
  /** The engine for noisy runs (default `auto`: engine-choice.ts); benchmarks force one. */
  readonly engine?: NoisyEngine;
}

/**
 * The seed: the user's (options.simulator.seed_simulator, options.seed or params.seed) first,
 * then the caller's; undefined means a random one.
 */
export function seedOf(p: PrimitiveParams, fallback?: number): number | undefined {
  const sim = asObject(p.options.simulator);
  const v = sim.seed_simulator ?? p.options.seed ?? p.raw.seed;
  return intOption(v, 'the seed', 0, Number.MAX_SAFE_INTEGER) ?? fallback;
}
