/**
 * The noise learner against closed form and against IBM's fixtures:
 * - a layer's exact Pauli–Lindblad rates reproduce, generator by generator, the Pauli fidelities
 *   of the very channels the simulator applies after its gates (run on the density matrix);
 * - learned rates lie within the stated shot noise of the exact ones on a calibrated reference
 *   backend, and their standard errors shrink as 1/√shots; a noiseless backend learns 0;
 * - v2 results have the shape of IBM's result fixture and pass the client's LayerError checks,
 *   for IBM's own v2 params fixtures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { limitsOf } from '../../src/worker/programs.js';
import { twirlRelax } from '../../src/quantum/compile/bind.js';
import { DensityMatrix, densityPauliExpectation } from '../../src/quantum/engines/density.js';
import { gateChannels, gateKey } from '../../src/quantum/noise/gate-noise.js';
import { BASE } from '../../src/quantum/ir/gates.js';
import { checkProgram, runProgram } from '../../src/quantum/index.js';
import {
  type Layer,
  distinctLayers,
  exactLayerRates,
  learnLayer,
  readNoiseLearnerV2,
} from '../../src/quantum/primitives/noise-learner.js';
import { readNpy } from '../../src/quantum/encoding/npy.js';
import {
  denseLabel,
  fidelity,
  layerGenerators,
  pauliKey,
} from '../../src/quantum/noise/pauli-lindblad.js';
import type { ProgramLimits } from '../../src/quantum/primitives/pubs.js';
import { readQpyFile } from '../../src/quantum/frontend/qpy/index.js';
import { writeQpy } from '../../src/quantum/frontend/qpy/encode.js';
import { float64s, readTensor } from '../../src/quantum/primitives/tensor.js';
import { createRng } from '../../src/quantum/rng.js';

type J = any;
const FIXTURES = join(import.meta.dirname, '../fixtures/ibm/noise_learner_v2');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

/** A backend's limits as the server gives them to programs. */
function backend(definition: Record<string, unknown>): ProgramLimits {
  const config = loadConfig({
    env: { BERTH_DB: ':memory:' },
    file: { backends: [{ name: 'dev', ...definition }] },
  });
  return limitsOf(config.backends[0] as never);
}
const MANILA = backend({ reference: 'manila', noise: 'calibrated', isa: false });
const IDEAL = backend({ qubits: 5 });

/** Rotations that take |0⟩ to the +1 eigenstate of X, Y or Z. */
const gate = (name: string, q: number) =>
  ({ kind: 'u', m: BASE[name]?.f([]), target: q, cmask: 0, nmask: 0 }) as never;
const PREP: Record<string, (rho: DensityMatrix, q: number) => void> = {
  X: (rho, q) => rho.apply(gate('h', q)),
  Y: (rho, q) => {
    rho.apply(gate('h', q));
    rho.apply(gate('s', q));
  },
  Z: () => undefined,
};

describe("a layer's exact rates", () => {
  it('reproduce the fidelity of every Pauli under the channels the simulator applies after a CX', () => {
    const gate = { name: 'cx', qubits: [1, 2] as [number, number] };
    const cal = MANILA.gateNoise?.table[gateKey(gate.name, gate.qubits)];
    expect(cal?.error).toBeGreaterThan(0);
    const rates = exactLayerRates([gate], MANILA);
    const generators = layerGenerators([1, 2], [[1, 2]]);
    expect(generators).toHaveLength(15);
    const exact = generators.map((g) => rates.get(pauliKey(g)) ?? 0);
    // The noise the binder puts after the CX, with twirling: depolarizing, twirled relaxation.
    const { depol, relax } = gateChannels(cal as never, [0, 1], {
      t1: [1, 2].map((q) => MANILA.relaxation?.t1[q] as number),
      t2: [1, 2].map((q) => MANILA.relaxation?.t2[q] as number),
      dt: null,
    });
    expect(depol).toBeGreaterThan(0);
    expect(relax.length).toBe(2);
    for (const q of generators) {
      const rho = new DensityMatrix(2);
      q.qubits.forEach((p, i) => PREP[q.pauli[i] as string]?.(rho, p - 1));
      rho.depolarize([0, 1], depol);
      for (const c of relax) {
        const t = twirlRelax(c);
        rho.pauli(t.qubit, t.px, t.py, t.pz);
      }
      const label = denseLabel(q, [1, 2]);
      expect(densityPauliExpectation(rho, label), label).toBeCloseTo(
        fidelity(q, generators, exact),
        12,
      );
    }
  });

  it('are all 0 on a noiseless backend, and so are the learned ones', () => {
    const layer = { gates: [{ name: 'cx', qubits: [0, 1] as [number, number] }], qubits: [0, 1] };
    const model = learnLayer(layer, IDEAL, OPTIONS, createRng(1));
    expect(model.exact.every((x) => x === 0)).toBe(true);
    expect([...model.learned.rates]).toEqual(new Array(15).fill(0));
  });
});

