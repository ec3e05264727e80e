/**
 * The noisy cases of `npm run bench:quantum` (also alone: `npx tsx bench/noise.ts`): each
 * circuit runs noiseless and with `noise: "calibrated"` on the same reference device, side by
 * side in one process, so the ratio is what the noise costs. Prints JSON on stdout.
 *
 * - GHZ-12 on a path of ibmq_kolkata (h, then cx along coupled pairs), 4,096 shots;
 * - a 20-qubit random circuit on ibmq_kolkata (sx, rz on every qubit, cx on coupled pairs,
 *   depth 20), 16 shots: every shot there carries errors and runs alone, untiled, so it costs
 *   more than the whole ideal run (see noisyMsPerShot);
 * - a 7-active-qubit ISA circuit on the 127-qubit ibm_brisbane (sx, rz, ecr), 4,096 shots.
 */
import { loadConfig } from '../src/config/config.js';
import type { Backend } from '../src/domain/backend/backend.js';
import { runProgram } from '../src/quantum/index.js';
import { limitsOf } from '../src/worker/programs.js';
import type { NoisyEngine } from '../src/quantum/engines/engine-choice.js';

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

function backends(reference: string): { ideal: Backend; noisy: Backend } {
  const config = loadConfig({
    env: {},
    file: {
      backends: [
        { name: 'ideal', reference: reference as 'kolkata', isa: false },
        { name: 'noisy', reference: reference as 'kolkata', isa: false, noise: 'calibrated' },
      ],
    },
  });
  const [ideal, noisy] = config.backends;
  if (!ideal || !noisy) throw new Error('no backends');
  return { ideal, noisy };
}

/**
 * A simple path of `n` qubits through the coupling map, either direction (depth-first, from
 * qubit `start`).
 */
function path(b: Backend, n: number, start = 0): number[] {
  const next = new Map<number, number[]>();
  for (const [a, c] of b.couplingMap ?? []) {
    next.set(a, [...(next.get(a) ?? []), c]);
    next.set(c, [...(next.get(c) ?? []), a]);
  }
  const walk = (at: number[], seen: Set<number>): number[] | null => {
    if (at.length === n) return at;
    for (const q of next.get(at[at.length - 1] ?? start) ?? []) {
      if (seen.has(q)) continue;
      const found = walk([...at, q], new Set([...seen, q]));
      if (found) return found;
    }
    return null;
  };
  const found = walk([start], new Set([start]));
  if (!found) throw new Error(`no path of ${n} qubits`);
  return found;
}

/** Directed coupled pairs among `qubits`, as the device lists them. */
function pairsOf(b: Backend, qubits: readonly number[]): [number, number][] {
  const on = new Set(qubits);
  return (b.couplingMap ?? []).filter(([a, c]) => on.has(a) && on.has(c)) as [number, number][];
}

function header(width: number, clbits: number): string[] {
  return ['OPENQASM 3.0;', 'include "stdgates.inc";', `qubit[${width}] q;`, `bit[${clbits}] c;`];
}

function ghzOnPath(b: Backend, n: number): string {
  const qs = path(b, n);
  const lines = header(b.qubits, n);
  lines.push(`h q[${qs[0]}];`);
  // Each cx in the direction the device calibrates it (kolkata lists both).
  for (let i = 1; i < n; i++) lines.push(`cx q[${qs[i - 1]}], q[${qs[i]}];`);
  qs.forEach((q, k) => lines.push(`c[${k}] = measure q[${q}];`));
  return lines.join('\n');
}

