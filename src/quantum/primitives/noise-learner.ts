/**
 * The noise learner (`noise-learner`; QRMI calls it `noiselearner`): the sparse Pauli–Lindblad
 * noise of each distinct layer of two-qubit Clifford gates in the given circuits, as IBM's
 * NoiseLearner returns it (../shared/spec/programs.md §2–3). Berth knows its noise model, so
 * each layer's rates are the exact rates of the Pauli-twirled channel its gates cause
 * (pauli-lindblad.ts), seen through a learning experiment with the requested shots and depths
 * (noise-learning.ts). Two request forms: the legacy v2 (QPY or OpenQASM circuits, a layer per
 * distinct two-qubit layer) and schema v0.3 (one circuit of boxes, a model per box).
 */
import { deflateSync } from 'node:zlib';
import { TWIRLABLE } from '../compile/bind.js';
import type { Circuit } from '../ir/circuit.js';
import { QuantumInputError, SimulationCancelledError } from '../errors.js';
import { gateChannels, gateKey } from '../noise/gate-noise.js';
import { type Learned, learnRates } from '../noise/noise-learning.js';
import { encodeNdarray } from '../encoding/npy.js';
import {
  type Rates,
  type SparsePauli,
  addDepolarizing,
  addPauliChannel,
  denseLabel,
  layerGenerators,
  pauliKey,
} from '../noise/pauli-lindblad.js';
import { type ProgramLimits, type RunOptions, readCircuit } from './pubs.js';
import { writeQpy } from '../frontend/qpy/encode.js';
import { twirlRelax } from '../compile/bind.js';
import { binomial, createRng } from '../rng.js';
import { decodeQpy } from '../frontend/qpy/decode.js';
import type { QpyFile, QpyInstruction, QpyValue } from '../frontend/qpy/model.js';
import { f64Tensor } from './tensor.js';

export const STRATEGIES = ['active', 'active-circuit', 'active-accum', 'all'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** How a layer is learned: both forms share these (IBM's defaults 128, 32, 0 1 2 4 16 32). */
export interface LearningOptions {
  readonly shotsPerRandomization: number;
  readonly numRandomizations: number;
  readonly layerPairDepths: readonly number[];
}

/** The options of NoiseLearner v2, defaults filled in (ibm-quantum-schemas noise_learner_v2). */
export interface LearnerOptions extends LearningOptions {
  readonly maxLayersToLearn: number | null;
  readonly twirlingStrategy: Strategy;
  readonly seed: number | undefined;
  /** `simulator.coupling_map`: the pairs the model's two-qubit terms are on (else the backend's). */
  readonly couplingMap: readonly (readonly [number, number])[] | null;
}

/** A two-qubit gate of a layer, on circuit (physical) qubits. */
export interface LayerGate {
  readonly name: string;
  readonly qubits: readonly [number, number];
}

/** A distinct layer: its gates, the qubits it twirls, and how often it occurs. */
export interface Layer {
  readonly gates: readonly LayerGate[];
  readonly qubits: readonly number[];
  readonly occurrences: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function only(obj: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(obj))
    if (!keys.includes(k))
      throw new QuantumInputError(
        `${where}.${k} is not a field of NoiseLearner's ${where}; the fields are: ${keys.join(', ')}`,
      );
}

function int(v: unknown, what: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new QuantumInputError(`${what} must be an integer ≥ ${min}`);
  return v;
}

/** Depths: at least two different ones (a decay needs two points), each ≥ 0. */
function depths(v: unknown, what: string): number[] {
  if (v === undefined) return [0, 1, 2, 4, 16, 32];
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && (d as number) >= 0))
    throw new QuantumInputError(`${what} must be a list of integers ≥ 0`);
  if (new Set(v).size < 2)
    throw new QuantumInputError(`${what} needs at least two different depths to fit a decay`);
  if (Math.max(...(v as number[])) > 10_000)
    throw new QuantumInputError(`${what}: Berth learns at depths up to 10000`);
  return v as number[];
}

/** The learning experiment's options, shared by both forms (IBM's defaults). */
function learningOptions(o: Record<string, unknown>): LearningOptions {
  return {
    shotsPerRandomization: int(
      o.shots_per_randomization,
      'options.shots_per_randomization',
      1,
      128,
    ),
    numRandomizations: int(o.num_randomizations, 'options.num_randomizations', 1, 32),
    layerPairDepths: depths(o.layer_pair_depths, 'options.layer_pair_depths'),
  };
}