const OPTIONS = {
  shotsPerRandomization: 128,
  numRandomizations: 32,
  layerPairDepths: [0, 1, 2, 4, 16, 32],
  couplingMap: null,
};

describe('learned rates', () => {
  const layer = {
    gates: [
      { name: 'cx', qubits: [0, 1] as [number, number] },
      { name: 'cx', qubits: [2, 3] as [number, number] },
    ],
    qubits: [0, 1, 2, 3],
  };

  it("lie within the stated shot noise of the model's exact rates (ibmq_manila's calibration)", () => {
    const model = learnLayer(layer, MANILA, OPTIONS, createRng(7));
    // One- and two-body terms on the line 0-1-2-3: 12 + 3·9.
    expect(model.generators).toHaveLength(39);
    expect(model.exact.some((x) => x > 1e-3)).toBe(true);
    let outside = 0;
    model.generators.forEach((_, k) => {
      const got = model.learned.rates[k] as number;
      const std = model.learned.stds[k] as number;
      const want = model.exact[k] as number;
      expect(std).toBeGreaterThan(0);
      // A negative estimate is reported as 0.
      if (Math.abs(got - want) > 3 * std && !(got === 0 && want < 3 * std)) outside++;
      expect(Math.abs(got - want), `generator ${k}`).toBeLessThanOrEqual(5 * std);
    });
    // About 0.3% of normal draws fall beyond 3σ.
    expect(outside).toBeLessThanOrEqual(2);
  });

  it('have standard errors that shrink as one over the square root of the shots', () => {
    const few = learnLayer(layer, MANILA, OPTIONS, createRng(3));
    const many = learnLayer(layer, MANILA, { ...OPTIONS, numRandomizations: 128 }, createRng(3));
    const ratio = few.generators.map(
      (_, k) => (few.learned.stds[k] as number) / (many.learned.stds[k] as number),
    );
    for (const x of ratio) expect(x).toBeGreaterThan(1.6);
    for (const x of ratio) expect(x).toBeLessThan(2.5);
  });

  it('are unbiased: averaged over many experiments they approach the exact rates', () => {
    const runs = 40;
    const sums = new Float64Array(39);
    let stdSum = 0;
    for (let s = 0; s < runs; s++) {
      const m = learnLayer(layer, MANILA, OPTIONS, createRng(100 + s));
      m.learned.rates.forEach((x, k) => (sums[k] = (sums[k] as number) + x));
      stdSum += m.learned.stds[4] as number;
    }
    const m = learnLayer(layer, MANILA, OPTIONS, createRng(1));
    // The largest rates (the two-body ones of the CX pairs) have clear signal: compare those.
    const big = m.exact
      .map((x, k) => [x, k] as const)
      .filter(([x]) => x > 2e-3)
      .map(([, k]) => k);
    expect(big.length).toBeGreaterThan(0);
    for (const k of big) {
      const mean = (sums[k] as number) / runs;
      const sem = (m.learned.stds[k] as number) / Math.sqrt(runs);
      expect(Math.abs(mean - (m.exact[k] as number))).toBeLessThanOrEqual(5 * sem);
    }
    expect(stdSum).toBeGreaterThan(0);
  });
});