function randomOn(b: Backend, n: number, gate: string, depth = 20, seed = 2026): string {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const qs = path(b, n);
  const pairs = pairsOf(b, qs);
  const lines = header(b.qubits, n);
  for (let d = 0; d < depth; d++) {
    for (const q of qs) lines.push(`sx q[${q}];`, `rz(${rnd() * 2 * Math.PI}) q[${q}];`);
    const used = new Set<number>();
    for (const [a, c] of pairs) {
      if (used.has(a) || used.has(c) || rnd() < 0.3) continue;
      used.add(a).add(c);
      lines.push(`${gate} q[${a}], q[${c}];`);
    }
  }
  qs.forEach((q, k) => lines.push(`c[${k}] = measure q[${q}];`));
  return lines.join('\n');
}

function time(
  b: Backend,
  qasm: string,
  shots: number,
  engine: NoisyEngine = 'auto',
): { ms: number; distinct: number } {
  const t = performance.now();
  const { result } = runProgram(
    'sampler',
    { pubs: [[qasm, null, shots]], options: { seed: 1 } },
    limitsOf(b),
    { engine },
  );
  const ms = round2(performance.now() - t);
  const r = result as {
    __value__: { pub_results: { __value__: { metadata: { counts: { c: object } } } }[] };
  };
  const counts = r.__value__.pub_results[0]?.__value__.metadata.counts.c ?? {};
  return { ms, distinct: Object.keys(counts).length };
}

export function noiseCases(): unknown[] {
  const kolkata = backends('kolkata');
  const brisbane = backends('brisbane');
  const cases = [
    {
      name: 'ghz-12 on ibmq_kolkata',
      pair: kolkata,
      qasm: ghzOnPath(kolkata.ideal, 12),
      shots: 4096,
    },
    {
      name: 'random-d20-20 on ibmq_kolkata',
      pair: kolkata,
      qasm: randomOn(kolkata.ideal, 20, 'cx'),
      shots: 16,
    },
    {
      name: 'isa-7-active on ibm_brisbane (127 qubits)',
      pair: brisbane,
      qasm: randomOn(brisbane.ideal, 7, 'ecr', 10),
      shots: 4096,
    },
  ];
  return cases.map(({ name, pair, qasm, shots }) => {
    // Warm both once (JIT, kernel generation), then time them back to back.
    time(pair.ideal, qasm, Math.min(shots, 16));
    time(pair.noisy, qasm, Math.min(shots, 16));
    const ideal = time(pair.ideal, qasm, shots);
    const noisy = time(pair.noisy, qasm, shots);
    const row = {
      circuit: name,
      shots,
      idealMs: ideal.ms,
      noisyMs: noisy.ms,
      noisyOverIdeal: round2(noisy.ms / Math.max(ideal.ms, 0.01)),
      noisyMsPerShot: round2(noisy.ms / shots),
      distinctOutcomes: { ideal: ideal.distinct, noisy: noisy.distinct },
    };
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  });
}

/**
 * Where a density matrix beats trajectories: a depth-10 random circuit (sx, rz, cx) on n
 * qubits of ibmq_kolkata with calibrated noise, run by each engine back to back, for several
 * shot counts. engine-choice.ts takes its crossover from these rows.
 */
export function crossoverCases(
  widths = [4, 6, 7, 8, 9, 10],
  shotCounts = [256, 1024, 4096],
): unknown[] {
  const { noisy } = backends('kolkata');
  const rows: unknown[] = [];
  for (const n of widths) {
    const qasm = randomOn(noisy, n, 'cx', 10);
    time(noisy, qasm, 4, 'density');
    time(noisy, qasm, 4, 'trajectories');
    for (const shots of shotCounts) {
      const density = time(noisy, qasm, shots, 'density').ms;
      const trajectories = time(noisy, qasm, shots, 'trajectories').ms;
      const row = {
        qubits: n,
        shots,
        densityMs: density,
        trajectoriesMs: trajectories,
        faster: density < trajectories ? 'density' : 'trajectories',
      };
      process.stderr.write(`${JSON.stringify(row)}\n`);
      rows.push(row);
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'berth-noise',
        oneProcess: true,
        cases: noiseCases(),
        crossover: crossoverCases(),
      },
      null,
      2,
    )}\n`,
  );
}
