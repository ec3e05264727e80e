/**
 * Sampler V2: pubs (circuit, parameter values?, shots?) → per classical register a BitArray of
 * all shots, for every element of the pub's parameter shape, plus readable counts in metadata.
 */
import { product } from './arrays.js';
import { type Bindings, parseBindings } from './bindings.js';
import { type Circuit, type Register, compact } from '../ir/circuit.js';
import { bitArray, dataBin, primitiveResult, pubResult } from '../encoding/encoding.js';
import type { Encoded } from '../encoding/encoding.js';
import { QuantumInputError } from '../errors.js';
import { bind, sampleShots } from '../engines/execute.js';
import {
  type PrimitiveParams,
  type ProgramLimits,
  intOption,
  pubItems,
  readCircuit,
  type RunOptions,
  readParams,
  seedOf,
  wantsPureJson,
} from './pubs.js';
import { restrictReadout, twirledReadout } from '../noise/readout.js';
import { readSamplerTwirling } from './mitigation.js';
import { restrictRelaxation } from '../noise/relaxation.js';
import { createRng } from '../rng.js';
import { nest } from '../encoding/npy.js';

/** Qiskit's default number of shots for Sampler V2. */
export const DEFAULT_SHOTS = 4096;

/** A checked sampler pub. */
export interface SamplerPub {
  readonly circuit: Circuit;
  readonly bindings: Bindings;
  readonly shots: number;
}

/** Read and check Sampler V2 params. Throws QuantumInputError. */
export function readSamplerPubs(
  params: unknown,
  limits: ProgramLimits,
): {
  pubs: SamplerPub[];
  p: PrimitiveParams;
  twirling: ReturnType<typeof readSamplerTwirling>;
} {
  const p = readParams(params, limits);
  checkMeasType(p.options.execution);
  const defaultShots =
    intOption(p.options.default_shots, 'options.default_shots', 1, limits.maxShots) ??
    intOption(p.raw.shots, 'params.shots', 1, limits.maxShots) ??
    Math.min(DEFAULT_SHOTS, limits.maxShots);
  const pubs = p.pubs.map((pub, i) => {
    const [circ, values, shots] = pubItems(pub, i);
    const circuit = readCircuit(circ, i, limits);
    if (circuit.numClbits === 0)
      throw new QuantumInputError(
        `pub ${i}: the circuit has no classical bits to sample (add measurements)`,
      );
    return {
      circuit,
      bindings: parseBindings(values, circuit.parameters, `pub ${i}`, circuit.parameterLabels),
      shots: intOption(shots, `pub ${i}: shots`, 1, limits.maxShots) ?? defaultShots,
    };
  });
  return { pubs, p, twirling: readSamplerTwirling(p.options) };
}

/**
 * `options.execution.meas_type`: `classified` (IBM's default, bits) is what a simulator has;
 * `kerneled` and `avg_kerneled` ask for the IQ points of a device's readout resonator, which no
 * simulation here produces, so they are refused rather than answered with invented numbers.
 */
function checkMeasType(execution: unknown): void {
  if (typeof execution !== 'object' || execution === null) return;
  const measType = (execution as { meas_type?: unknown }).meas_type;
  if (measType === undefined || measType === null || measType === 'classified') return;
  if (measType === 'kerneled' || measType === 'avg_kerneled')
    throw new QuantumInputError(
      `options.execution.meas_type "${measType}" asks for IQ readout data, which a simulated backend does not have; use "classified" (the default)`,
    );
  throw new QuantumInputError(
    `options.execution.meas_type must be one of "classified", "kerneled", "avg_kerneled" (got ${JSON.stringify(measType)}); Berth returns "classified" bits`,
  );
}

/** Run the primitive; the PrimitiveResult document. */
export function runSampler(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  const { shouldStop } = run;
  const { pubs, p, twirling } = readSamplerPubs(params, limits);
  const pureJson = wantsPureJson(p);
  const rng = createRng(seedOf(p, run.seed));
  const results = pubs.map((pub) => {
    // Idle qubits (a circuit transpiled for a wide device) are left out of the simulation.
    const { circuit, used } = compact(pub.circuit);
    const restricted = limits.readout && restrictReadout(limits.readout, used);
    const readout = restricted && twirling.measure ? twirledReadout(restricted) : restricted;
    const relaxation = limits.relaxation && restrictRelaxation(limits.relaxation, used);
    const noise = { relaxation, gates: limits.gateNoise, physical: used, twirl: twirling.gates };
    const elements = pub.bindings.sets.map((env) =>
      sampleShots(
        circuit,
        bind(circuit.ops, env, noise),
        pub.shots,
        rng,
        shouldStop,
        readout,
        run.engine,
      ),
    );
    const registers = pub.circuit.cregs.map((reg) => ({
      reg,
      values: narrow(reg) ? elements.map((bits) => registerValues(bits, reg, pub)) : null,
    }));
    const fields = Object.fromEntries(
      registers.map(({ reg, values }) => [
        reg.name,
        bitArray(packRegister(elements, values, reg, pub), pub.bindings.shape, pub.shots, reg.size),
      ]),
    );
    const metadata = { shots: pub.shots, circuit_metadata: {} };
    if (pureJson)
      return {
        data: Object.fromEntries(
          registers.map(({ reg, values }) => [
            reg.name,
            { samples: hexSamples(elements, values, reg, pub), num_bits: reg.size },
          ]),
        ),
        metadata,
      };
    const counts = Object.fromEntries(
      registers.map(({ reg, values }) => [reg.name, countsOf(elements, values, reg, pub)]),
    );
    return pubResult('SamplerPubResult', dataBin(fields, pub.bindings.shape), {
      shots: pub.shots,
      circuit_metadata: {},
      counts,
    });
  });
  // Every pub took the same branch: all pure JSON, or all encoded Qiskit objects.
  return pureJson
    ? { results, metadata: { version: 2 } }
    : primitiveResult(results as Encoded[], { version: 2 });
}

