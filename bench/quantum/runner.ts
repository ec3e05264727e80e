/**
 * One measurement, in its own process (so that memory and a timeout are per run):
 * `tsx bench/quantum/runner.ts <engine> <ghz|random> <n> <shots>`; prints one JSON line.
 * Every engine computes the final state and draws the shots from it; for the peers the drawing
 * uses the same sorted sweep over their probabilities as Berth's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// The compiled library, as the server runs it (bench/quantum.ts builds it first): code loaded
// through a TypeScript loader runs its hot loops about half as fast.
// @ts-expect-error -- dist/ has no type declarations
import { runProgram } from '../../dist/quantum/index.js';
import { type BenchCircuit, ghz, random, toQasm } from './circuits.js';

const [engine = 'berth', kind = 'ghz', nText = '10', shotsText = '1024'] = process.argv.slice(2);
const n = Number(nText);
const shots = Number(shotsText);
const circuit = kind === 'ghz' ? ghz(n) : random(n);

const vm = (field: string): number =>
  Number(
    new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN,
  ) * 1024;

/** Sample `shots` indices from probabilities listed as (index, p) pairs. */
function sample(probs: Array<[number, number]>, count: number): Map<number, number> {
  probs.sort((a, b) => a[0] - b[0]);
  const u = Array.from({ length: count }, () => Math.random()).sort((a, b) => a - b);
  const out = new Map<number, number>();
  let acc = 0;
  let i = 0;
  for (const x of u) {
    while (i < probs.length - 1 && acc + (probs[i]?.[1] ?? 0) <= x) acc += probs[i++]?.[1] ?? 0;
    const idx = probs[i]?.[0] ?? 0;
    out.set(idx, (out.get(idx) ?? 0) + 1);
  }
  return out;
}

function runBerth(c: BenchCircuit): number {
  const { result } = runProgram(
    'sampler',
    { pubs: [[toQasm(c), null, shots]] },
    { maxQubits: 30, maxShots: 1e6, maxExperiments: 1 },
  );
  const counts = (result as any).__value__.pub_results[0].__value__.metadata.counts.c as Record<
    string,
    number
  >;
  return Object.keys(counts).length;
}

async function runJsqubits(c: BenchCircuit): Promise<number> {
  const { default: jsqubits } = (await import('jsqubits' as string)) as any;
  let s = jsqubits('|' + '0'.repeat(c.n) + '>');
  for (const op of c.ops) {
    if (op.g === 'h') s = s.hadamard(op.q);
    else if (op.g === 'rx') s = s.rotateX(op.q, op.a);
    else if (op.g === 'ry') s = s.rotateY(op.q, op.a);
    else if (op.g === 'rz') s = s.rotateZ(op.q, op.a);
    else if (op.g === 'cx') s = s.cnot(op.c, op.t);
  }
  const probs: Array<[number, number]> = [];
  s.each((comp: any) => {
    const a = comp.amplitude;
    probs.push([Number(comp.index), a.real * a.real + a.imaginary * a.imaginary]);
  });
  return sample(probs, shots).size;
}

function runQuantumCircuit(c: BenchCircuit): number {
  const QuantumCircuit = createRequire(import.meta.url)('quantum-circuit');
  const qc = new QuantumCircuit(c.n);
  for (const op of c.ops) {
    if (op.g === 'h') qc.appendGate('h', op.q);
    else if (op.g === 'cx') qc.appendGate('cx', [op.c, op.t]);
    else qc.appendGate(op.g, op.q, { params: op.g === 'rz' ? { phi: op.a } : { theta: op.a } });
  }
  qc.run();
  const probs: Array<[number, number]> = [];
  for (const [k, v] of Object.entries(qc.state as Record<string, { re: number; im: number }>)) {
    probs.push([Number(k), v.re * v.re + v.im * v.im]);
  }
  return sample(probs, shots).size;
}

const baseline = vm('VmRSS');
const t0 = performance.now();
const outcomes =
  engine === 'berth'
    ? runBerth(circuit)
    : engine === 'jsqubits'
      ? await runJsqubits(circuit)
      : runQuantumCircuit(circuit);
const ms = performance.now() - t0;
const peak = vm('VmHWM');
process.stdout.write(
  JSON.stringify({
    engine,
    circuit: circuit.name,
    n,
    shots,
    ms: Math.round(ms * 10) / 10,
    distinctOutcomes: outcomes,
    memoryOverStatevector: (peak - baseline) / (16 * 2 ** n),
  }) + '\n',
);
