/**
 * The `executor` program, schema v2.0 (ibm-quantum-schemas `executor/version_2_0/models.py`;
 * ../shared/spec/programs.md §1): a quantum program of items, each a circuit bound to every row
 * of its `circuit_arguments` (broadcast over the item's `shape`) and run `shots` times. The
 * result holds, per item and classical register, a bool tensor `(*shape, shots, bits)`. What
 * the client's Sampler and Estimator make of it (twirl undo, mitigation) is its own work,
 * driven by `passthrough_data`, which comes back unchanged.
 *
 * Samplex items (samplomatic's randomized programs) are refused with a 400 that says what is
 * supported: docs/adr/0011-samplex-items.md says how Berth will evaluate them.
 */
import { inflateSync } from 'node:zlib';
import { broadcastIndex, broadcastShapes, product } from './arrays.js';
import type { Circuit } from '../ir/circuit.js';
import { compact } from '../ir/circuit.js';
import { QuantumInputError } from '../errors.js';
import { bind, sampleShots } from '../engines/execute.js';
import { parseQasm } from '../frontend/qasm/parser.js';
import { MAX_QPY_BYTES, readQpyFile } from '../frontend/qpy/index.js';
import { type ProgramLimits, type RunOptions, checkCircuit, readOptionsFor } from './pubs.js';
import { restrictReadout } from '../noise/readout.js';
import { restrictRelaxation } from '../noise/relaxation.js';
import { createRng } from '../rng.js';
import { boolTensor, float64s, readTensor } from './tensor.js';

export const EXECUTOR_SCHEMA = 'v2.0';

/** Bound circuits one job may run (items × elements): a bound on work, as pubs are bounded. */
const MAX_ELEMENTS = 100_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One circuit item, checked. */
export interface ExecutorItem {
  readonly circuit: Circuit;
  /** The item's shape: `shape` broadcast with the arguments' leading axes. */
  readonly shape: readonly number[];
  /** Parameter values, `argShape` × parameters, C order. */
  readonly args: Float64Array;
  readonly argShape: readonly number[];
}

export interface ExecutorProgram {
  readonly shots: number;
  readonly items: readonly ExecutorItem[];
  readonly passthrough: unknown;
  readonly semanticRole: string | null;
  readonly seed: number | undefined;
}