/** The measurement bases IBM's protocol runs per layer and depth (van den Berg et al.). */
const BASES = 9;

/** Shots the experiment takes for `layers` layers: 9 bases × depths × randomizations × shots. */
function learningShots(layers: number, o: LearningOptions): number {
  return layers * BASES * o.layerPairDepths.length * o.numRandomizations * o.shotsPerRandomization;
}

/** Read NoiseLearner v2 params (extra fields forbidden, as IBM's models forbid them). */
export function readNoiseLearnerV2(
  params: unknown,
  limits: ProgramLimits,
): { circuits: Circuit[]; options: LearnerOptions; supportQiskit: boolean } {
  if (!isObject(params)) throw new QuantumInputError('params must be an object');
  only(params, ['version', 'circuits', 'options'], 'params');
  if (params.version !== undefined && params.version !== null && params.version !== 2)
    throw new QuantumInputError(
      'params.version must be 2 for this form (schema_version v0.3 is the other)',
    );
  if (!Array.isArray(params.circuits))
    throw new QuantumInputError('params.circuits must be a list of circuits (QPY or OpenQASM)');
  if (params.circuits.length > limits.maxExperiments)
    throw new QuantumInputError(
      `${params.circuits.length} circuits is more than the backend's limit of ${limits.maxExperiments}`,
    );
  const circuits = params.circuits.map((c, i) => readCircuit(c, i, limits, true));
  const o = isObject(params.options) ? params.options : {};
  if (params.options !== undefined && !isObject(params.options))
    throw new QuantumInputError('params.options must be an object');
  only(
    o,
    [
      'max_layers_to_learn',
      'shots_per_randomization',
      'num_randomizations',
      'layer_pair_depths',
      'twirling_strategy',
      'support_qiskit',
      'experimental',
      'simulator',
    ],
    'options',
  );
  const strategy = o.twirling_strategy ?? 'active-accum';
  if (!(STRATEGIES as readonly unknown[]).includes(strategy))
    throw new QuantumInputError(
      `options.twirling_strategy must be one of ${STRATEGIES.join(', ')} (got ${JSON.stringify(strategy)})`,
    );
  if (o.support_qiskit !== undefined && typeof o.support_qiskit !== 'boolean')
    throw new QuantumInputError('options.support_qiskit must be true or false');
  if (o.experimental !== undefined && !isObject(o.experimental))
    throw new QuantumInputError('options.experimental must be an object');
  const sim = o.simulator === undefined || o.simulator === null ? {} : o.simulator;
  if (!isObject(sim)) throw new QuantumInputError('options.simulator must be an object or null');
  only(sim, ['noise_model', 'seed_simulator', 'coupling_map', 'basis_gates'], 'options.simulator');
  if (sim.noise_model !== undefined && sim.noise_model !== null)
    throw new QuantumInputError(
      "options.simulator.noise_model: Berth learns the backend's own calibrated noise model; leave it unset",
    );
  const seed = sim.seed_simulator;
  if (
    seed !== undefined &&
    seed !== null &&
    (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
  )
    throw new QuantumInputError('options.simulator.seed_simulator must be an integer ≥ 0');
  const map = sim.coupling_map;
  if (
    map !== undefined &&
    map !== null &&
    !(
      Array.isArray(map) &&
      map.every(
        (e) => Array.isArray(e) && e.length === 2 && e.every((q) => Number.isInteger(q) && q >= 0),
      )
    )
  )
    throw new QuantumInputError(
      'options.simulator.coupling_map must be a list of [qubit, qubit] pairs',
    );
  const maxLayers = o.max_layers_to_learn;
  return {
    circuits,
    supportQiskit: o.support_qiskit !== false,
    options: {
      maxLayersToLearn:
        maxLayers === null ? null : int(maxLayers, 'options.max_layers_to_learn (or null)', 0, 4),
      ...learningOptions(o),
      twirlingStrategy: strategy as Strategy,
      seed: (seed as number | null | undefined) ?? undefined,
      couplingMap: (map as [number, number][] | null | undefined) ?? null,
    },
  };
}

/**
 * The layers of two-qubit Clifford gates of a circuit, each gate placed as early as its qubits
 * allow (single-qubit gates dress the layers and do not separate them), with the qubits the
 * strategy twirls: the layer's own (`active`), every qubit used so far (`active-accum`), every
 * qubit the circuit uses (`active-circuit`), or all its qubits (`all`).
 */
export function circuitLayers(circuit: Circuit, strategy: Strategy): Omit<Layer, 'occurrences'>[] {
  const calls = circuit.calls ?? [];
  const front = new Map<number, number>();
  const layers: { gates: LayerGate[]; last: number }[] = [];
  calls.forEach((call, at) => {
    if (call.qubits.length !== 2 || !TWIRLABLE.has(call.name) || call.modified) return;
    const [a, b] = call.qubits as [number, number];
    const depth = Math.max(front.get(a) ?? 0, front.get(b) ?? 0);
    front.set(a, depth + 1);
    front.set(b, depth + 1);
    const layer = (layers[depth] ??= { gates: [], last: at });
    layer.gates.push({ name: call.name, qubits: [a, b] });
    layer.last = Math.max(layer.last, at);
  });
  const measured = circuit.ops.flatMap((op) => (op.kind === 'measure' ? [op.qubit] : []));
  const used = new Set([...calls.flatMap((c) => c.qubits), ...measured]);
  const all = [...Array(circuit.numQubits).keys()];
  return layers.map((layer) => {
    const own = layer.gates.flatMap((g) => g.qubits);
    const qubits =
      strategy === 'active'
        ? own
        : strategy === 'active-accum'
          ? calls.slice(0, layer.last + 1).flatMap((c) => c.qubits)
          : strategy === 'active-circuit'
            ? [...used]
            : all;
    return {
      gates: [...layer.gates].sort(
        (x, y) => x.qubits[0] - y.qubits[0] || x.qubits[1] - y.qubits[1],
      ),
      qubits: [...new Set(qubits)].sort((x, y) => x - y),
    };
  });
}

/** The distinct layers of all circuits, most frequent first (then the most gates), at most `max`. */
export function distinctLayers(
  circuits: readonly Circuit[],
  strategy: Strategy,
  max: number | null,
): Layer[] {
  const found = new Map<
    string,
    { layer: Omit<Layer, 'occurrences'>; count: number; first: number }
  >();
  let seen = 0;
  for (const c of circuits)
    for (const layer of circuitLayers(c, strategy)) {
      const key = JSON.stringify(layer);
      const entry = found.get(key);
      if (entry) entry.count++;
      else found.set(key, { layer, count: 1, first: seen });
      seen++;
    }
  const ranked = [...found.values()].sort(
    (a, b) => b.count - a.count || b.layer.gates.length - a.layer.gates.length || a.first - b.first,
  );
  return ranked
    .slice(0, max === null ? undefined : max)
    .map((e) => ({ ...e.layer, occurrences: e.count }));
}

/** The pairs a layer's two-qubit terms are on: coupled pairs among its qubits, and its gates'. */
export function layerPairs(
  layer: Pick<Layer, 'gates' | 'qubits'>,
  couplingMap: readonly (readonly [number, number])[] | null,
): [number, number][] {
  const inLayer = new Set(layer.qubits);
  const pairs = new Map<string, [number, number]>();
  const put = (a: number, b: number) => {
    const p: [number, number] = a < b ? [a, b] : [b, a];
    pairs.set(`${p[0]},${p[1]}`, p);
  };
  for (const [a, b] of couplingMap ?? [])
    if (inLayer.has(a) && inLayer.has(b) && a !== b) put(a, b);
  for (const g of layer.gates) put(g.qubits[0], g.qubits[1]);
  return [...pairs.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/**
 * The exact rates of a layer's twirled noise in Berth's model: for each gate, the depolarizing
 * channel of its calibration on its pair, and the relaxation over its length on each of its
 * qubits, twirled to a Pauli channel (gate-noise.ts, bound.ts). Nothing else acts in a layer:
 * idle qubits do not relax during gates (as in Aer's `NoiseModel.from_backend`).
 */
export function exactLayerRates(gates: readonly LayerGate[], limits: ProgramLimits): Rates {
  const rates: Rates = new Map();
  for (const g of gates) {
    const cal = limits.gateNoise?.table[gateKey(g.name, g.qubits)];
    if (!cal) continue;
    const { depol, relax } = gateChannels(cal, g.qubits, limits.relaxation);
    addDepolarizing(rates, g.qubits, depol);
    for (const r of relax) {
      const t = twirlRelax(r);
      addPauliChannel(rates, t.qubit, t.px, t.py, t.pz);
    }
  }
  return rates;
}

/** Readout's attenuation of ⟨Q⟩ with twirled measurements: ∏ (1 − p01 − p10) over Q's qubits. */
export function spamFactor(limits: ProgramLimits): (q: SparsePauli) => number {
  return (q) =>
    q.qubits.reduce(
      (a, p) => a * (1 - (limits.readout?.p01[p] ?? 0) - (limits.readout?.p10[p] ?? 0)),
      1,
    );
}

/** A layer's model: generators, the exact rates, and the learned ones. */
export interface LayerModel {
  readonly generators: SparsePauli[];
  readonly exact: number[];
  readonly learned: Learned;
}

/** The most generators a layer's model may have: the fit inverts a square matrix of them. */
export const MAX_GENERATORS = 1500;

export function learnLayer(
  layer: Pick<Layer, 'gates' | 'qubits'>,
  limits: ProgramLimits,
  options: LearningOptions & Pick<LearnerOptions, 'couplingMap'>,
  rng: () => number,
): LayerModel {
  const generators = layerGenerators(
    layer.qubits,
    layerPairs(layer, options.couplingMap ?? limits.couplingMap ?? null),
  );
  if (generators.length > MAX_GENERATORS)
    throw new QuantumInputError(
      `a layer on ${layer.qubits.length} qubits has ${generators.length} Pauli generators; Berth learns at most ${MAX_GENERATORS}: use twirling_strategy "active"`,
    );
  const rates = exactLayerRates(layer.gates, limits);
  const exact = generators.map((g) => rates.get(pauliKey(g)) ?? 0);
  const learned = learnRates(
    generators,
    exact,
    spamFactor(limits),
    {
      shots: options.shotsPerRandomization * options.numRandomizations,
      depths: options.layerPairDepths,
    },
    rng,
  );
  return { generators, exact, learned };
}

/** The circuit of a layer: its gates on qubits 0..n−1 in the order of `qubits`. */
function layerCircuitQpy(layer: Layer, index: number): string {
  const at = new Map(layer.qubits.map((q, i) => [q, i]));
  const bytes = writeQpy(
    [
      {
        name: `layer-${index}`,
        numQubits: layer.qubits.length,
        numClbits: 0,
        qregs: [{ name: 'q', bits: layer.qubits.map((_, i) => i) }],
        cregs: [],
        instructions: layer.gates.map((g) => ({
          name: QISKIT_CLASS[g.name] ?? g.name,
          qubits: g.qubits.map((q) => at.get(q) as number),
        })),
      },
    ],
    { version: 13 },
  );
  return deflateSync(bytes).toString('base64');
}

/** Qiskit's class of each twirlable gate. */
const QISKIT_CLASS: Readonly<Record<string, string>> = {
  cx: 'CXGate',
  cy: 'CYGate',
  cz: 'CZGate',
  ecr: 'ECRGate',
  swap: 'SwapGate',
  iswap: 'iSwapGate',
  dcx: 'DCXGate',
};

const LAYER_MODULE = 'qiskit_ibm_runtime.utils.noise_learner_result';

/** NoiseLearner v2: the result document (`LayerError`s and the effective options). */
export function runNoiseLearnerV2(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  const { circuits, options } = readNoiseLearnerV2(params, limits);
  const rng = createRng(options.seed ?? run.seed);
  const layers = distinctLayers(circuits, options.twirlingStrategy, options.maxLayersToLearn);
  const data = layers.map((layer, i) => {
    if (run.shouldStop?.()) throw new SimulationCancelledError();
    const model = learnLayer(layer, limits, options, rng);
    return {
      __type__: '_json',
      __module__: LAYER_MODULE,
      __class__: 'LayerError',
      __value__: {
        circuit: { __type__: 'QuantumCircuit', __value__: layerCircuitQpy(layer, i) },
        qubits: [...layer.qubits],
        error: {
          __type__: '_json',
          __module__: LAYER_MODULE,
          __class__: 'PauliLindbladError',
          __value__: {
            generators: {
              __type__: 'settings',
              __module__: 'qiskit.quantum_info.operators.symplectic.pauli_list',
              __class__: 'PauliList',
              __value__: { data: model.generators.map((g) => denseLabel(g, layer.qubits)) },
            },
            rates: encodeNdarray(model.learned.rates, '<f8', [model.generators.length]),
          },
        },
      },
    };
  });
  return {
    data,
    metadata: {
      backend: limits.backendName ?? 'berth',
      input_options: {
        max_layers_to_learn: options.maxLayersToLearn,
        shots_per_randomization: options.shotsPerRandomization,
        num_randomizations: options.numRandomizations,
        layer_pair_depths: [...options.layerPairDepths],
        twirling_strategy: options.twirlingStrategy,
      },
    },
  };
}

/** What a noise-learner job will do, known at submission (params checked, layers found). */
export function checkNoiseLearner(params: unknown, limits: ProgramLimits) {
  if (isV3(params)) {
    const v3 = readNoiseLearnerV3(params, limits);
    return {
      pubs: v3.boxes.length,
      totalShots: learningShots(v3.boxes.length, v3.options),
      maxQubits: Math.max(0, ...v3.boxes.map((b) => b.qubits.length)),
    };
  }
  const { circuits, options } = readNoiseLearnerV2(params, limits);
  const layers = distinctLayers(circuits, options.twirlingStrategy, options.maxLayersToLearn);
  return {
    pubs: circuits.length,
    totalShots: learningShots(layers.length, options),
    maxQubits: Math.max(0, ...layers.map((l) => l.qubits.length)),
  };
}

/** Either request form: schema v0.3 when the params name a schema_version, else v2. */
export function runNoiseLearner(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  return isV3(params)
    ? runNoiseLearnerV3(params, limits, run)
    : runNoiseLearnerV2(params, limits, run);
}

/** The client's own test (RuntimeDecoder): a `schema_version` makes it the v0.3 form. */
const isV3 = (params: unknown): boolean => isObject(params) && 'schema_version' in params;

// ─── Schema v0.3 ────────────────────────────────────────────────────────────────────────────

export const NOISE_LEARNER_V3_SCHEMA = 'v0.3';

/** A box of the v0.3 instructions: a twirled layer (Lindblad) or a twirled measurement (TREX). */
export type Box =
  | {
      readonly protocol: 'lindblad';
      readonly gates: readonly LayerGate[];
      readonly qubits: readonly number[];
    }
  | { readonly protocol: 'trex'; readonly qubits: readonly number[] };

/** Qiskit's two-qubit Clifford gate classes, by the names the noise model knows them by. */
const TWO_QUBIT_CLASSES: Readonly<Record<string, string>> = {
  CXGate: 'cx',
  CYGate: 'cy',
  CZGate: 'cz',
  ECRGate: 'ecr',
  SwapGate: 'swap',
  iSwapGate: 'iswap',
  DCXGate: 'dcx',
};
/** Single-qubit gates a box's Clifford body may dress its layer with (rotations by k·π/2). */
const ONE_QUBIT_CLIFFORD = new Set([
  'IGate',
  'XGate',
  'YGate',
  'ZGate',
  'HGate',
  'SGate',
  'SdgGate',
  'SXGate',
  'SXdgGate',
]);
const ROTATIONS = new Set(['RZGate', 'RXGate', 'RYGate']);

export interface V3Program {
  readonly boxes: readonly Box[];
  /** The qubits of the device register the circuit's qubits belong to (the client's `q`). */
  readonly numQubits: number;
  readonly options: Pick<
    LearnerOptions,
    'shotsPerRandomization' | 'numRandomizations' | 'layerPairDepths'
  >;
}

function flag(v: unknown, where: string, extra: readonly string[]): void {
  if (v === undefined) return;
  if (!isObject(v)) throw new QuantumInputError(`${where} must be an object`);
  only(v, ['enable', 'x_pulse_type', 'strategy', ...extra], where);
  if (v.enable !== undefined && typeof v.enable !== 'boolean')
    throw new QuantumInputError(`${where}.enable must be true or false`);
  if (v.x_pulse_type !== undefined && v.x_pulse_type !== 'xslow' && v.x_pulse_type !== 'rx')
    throw new QuantumInputError(`${where}.x_pulse_type must be "xslow" or "rx"`);
  if (v.strategy !== undefined && v.strategy !== 'node' && v.strategy !== 'edge')
    throw new QuantumInputError(`${where}.strategy must be "node" or "edge"`);
}

/** Read NoiseLearner v3 params (schema v0.3): one QPY circuit of boxes, and the options. */
export function readNoiseLearnerV3(params: unknown, limits: ProgramLimits): V3Program {
  if (!isObject(params)) throw new QuantumInputError('params must be an object');
  if (params.schema_version !== NOISE_LEARNER_V3_SCHEMA)
    throw new QuantumInputError(
      `params.schema_version must be "${NOISE_LEARNER_V3_SCHEMA}" (or absent, for the v2 form); got ${JSON.stringify(params.schema_version)}`,
    );
  if (params.version !== undefined && params.version !== 3)
    throw new QuantumInputError('params.version must be 3 with schema_version v0.3');
  const ins = params.instructions;
  if (!isObject(ins) || typeof ins.circuit_b64 !== 'string')
    throw new QuantumInputError('params.instructions must be {"circuit_b64", "qpy_version"}');
  const version = ins.qpy_version;
  if (typeof version !== 'number' || version < 13 || version > 17)
    throw new QuantumInputError('params.instructions.qpy_version must be from 13 to 17');
  let file: QpyFile;
  try {
    file = decodeQpy(Buffer.from(ins.circuit_b64, 'base64'));
  } catch (e) {
    throw new QuantumInputError(`params.instructions: ${(e as Error).message}`);
  }
  if (file.version !== version)
    throw new QuantumInputError(
      `params.instructions: qpy_version says ${version} but the QPY data is version ${file.version}`,
    );
  const [circuit, ...more] = file.circuits;
  if (!circuit || more.length)
    throw new QuantumInputError('params.instructions must hold exactly one circuit');
  const o = isObject(params.options) ? params.options : {};
  only(
    o,
    [
      'shots_per_randomization',
      'num_randomizations',
      'layer_pair_depths',
      'bit_flip_checks',
      'post_selection',
      'init_qubits',
      'rep_delay',
    ],
    'options',
  );
  const checks = o.bit_flip_checks === undefined ? {} : o.bit_flip_checks;
  if (!isObject(checks)) throw new QuantumInputError('options.bit_flip_checks must be an object');
  only(checks, ['pre_circuit', 'post_circuit'], 'options.bit_flip_checks');
  flag(checks.pre_circuit, 'options.bit_flip_checks.pre_circuit', []);
  flag(checks.post_circuit, 'options.bit_flip_checks.post_circuit', []);
  flag(o.post_selection, 'options.post_selection', []);
  // The device register the client's qubits come from: its index is the physical qubit.
  const device = circuit.qregs.find((r) => r.bits.some((b) => b >= 0));
  const physical = (q: number): number => {
    const at = device ? device.bits.indexOf(q) : q;
    return at < 0 ? q : at;
  };
  const numQubits = device ? device.bits.length : circuit.numQubits;
  if (numQubits > limits.maxQubits)
    throw new QuantumInputError(
      `the instructions use ${numQubits} qubits; the backend has ${limits.maxQubits}`,
    );
  const boxes = circuit.instructions.map((box, i) => readBox(box, i, physical));
  return {
    boxes,
    numQubits,
    options: learningOptions(o),
  };
}

function readBox(box: QpyInstruction, i: number, physical: (q: number) => number): Box {
  const where = `instruction ${i}`;
  const [bodyParam] = box.params;
  if (box.name !== 'BoxOp' || bodyParam?.k !== 'circuit')
    throw new QuantumInputError(
      `${where} is a ${box.name}; the noise learner learns boxes (BoxOp with a Twirl annotation)`,
    );
  const body = bodyParam.c;
  const outer = (k: number): number => physical(box.qubits[k] as number);
  const qubits = box.qubits.map((_, k) => outer(k));
  const ops = body.instructions.filter((x) => x.name !== 'Barrier');
  if (ops.length > 0 && ops.every((x) => x.name === 'Measure')) {
    const measured = ops.map((x) => outer(x.qubits[0] as number));
    if (new Set(measured).size !== measured.length || measured.length !== qubits.length)
      throw new QuantumInputError(
        `${where}: a measurement box must measure each of its qubits exactly once`,
      );
    return { protocol: 'trex', qubits: [...qubits].sort((a, b) => a - b) };
  }
  const gates: LayerGate[] = [];
  const busy = new Set<number>();
  for (const x of ops) {
    const two = TWO_QUBIT_CLASSES[x.name];
    if (two && x.qubits.length === 2) {
      const pair = [outer(x.qubits[0] as number), outer(x.qubits[1] as number)] as const;
      if (busy.has(pair[0]) || busy.has(pair[1]))
        throw new QuantumInputError(
          `${where}: its two-qubit gates overlap; a box must hold one layer`,
        );
      busy.add(pair[0]);
      busy.add(pair[1]);
      gates.push({ name: two, qubits: pair });
    } else if (
      ONE_QUBIT_CLIFFORD.has(x.name) ||
      (ROTATIONS.has(x.name) && quarterTurn(x.params[0]))
    ) {
      continue;
    } else
      throw new QuantumInputError(
        `${where}: ${x.name} makes the box neither a Clifford layer of (up to) two-qubit gates nor a measurement of each qubit`,
      );
  }
  if (!gates.length)
    throw new QuantumInputError(
      `${where}: the box has no two-qubit gate and no measurement to learn`,
    );
  return {
    protocol: 'lindblad',
    gates: [...gates].sort((a, b) => a.qubits[0] - b.qubits[0]),
    qubits: [...qubits].sort((a, b) => a - b),
  };
}

/** A rotation angle that is a multiple of π/2 (a Clifford rotation). */
function quarterTurn(v: QpyValue | undefined): boolean {
  const x = v?.k === 'float' || v?.k === 'int' ? v.v : NaN;
  const k = x / (Math.PI / 2);
  return Number.isFinite(k) && Math.abs(k - Math.round(k)) < 1e-9;
}

/** Shots per measured Pauli and depth of a box's experiment. */
function shotsOf(p: LearningOptions): number {
  return p.shotsPerRandomization * p.numRandomizations;
}

/**
 * A twirled measurement's error is a bit flip with chance (p01 + p10)/2 on each qubit (twirling
 * makes it symmetric): an X generator at rate −ln(1 − 2p)/2, learned from ⟨Z⟩ = 1 − 2p on |0⟩.
 */
function learnTrex(
  qubits: readonly number[],
  limits: ProgramLimits,
  shots: number,
  rng: () => number,
) {
  const rates = new Float64Array(qubits.length);
  const stds = new Float64Array(qubits.length);
  qubits.forEach((q, k) => {
    const flip = ((limits.readout?.p01[q] ?? 0) + (limits.readout?.p10[q] ?? 0)) / 2;
    const f = 1 - 2 * flip;
    const ones = binomial(shots, (1 + f) / 2, rng);
    const measured = Math.max((2 * ones) / shots - 1, 1 / shots);
    rates[k] = Math.max(0, -Math.log(measured) / 2);
    stds[k] = Math.sqrt(Math.max(1 - measured * measured, 1 / shots) / shots) / (2 * measured);
  });
  return { rates, stds };
}

/** F64TensorModel (uncompressed). */
const tensor = (values: Float64Array) => f64Tensor(values, [values.length], false);

/** NoiseLearner v3: one result per box, in IBM's v0.3 result model. */
export function runNoiseLearnerV3(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  const program = readNoiseLearnerV3(params, limits);
  const rng = createRng(run.seed);
  const ones = (keys: readonly (number | string)[]) =>
    Object.fromEntries(keys.map((k) => [String(k), 1]));
  const data = program.boxes.map((box) => {
    if (run.shouldStop?.()) throw new SimulationCancelledError();
    if (box.protocol === 'trex') {
      const learned = learnTrex(box.qubits, limits, shotsOf(program.options), rng);
      return {
        generators_sparse: box.qubits.map((q) => [['X', [q]]]),
        num_qubits: program.numQubits,
        rates: tensor(learned.rates),
        rates_std: tensor(learned.stds),
        // A simulated qubit never leaks: every shot is kept, every check succeeds.
        metadata: {
          learning_protocol: 'trex',
          post_selection: { fraction_kept: 1, success_rates: ones(box.qubits) },
        },
      };
    }
    const model = learnLayer(box, limits, { ...program.options, couplingMap: null }, rng);
    const depthsKept = program.options.layerPairDepths;
    return {
      generators_sparse: model.generators.map((g) => [[g.pauli, [...g.qubits]]]),
      num_qubits: program.numQubits,
      rates: tensor(model.learned.rates),
      rates_std: tensor(model.learned.stds),
      metadata: {
        learning_protocol: 'lindblad',
        post_selection: {
          fraction_kept: ones(depthsKept),
          success_rates: Object.fromEntries(depthsKept.map((d) => [String(d), ones(box.qubits)])),
        },
      },
    };
  });
  return { schema_version: NOISE_LEARNER_V3_SCHEMA, data };
}