describe('NoiseLearner v2', () => {
  it("reads every one of IBM's params fixtures, and refuses what its models forbid", () => {
    for (const name of [
      'params_minimum_input.json',
      'params_multiple_circuits.json',
      'params_custom_options.json',
      'params_none_max_layers.json',
      'params_experimental_options.json',
      'params_simulator_options.json',
      'params_strategy_active.json',
      'params_strategy_active_accum.json',
      'params_strategy_active_circuit.json',
      'params_strategy_all.json',
    ])
      expect(() => readNoiseLearnerV2(fixture(name), MANILA), name).not.toThrow();
    const custom = readNoiseLearnerV2(fixture('params_custom_options.json'), MANILA).options;
    expect(custom).toMatchObject({
      maxLayersToLearn: 10,
      shotsPerRandomization: 256,
      numRandomizations: 64,
      layerPairDepths: [0, 2, 8, 16],
      twirlingStrategy: 'active-circuit',
    });
    const base = fixture('params_strategy_active.json');
    const refuse = (p: unknown, message: string | RegExp) =>
      expect(() => readNoiseLearnerV2(p, MANILA)).toThrow(message);
    refuse({ ...base, extra: 1 }, 'params.extra is not a field');
    refuse({ ...base, options: { twirling_strategy: 'some' } }, 'one of active, active-circuit');
    refuse({ ...base, options: { layer_pair_depths: [4, 4] } }, 'two different depths');
    refuse({ ...base, options: { shots_per_randomization: 0 } }, 'shots_per_randomization');
    refuse(
      {
        ...base,
        options: { simulator: { noise_model: { __type__: 'NoiseModel', __value__: {} } } },
      },
      "the backend's own calibrated noise model",
    );
  });

  it("answers IBM's multiple-circuits params in the shape of IBM's result, as the client checks it", () => {
    const params = fixture('params_multiple_circuits.json');
    const { result } = runProgram('noise-learner', params, { ...MANILA, backendName: 'dev' });
    const text = JSON.stringify(result);
    // The client decodes as v3 if the text says schema_version anywhere.
    expect(text).not.toContain('schema_version');
    const r = result as J;
    const real = fixture('result_example.json');
    expect(Object.keys(r.metadata)).toEqual(Object.keys(real.metadata));
    expect(r.metadata).toEqual({
      backend: 'dev',
      input_options: { ...real.metadata.input_options },
    });
    // Circuits h,cx(0,1); h,cx(0,1),cx(1,2); x,cx(0,1): the layers cx(0,1) on [0,1] (twice) and,
    // accumulated, cx(1,2) on [0,1,2] and cx(0,1) on [0,1]... as IBM's layers go.
    expect(r.data.length).toBeGreaterThan(0);
    for (const [mine, theirs] of [[r.data[0], real.data[0]]] as [J, J][]) {
      const shape = (x: J): unknown =>
        x && typeof x === 'object'
          ? Object.fromEntries(
              Object.entries(x).map(([k, v]) => [
                k,
                k === '__value__' && typeof v === 'string' ? 'string' : shape(v),
              ]),
            )
          : typeof x;
      const strip = (x: J) =>
        JSON.parse(JSON.stringify(x, (k, v) => (k === 'data' || k === 'qubits' ? [] : v)));
      expect(shape(strip(mine))).toEqual(shape(strip(theirs)));
    }
    for (const layer of r.data) {
      const v = layer.__value__;
      const circuit = readQpyFile(inflateSync(Buffer.from(v.circuit.__value__, 'base64')))
        .circuits[0];
      const labels: string[] = v.error.__value__.generators.__value__.data;
      const rates = readNpy(inflateSync(Buffer.from(v.error.__value__.rates.__value__, 'base64')));
      // LayerError's checks: qubits, circuit width and label length agree; one rate per label.
      expect(circuit?.numQubits).toBe(v.qubits.length);
      for (const l of labels) expect(l).toHaveLength(v.qubits.length);
      expect(rates.shape).toEqual([labels.length]);
      expect([...labels].sort()).toEqual(labels);
      expect(rates.data.every((x) => x >= 0 && x < 0.05)).toBe(true);
    }
  });

  it('ranks layers by occurrences, then by gates, and keeps max_layers_to_learn of them', () => {
    const qasm = (body: string) => `OPENQASM 3.0; include "stdgates.inc"; qubit[5] q; ${body}`;
    const limits = MANILA;
    const circuits = [
      qasm('cx q[0], q[1]; cx q[2], q[3]; cx q[1], q[2]; cx q[0], q[1]; cx q[2], q[3];'),
      qasm('cx q[3], q[4]; x q[0]; cx q[1], q[2];'),
    ];
    const { circuits: read } = readNoiseLearnerV2({ circuits, options: {} }, limits);
    const layers = distinctLayers(read, 'active', null);
    const key = (l: Layer) => l.gates.map((g) => `${g.name}${g.qubits.join('')}`).join(' ');
    // Circuit 1: [cx01 cx23], [cx12], [cx01 cx23]; circuit 2 (as early as possible): [cx12 cx34].
    expect(layers.map((l) => [key(l), l.occurrences])).toEqual([
      ['cx01 cx23', 2],
      ['cx12 cx34', 1],
      ['cx12', 1],
    ]);
    expect(distinctLayers(read, 'active', 1).map(key)).toEqual(['cx01 cx23']);
    // The strategies name the qubits each layer twirls.
    const accum = distinctLayers(read, 'active-accum', null);
    expect(accum.find((l) => key(l) === 'cx12')?.qubits).toEqual([0, 1, 2, 3]);
    expect(accum.find((l) => key(l) === 'cx12 cx34')?.qubits).toEqual([0, 1, 2, 3, 4]);
    expect(distinctLayers(read, 'all', null).every((l) => l.qubits.length === 5)).toBe(true);
    expect(
      checkProgram('noise-learner', { circuits, options: { max_layers_to_learn: 2 } }, limits)
        .totalShots,
    ).toBe(2 * 9 * 6 * 32 * 128);
  });
});