/** Read and check executor params against the backend. Throws QuantumInputError. */
export function readExecutor(params: unknown, limits: ProgramLimits): ExecutorProgram {
  if (!isObject(params)) throw new QuantumInputError('params must be an object');
  if (params.schema_version !== EXECUTOR_SCHEMA)
    throw new QuantumInputError(
      `params.schema_version must be "${EXECUTOR_SCHEMA}" (what qiskit-ibm-runtime's Executor sends); got ${JSON.stringify(params.schema_version)}`,
    );
  const program = params.quantum_program;
  if (!isObject(program)) throw new QuantumInputError('params.quantum_program must be an object');
  const shots = program.shots;
  if (typeof shots !== 'number' || !Number.isInteger(shots) || shots < 1 || shots > limits.maxShots)
    throw new QuantumInputError(
      `quantum_program.shots must be an integer from 1 to ${limits.maxShots}`,
    );
  const meas = program.meas_level ?? 'classified';
  if (meas !== 'classified') {
    if (['kerneled', 'avg_kerneled', 'both'].includes(String(meas)))
      throw new QuantumInputError(
        `quantum_program.meas_level "${String(meas)}" asks for IQ readout data, which a simulated backend does not have; use "classified" (the default)`,
      );
    throw new QuantumInputError(
      `quantum_program.meas_level must be one of "classified", "kerneled", "avg_kerneled", "both" (got ${JSON.stringify(meas)})`,
    );
  }
  const items = program.items;
  if (!Array.isArray(items) || items.length === 0)
    throw new QuantumInputError('quantum_program.items must be a non-empty list');
  if (items.length > limits.maxExperiments)
    throw new QuantumInputError(
      `${items.length} items is more than the backend's limit of ${limits.maxExperiments}`,
    );
  const chunks = new Set(items.map((i) => (isObject(i) ? (i.chunk_size ?? 'auto') : 'auto')));
  if (chunks.has('auto') && chunks.size > 1)
    throw new QuantumInputError(
      "quantum_program.items: chunk_size must be 'auto' for every item or an integer for every item",
    );
  const circuits = readCircuits(program.circuits, items.length, limits);
  const options = isObject(params.options) ? params.options : {};
  for (const flag of ['scheduler_timing', 'stretch_values'] as const)
    if (options[flag] === true)
      throw new QuantumInputError(
        `options.${flag} asks for the schedule of the circuits on the device's control electronics, which a simulated backend does not have; leave it false`,
      );
  const experimental = isObject(options.experimental) ? options.experimental : {};
  const seed = experimental.seed_simulator;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0))
    throw new QuantumInputError(
      'options.experimental.seed_simulator must be a non-negative integer',
    );
  const read = items.map((item, i) => readItem(item, i, circuits[i] as Circuit));
  const elements = read.reduce((n, it) => n + product(it.shape), 0);
  if (elements > MAX_ELEMENTS)
    throw new QuantumInputError(
      `the program binds ${elements} circuits; Berth runs at most ${MAX_ELEMENTS} per job (split it)`,
    );
  const role = program.semantic_role ?? null;
  if (role !== null && typeof role !== 'string')
    throw new QuantumInputError('quantum_program.semantic_role must be a string or null');
  return {
    shots,
    items: read,
    passthrough: program.passthrough_data ?? null,
    semanticRole: role,
    seed: seed as number | undefined,
  };
}

/** `circuits`: one compressed QPY file (the client's), or OpenQASM 3 texts. */
function readCircuits(value: unknown, count: number, limits: ProgramLimits): Circuit[] {
  const where = 'quantum_program.circuits';
  const options = readOptionsFor(limits);
  let circuits: Circuit[];
  if (isObject(value) && typeof value.b64_data === 'string') {
    const { qpy_version: version, num_programs: programs } = value;
    if (typeof version !== 'number' || version < 10)
      throw new QuantumInputError(`${where}.qpy_version must be an integer ≥ 10`);
    let bytes: Uint8Array;
    try {
      bytes = inflateSync(Buffer.from(value.b64_data, 'base64'), {
        maxOutputLength: MAX_QPY_BYTES,
      });
    } catch {
      throw new QuantumInputError(
        `${where}.b64_data must be base64 of zlib-compressed QPY of at most ${MAX_QPY_BYTES} bytes`,
      );
    }
    const file = readQpyFile(bytes, options);
    if (file.version !== version)
      throw new QuantumInputError(
        `${where}: qpy_version says ${version} but the QPY data is version ${file.version}`,
      );
    if (file.circuits.length !== programs)
      throw new QuantumInputError(
        `${where}: num_programs says ${String(programs)} but the QPY data holds ${file.circuits.length} circuits`,
      );
    circuits = file.circuits;
  } else if (isObject(value) && Array.isArray(value.data)) {
    circuits = value.data.map((text, i) => {
      if (typeof text !== 'string')
        throw new QuantumInputError(`${where}.data[${i}] must be an OpenQASM 3 program`);
      return parseQasm(text, options);
    });
  } else {
    throw new QuantumInputError(
      `${where} must be {"b64_data", "qpy_version", "num_programs"} (compressed QPY) or {"data": [OpenQASM 3, …]}`,
    );
  }
  if (circuits.length !== count)
    throw new QuantumInputError(
      `There must be exactly one circuit for every program item, but there are ${circuits.length} circuits and ${count} items`,
    );
  return circuits.map((c, i) => checkCircuit(c, `item ${i}`, limits));
}