/**
 * The pure-JSON form of a register: each shot as a hexadecimal string (`0x3`), the register's
 * bit k being bit k of the number; one array per element, nested like the pub's shape.
 */
function hexSamples(
  elements: readonly Uint8Array[],
  values: readonly Uint32Array[] | null,
  reg: Register,
  pub: SamplerPub,
): unknown {
  const per = elements.map((bits, e) => {
    const vals = values?.[e];
    return Array.from({ length: pub.shots }, (_, s) =>
      vals
        ? `0x${(vals[s] as number).toString(16)}`
        : `0x${BigInt(`0b${bitstring(bits, s, reg, pub.circuit.numClbits) || '0'}`).toString(16)}`,
    );
  });
  return nest(per, pub.bindings.shape);
}

/**
 * Registers this narrow are read as one integer per shot, and counted and packed from those:
 * bit operations on 32-bit integers are exact, and a bitstring is then built once per distinct
 * value instead of once per shot. Wider registers (rare) take the bit-by-bit path.
 */
const MAX_NARROW_BITS = 30;
const narrow = (reg: Register): boolean => reg.size > 0 && reg.size <= MAX_NARROW_BITS;

/** Each shot's register value: bit k is clbit offset+k. */
function registerValues(bits: Uint8Array, reg: Register, pub: SamplerPub): Uint32Array {
  const out = new Uint32Array(pub.shots);
  const stride = pub.circuit.numClbits;
  for (let s = 0, from = reg.offset; s < pub.shots; s++, from += stride) {
    let v = 0;
    for (let k = reg.size - 1; k >= 0; k--) v = (v << 1) | (bits[from + k] as number);
    out[s] = v;
  }
  return out;
}

/** A shot's register as Qiskit prints it: bit k of the register (clbit offset+k) k places from the right. */
function bitstring(bits: Uint8Array, shot: number, reg: Register, numClbits: number): string {
  const from = shot * numClbits + reg.offset;
  let key = '';
  for (let k = reg.size - 1; k >= 0; k--) key += bits[from + k] ? '1' : '0';
  return key;
}

/** Big-endian bytes per shot, as Qiskit's BitArray stores them. */
function packRegister(
  elements: readonly Uint8Array[],
  values: readonly Uint32Array[] | null,
  reg: Register,
  pub: SamplerPub,
): Uint8Array {
  const width = Math.ceil(reg.size / 8);
  const out = new Uint8Array(elements.length * pub.shots * width);
  elements.forEach((bits, e) => {
    const vals = values?.[e];
    for (let s = 0; s < pub.shots; s++) {
      const base = (e * pub.shots + s) * width;
      if (vals) {
        const v = vals[s] as number;
        for (let b = 0; b < width; b++) out[base + width - 1 - b] = (v >>> (8 * b)) & 0xff;
        continue;
      }
      for (let k = 0; k < reg.size; k++) {
        if (bits[s * pub.circuit.numClbits + reg.offset + k]) {
          const byte = width - 1 - Math.floor(k / 8);
          out[base + byte] = (out[base + byte] ?? 0) | (1 << (k % 8));
        }
      }
    }
  });
  return out;
}

/** Counts per element, keyed by bitstrings with the highest bit first; nested like the shape. */
function countsOf(
  elements: readonly Uint8Array[],
  values: readonly Uint32Array[] | null,
  reg: Register,
  pub: SamplerPub,
): unknown {
  const one = (bits: Uint8Array, e: number): Record<string, number> => {
    const c: Record<string, number> = {};
    const vals = values?.[e];
    if (vals) {
      // Tally by value first; keys go in as each value first appears, as the per-shot path puts
      // them, so the object's key order (and so the JSON) is the same.
      const tally = new Map<number, number>();
      for (let s = 0; s < pub.shots; s++) {
        const v = vals[s] as number;
        tally.set(v, (tally.get(v) ?? 0) + 1);
      }
      for (const [v, n] of tally) c[v.toString(2).padStart(reg.size, '0')] = n;
      return c;
    }
    for (let s = 0; s < pub.shots; s++) {
      const key = bitstring(bits, s, reg, pub.circuit.numClbits);
      c[key] = (c[key] ?? 0) + 1;
    }
    return c;
  };
  const flat = elements.map(one);
  const shape = pub.bindings.shape;
  if (shape.length === 0) return flat[0];
  const nestAt = (offset: number, dims: readonly number[]): unknown => {
    const [n = 0, ...rest] = dims;
    const size = product(rest);
    return Array.from({ length: n }, (_, k) =>
      rest.length ? nestAt(offset + k * size, rest) : flat[offset + k],
    );
  };
  return nestAt(0, shape);
}