/** samplomatic's Twirl annotation payload (common/annotation_serializer.py, programs.md §0). */
function twirl(): Uint8Array {
  const enc = (s: string) => Buffer.from(s, 'utf8');
  const [name, group, dressing, decomposition] = ['Twirl', 'pauli', 'left', 'rzsx'].map(enc) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const head = Buffer.alloc(2 + name.length + 24);
  head.writeUInt16BE(name.length, 0);
  name.copy(head, 2);
  head.writeBigUInt64BE(BigInt(group.length), 2 + name.length);
  head.writeBigUInt64BE(BigInt(dressing.length), 10 + name.length);
  head.writeBigUInt64BE(BigInt(decomposition.length), 18 + name.length);
  return Buffer.concat([head, group, dressing, decomposition]);
}

/**
 * What NoiseLearnerV3.run() sends for two boxes on ibmq_manila's qubits 1 and 2, as its
 * converter builds it: a circuit of the device register's loose qubits, holding a twirled
 * box of X + CX and a twirled box measuring both qubits; QPY 17, not compressed.
 */
function v3Params(options: Record<string, unknown> = {}) {
  const annotations = [{ namespace: 0, payload: twirl() }];
  const qpy = writeQpy(
    [
      {
        name: 'circuit-7',
        numQubits: 2,
        numClbits: 2,
        qregs: [{ name: 'q', bits: [-1, 0, 1, -1, -1], inCircuit: false }],
        cregs: [],
        namespaces: ['samplomatic'],
        instructions: [
          {
            name: 'BoxOp',
            qubits: [0, 1],
            annotations,
            body: {
              name: 'body-0',
              numQubits: 2,
              numClbits: 0,
              qregs: [],
              cregs: [],
              instructions: [
                { name: 'XGate', qubits: [0] },
                { name: 'RZGate', qubits: [1], params: [Math.PI / 2] },
                { name: 'CXGate', qubits: [0, 1] },
              ],
            },
          },
          {
            name: 'BoxOp',
            qubits: [0, 1],
            clbits: [0, 1],
            annotations,
            body: {
              name: 'body-1',
              numQubits: 2,
              numClbits: 2,
              qregs: [],
              cregs: [],
              instructions: [
                { name: 'Measure', qubits: [0], clbits: [0] },
                { name: 'Measure', qubits: [1], clbits: [1] },
              ],
            },
          },
        ],
      },
    ],
    { version: 17 },
  );
  return {
    schema_version: 'v0.3',
    instructions: { circuit_b64: Buffer.from(qpy).toString('base64'), qpy_version: 17 },
    options: {
      shots_per_randomization: 128,
      num_randomizations: 32,
      layer_pair_depths: [0, 1, 2, 4, 16, 32],
      bit_flip_checks: {
        pre_circuit: { enable: false, x_pulse_type: 'xslow', strategy: 'node' },
        post_circuit: { enable: false, x_pulse_type: 'xslow', strategy: 'node' },
      },
      post_selection: { enable: false, x_pulse_type: 'xslow', strategy: 'node' },
      init_qubits: true,
      rep_delay: null,
      ...options,
    },
    version: 3,
  };
}