function readItem(item: unknown, i: number, circuit: Circuit): ExecutorItem {
  const where = `quantum_program.items[${i}]`;
  if (!isObject(item)) throw new QuantumInputError(`${where} must be an object`);
  const type = item.item_type ?? 'circuit';
  if (type === 'samplex')
    throw new QuantumInputError(
      `${where}: samplex items (samplomatic's randomized programs, sent when twirling or PEA/PEC is on) are not supported yet; Berth runs "circuit" items. Turn twirling off in the primitive's options, or send circuit items (docs/programs.md)`,
    );
  if (type !== 'circuit')
    throw new QuantumInputError(`${where}.item_type must be "circuit" or "samplex"`);
  const chunk = item.chunk_size ?? 'auto';
  if (chunk !== 'auto' && !(typeof chunk === 'number' && Number.isInteger(chunk) && chunk >= 1))
    throw new QuantumInputError(`${where}.chunk_size must be "auto" or an integer ≥ 1`);
  const tensor = readTensor(item.circuit_arguments, `${where}.circuit_arguments`, {
    compressed: true,
    dtypes: ['f64'],
  });
  const p = circuit.parameters.length;
  const last = tensor.shape[tensor.shape.length - 1];
  if (last !== p) {
    const labels = (circuit.parameterLabels ?? circuit.parameters).join(', ');
    throw new QuantumInputError(
      `${where}.circuit_arguments: the last axis must hold the circuit's ${p} parameter(s)${p ? ` (${labels})` : ''}; its shape is [${tensor.shape.join(', ')}]`,
    );
  }
  const shape = item.shape ?? [];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
    throw new QuantumInputError(`${where}.shape must be a list of non-negative integers`);
  const argShape = tensor.shape.slice(0, -1);
  return {
    circuit,
    shape: broadcastShapes(shape as number[], argShape, `${where}.shape`),
    args: float64s(tensor),
    argShape,
  };
}

/** The executor's result document for checked params. */
export function runExecutor(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  const program = readExecutor(params, limits);
  const rng = createRng(program.seed ?? run.seed);
  const spans: unknown[] = [];
  const data = program.items.map((item, idx) => {
    const start = new Date();
    const { circuit, used } = compact(item.circuit);
    const readout = limits.readout && restrictReadout(limits.readout, used);
    const relaxation = limits.relaxation && restrictRelaxation(limits.relaxation, used);
    const noise = { relaxation, gates: limits.gateNoise, physical: used, twirl: false };
    const count = product(item.shape);
    const params = item.circuit.parameters;
    const elements = Array.from({ length: count }, (_, e) => {
      const row = broadcastIndex(e, item.shape, item.argShape) * params.length;
      const env = new Map(params.map((name, j) => [name, item.args[row + j] as number]));
      return sampleShots(
        circuit,
        bind(circuit.ops, env, noise),
        program.shots,
        rng,
        run.shouldStop,
        readout,
        run.engine,
      );
    });
    const results = Object.fromEntries(
      item.circuit.cregs.map((reg) => {
        const bits = new Uint8Array(count * program.shots * reg.size);
        elements.forEach((shots, e) => {
          for (let s = 0; s < program.shots; s++) {
            const from = s * item.circuit.numClbits + reg.offset;
            const to = (e * program.shots + s) * reg.size;
            for (let b = 0; b < reg.size; b++) bits[to + b] = shots[from + b] as number;
          }
        });
        return [reg.name, boolTensor(bits, [...item.shape, program.shots, reg.size])];
      }),
    );
    spans.push({
      start: start.toISOString(),
      stop: new Date().toISOString(),
      parts: [
        {
          idx_item: idx,
          size: count,
          permutation: item.shape.map((_, d) => d),
          element_range: [0, count, 1],
        },
      ],
    });
    return { results, metadata: { scheduler_timing: null, stretch_values: null } };
  });
  return {
    schema_version: EXECUTOR_SCHEMA,
    data,
    metadata: { chunk_timing: spans },
    passthrough_data: program.passthrough,
    semantic_role: program.semanticRole,
  };
}