describe('NoiseLearner v3 (schema v0.3)', () => {
  it('learns a twirled CX layer (Lindblad) and a twirled measurement (TREX) on physical qubits', () => {
    const r = runProgram('noise-learner', v3Params(), MANILA, { seed: 5 }).result as J;
    expect(r.schema_version).toBe('v0.3');
    expect(r.data).toHaveLength(2);
    for (const d of r.data) {
      // The client's checks: one rate and one std per group, all groups of one width.
      const rates = readTensor(d.rates, 'rates', { compressed: false, dtypes: ['f64'] });
      const stds = readTensor(d.rates_std, 'rates_std', { compressed: false, dtypes: ['f64'] });
      expect(rates.shape).toEqual([d.generators_sparse.length]);
      expect(stds.shape).toEqual([d.generators_sparse.length]);
      expect(d.num_qubits).toBe(5);
      for (const group of d.generators_sparse)
        for (const [pauli, qubits] of group) {
          expect(pauli).toHaveLength(qubits.length);
          for (const q of qubits) expect([1, 2]).toContain(q);
        }
    }
    const [layer, trex] = r.data;
    expect(layer.metadata.learning_protocol).toBe('lindblad');
    expect(Object.keys(layer.metadata.post_selection.fraction_kept)).toEqual([
      '0',
      '1',
      '2',
      '4',
      '16',
      '32',
    ]);
    expect(layer.generators_sparse).toHaveLength(15);
    // The same rates as the v2 form learns for cx(1, 2), within their standard errors.
    const exact = exactLayerRates([{ name: 'cx', qubits: [1, 2] }], MANILA);
    const rates = float64s(readTensor(layer.rates, 'r', { compressed: false }));
    const stds = float64s(readTensor(layer.rates_std, 's', { compressed: false }));
    layer.generators_sparse.forEach(([[pauli, qubits]]: [[string, number[]]], k: number) => {
      const want = exact.get(pauliKey({ pauli, qubits })) ?? 0;
      expect(Math.abs((rates[k] as number) - want)).toBeLessThanOrEqual(5 * (stds[k] as number));
    });
    // TREX: X on each qubit at −ln(1 − (p01 + p10))/2.
    expect(trex.metadata).toEqual({
      learning_protocol: 'trex',
      post_selection: { fraction_kept: 1, success_rates: { 1: 1, 2: 1 } },
    });
    expect(trex.generators_sparse).toEqual([[['X', [1]]], [['X', [2]]]]);
    const tr = float64s(readTensor(trex.rates, 'r', { compressed: false }));
    const ts = float64s(readTensor(trex.rates_std, 's', { compressed: false }));
    [1, 2].forEach((q, k) => {
      const p = ((MANILA.readout?.p01[q] ?? 0) + (MANILA.readout?.p10[q] ?? 0)) / 2;
      expect(p).toBeGreaterThan(0.005);
      expect(Math.abs((tr[k] as number) + Math.log(1 - 2 * p) / 2)).toBeLessThanOrEqual(
        5 * (ts[k] as number),
      );
    });
  });

  it('refuses instructions it cannot learn, naming the instruction', () => {
    const p = v3Params();
    expect(() => checkProgram('noise-learner', { ...p, schema_version: 'v0.2' }, MANILA)).toThrow(
      '"v0.3"',
    );
    expect(() =>
      checkProgram('noise-learner', { ...p, options: { ...p.options, extra: 1 } }, MANILA),
    ).toThrow('options.extra is not a field');
    const wrongVersion = { ...p, instructions: { ...p.instructions, qpy_version: 16 } };
    expect(() => checkProgram('noise-learner', wrongVersion, MANILA)).toThrow(
      'qpy_version says 16',
    );
    const flat = writeQpy(
      [
        {
          name: 'c',
          numQubits: 2,
          numClbits: 0,
          qregs: [{ name: 'q', bits: [0, 1] }],
          cregs: [],
          instructions: [{ name: 'CXGate', qubits: [0, 1] }],
        },
      ],
      { version: 17 },
    );
    expect(() =>
      checkProgram(
        'noise-learner',
        {
          ...p,
          instructions: { circuit_b64: Buffer.from(flat).toString('base64'), qpy_version: 17 },
        },
        MANILA,
      ),
    ).toThrow('instruction 0 is a CXGate; the noise learner learns boxes');
  });
});
