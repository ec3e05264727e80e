/**
 * `npm run bench:quantum` (`npx tsx bench/quantum.ts`): Berth's simulator side by side with the
 * JavaScript simulators a user could pick instead (the npm packages quantum-circuit and jsqubits),
 * in the same run, on the same circuits: GHZ-n and a seeded random depth-20 circuit, n = 10, 16,
 * 20, 24, 1,024 shots. Then the noisy cases of bench/noise.ts (noise: "calibrated" against the
 * same circuit noiseless). Prints one JSON document on stdout (progress on stderr).
 *
 * Each measurement runs in its own process (this file with `--run`), pinned to one core (two for
 * berth-2-threads, Berth with a helper thread on its large states' tiles), so that
 * its memory is its own and a time limit can stop it. A peer that exceeds the limit is recorded
 * as such and not run at larger sizes. Times and memory start after each engine's modules are
 * loaded. `ms` is the first (cold) run, with JIT compilation, kernel generation and first-call
 * costs; a server runs warm, so when the cold run took under 3 s the same process runs the
 * circuit again, at least 3 times and up to 50 while the runs take under 2 s in all, and
 * `warmMs` is the median of the later half of those runs (every engine alike). Memory is the
 * peak of the cold run.
 * Berth runs compiled, as the server runs it: only
 * src/quantum is compiled, into a temporary directory, so the bench does not depend on the rest
 * of the project building.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SIZES = [10, 16, 20, 24];
const ENGINES = ['berth', 'berth-2-threads', 'quantum-circuit', 'jsqubits'] as const;
/** Berth itself in other configurations: not peers. */
const OURS = new Set<string>(['berth', 'berth-2-threads']);
const KINDS = ['ghz', 'random'] as const;
const LIMIT_MS = Number(process.env.BERTH_BENCH_LIMIT_MS ?? 60_000);
const SHOTS = 1024;
/** Warm runs are measured only after a cold run this fast, so that they fit in the limit. */
const WARM_UNDER_MS = 3000;
/**
 * Warm runs: at least 3, and more while they take under 2 s in all (at most 50), so that a fast
 * circuit reaches the steady state a server runs in (three runs of a millisecond are still
 * being compiled); `warmMs` is the median of the later half.
 */
const WARM_MIN_RUNS = 3;
const WARM_MAX_RUNS = 50;
const WARM_BUDGET_MS = 2000;

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

// ---- circuits (engine-neutral) ------------------------------------------------------------

type Op =
  | { readonly g: 'h'; readonly q: number }
  | { readonly g: 'rx' | 'ry' | 'rz'; readonly q: number; readonly a: number }
  | { readonly g: 'cx'; readonly c: number; readonly t: number };

function ghz(n: number): Op[] {
  const ops: Op[] = [{ g: 'h', q: 0 }];
  for (let i = 1; i < n; i++) ops.push({ g: 'cx', c: i - 1, t: i });
  return ops;
}

/** Each layer: H or a random rotation on every qubit, then CX on random disjoint pairs. */
function random(n: number, depth = 20, seed = 2026): Op[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const ops: Op[] = [];
  for (let d = 0; d < depth; d++) {
    for (let q = 0; q < n; q++) {
      const k = Math.floor(rnd() * 4);
      if (k === 0) ops.push({ g: 'h', q });
      else ops.push({ g: (['rx', 'ry', 'rz'] as const)[k - 1] ?? 'rx', q, a: rnd() * 2 * Math.PI });
    }
    const perm = [...Array(n).keys()].sort(() => rnd() - 0.5);
    for (let i = 0; i + 1 < n; i += 2) ops.push({ g: 'cx', c: perm[i] ?? 0, t: perm[i + 1] ?? 0 });
  }
  return ops;
}

function toQasm(n: number, ops: readonly Op[]): string {
  const lines = ['OPENQASM 3.0;', 'include "stdgates.inc";', `qubit[${n}] q;`, `bit[${n}] c;`];
  for (const op of ops) {
    if (op.g === 'cx') lines.push(`cx q[${op.c}], q[${op.t}];`);
    else if (op.g === 'h') lines.push(`h q[${op.q}];`);
    else lines.push(`${op.g}(${op.a}) q[${op.q}];`);
  }
  lines.push('c = measure q;');
  return lines.join('\n');
}

// ---- one measurement (child process) ------------------------------------------------------

/** Draw `shots` outcomes from (index, probability) pairs: the peers have no sampler of their own. */
function sample(probs: Array<[number, number]>, shots: number): number {
  probs.sort((a, b) => a[0] - b[0]);
  const u = Array.from({ length: shots }, () => Math.random()).sort((a, b) => a - b);
  const seen = new Set<number>();
  let acc = 0;
  let i = 0;
  for (const x of u) {
    while (i < probs.length - 1 && acc + (probs[i]?.[1] ?? 0) <= x) acc += probs[i++]?.[1] ?? 0;
    seen.add(probs[i]?.[0] ?? 0);
  }
  return seen.size;
}

type Engine = (n: number, ops: readonly Op[]) => number;

/** Load an engine (outside the timing: module loading is not simulation). */
async function load(engine: string, lib: string): Promise<Engine> {
  if (engine === 'berth' || engine === 'berth-2-threads') {
    const { runProgram, setSimulationThreads } = (await import(
      pathToFileURL(join(lib, 'index.js')).href
    )) as any;
    // Two threads on a large state's tiles (engines/tile-threads.ts), on two cores.
    setSimulationThreads(engine === 'berth' ? 1 : 2);
    const limits = { maxQubits: 30, maxShots: 1e6, maxExperiments: 1 };
    return (n, ops) => {
      const { result } = runProgram('sampler', { pubs: [[toQasm(n, ops), null, SHOTS]] }, limits);
      return Object.keys(result.__value__.pub_results[0].__value__.metadata.counts.c).length;
    };
  }
  if (engine === 'jsqubits') {
    const { default: jsqubits } = (await import('jsqubits' as string)) as any;
    return (n, ops) => {
      let s = jsqubits('|' + '0'.repeat(n) + '>');
      for (const op of ops) {
        if (op.g === 'h') s = s.hadamard(op.q);
        else if (op.g === 'rx') s = s.rotateX(op.q, op.a);
        else if (op.g === 'ry') s = s.rotateY(op.q, op.a);
        else if (op.g === 'rz') s = s.rotateZ(op.q, op.a);
        else if (op.g === 'cx') s = s.cnot(op.c, op.t);
      }
      const probs: Array<[number, number]> = [];
      s.each((c: any) => {
        probs.push([Number(c.index), c.amplitude.real ** 2 + c.amplitude.imaginary ** 2]);
      });
      return sample(probs, SHOTS);
    };
  }
  const QuantumCircuit = createRequire(import.meta.url)('quantum-circuit');
  return (n, ops) => {
    const qc = new QuantumCircuit(n);
    for (const op of ops) {
      if (op.g === 'h') qc.appendGate('h', op.q);
      else if (op.g === 'cx') qc.appendGate('cx', [op.c, op.t]);
      else qc.appendGate(op.g, op.q, { params: op.g === 'rz' ? { phi: op.a } : { theta: op.a } });
    }
    qc.run();
    const probs: Array<[number, number]> = [];
    for (const [k, v] of Object.entries(qc.state as Record<string, { re: number; im: number }>))
      probs.push([Number(k), v.re * v.re + v.im * v.im]);
    return sample(probs, SHOTS);
  };
}

/** Bytes from /proc/self/status (VmRSS now, VmHWM the peak). */
const vm = (field: string): number =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) *
  1024;

async function child(engine: string, kind: string, n: number, lib: string): Promise<void> {
  const ops = kind === 'ghz' ? ghz(n) : random(n);
  const run = await load(engine, lib);
  const baseline = vm('VmRSS');
  const t0 = performance.now();
  const distinctOutcomes = run(n, ops);
  const ms = round2(performance.now() - t0);
  const memoryOverStatevector = (vm('VmHWM') - baseline) / (16 * 2 ** n);
  let warmMs: number | undefined;
  if (ms < WARM_UNDER_MS) {
    const times: number[] = [];
    let spent = 0;
    while (
      times.length < WARM_MIN_RUNS ||
      (times.length < WARM_MAX_RUNS && spent < WARM_BUDGET_MS)
    ) {
      const t = performance.now();
      run(n, ops);
      times.push(performance.now() - t);
      spent += times[times.length - 1] ?? 0;
    }
    const later = times.slice(Math.floor(times.length / 2)).sort((a, b) => a - b);
    warmMs = round2(later[Math.floor(later.length / 2)] ?? 0);
  }
  const result = { ms, warmMs, distinctOutcomes, memoryOverStatevector };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- the comparison (parent process) ------------------------------------------------------

interface Run {
  engine: string;
  circuit: string;
  n: number;
  ms?: number;
  warmMs?: number;
  distinctOutcomes?: number;
  memoryOverStatevector?: number;
  skipped?: string;
}

/** Compile src/quantum alone (ES modules) into a temporary directory. */
function buildLibrary(): string {
  const out = mkdtempSync(join(tmpdir(), 'berth-quantum-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const flags = ['--outDir', out, '--rootDir', 'src/quantum', '--target', 'ES2022'];
  flags.push('--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node');
  // The helper threads' entry is loaded by URL, not imported: named on its own.
  flags.push('--skipLibCheck', '--strict', 'src/quantum/index.ts');
  flags.push('src/quantum/engines/tile-thread.ts');
  execFileSync(process.execPath, [tsc, ...flags], { stdio: 'inherit' });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return out;
}

function measure(engine: string, kind: string, n: number, lib: string): Run {
  const circuit = kind === 'ghz' ? `ghz-${n}` : `random-d20-${n}`;
  const cores = engine === 'berth-2-threads' ? '0,1' : '0';
  const args = ['-c', cores, process.execPath, '--max-old-space-size=16384', '--import', 'tsx'];
  args.push('bench/quantum.ts', '--run', engine, kind, String(n), lib);
  const res = spawnSync('taskset', args, { encoding: 'utf8', timeout: LIMIT_MS });
  if (res.error || res.status !== 0) {
    const timedOut = res.error?.message.includes('ETIMEDOUT') || res.signal === 'SIGTERM';
    const why = timedOut
      ? `over ${LIMIT_MS / 1000} s (stopped)`
      : `failed: ${(res.stderr || '').split('\n').find((l) => /Error|memory/.test(l)) ?? res.status}`;
    return { engine, circuit, n, skipped: why };
  }
  return { engine, circuit, n, ...JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') };
}

function compare(lib: string): Run[] {
  const runs: Run[] = [];
  for (const kind of KINDS) {
    const givenUp = new Set<string>();
    for (const n of SIZES) {
      for (const engine of ENGINES) {
        const circuit = kind === 'ghz' ? `ghz-${n}` : `random-d20-${n}`;
        const r = givenUp.has(engine)
          ? { engine, circuit, n, skipped: 'not run: over the limit at a smaller size' }
          : measure(engine, kind, n, lib);
        if (r.skipped) givenUp.add(engine);
        runs.push(r);
        process.stderr.write(`${JSON.stringify(r)}\n`);
      }
    }
  }
  return runs;
}

/**
 * Whether a speedup (a number, or `> N` when no peer finished) is at least 20. No figure (no
 * peer with a warm time) is not a goal met.
 */
const atLeast20 = (r: number | string | null | undefined): boolean =>
  typeof r === 'number' ? r >= 20 : typeof r === 'string' && Number(r.slice(2)) >= 20;

function report(runs: Run[]): unknown {
  const byKey = new Map(runs.map((r) => [`${r.engine}/${r.circuit}`, r]));
  const speedups = runs
    .filter((r) => r.engine === 'berth' && r.ms !== undefined)
    .map((b) => {
      const peers = ENGINES.filter((e) => !OURS.has(e)).map((e) => byKey.get(`${e}/${b.circuit}`));
      const timed = peers.flatMap((p) => (p?.ms === undefined ? [] : [p.ms]));
      const fastest = timed.length ? Math.min(...timed) : null;
      const ms = b.ms ?? 1;
      // With no peer finishing, the time limit bounds the ratio from below.
      const speedup =
        fastest !== null ? Math.round((fastest / ms) * 10) / 10 : `> ${Math.round(LIMIT_MS / ms)}`;
      // Warm against warm. A peer without a warm figure took over 3 s cold, so when any peer has
      // one, the fastest warm peer is among those that have one. With none, no warm ratio.
      const warmTimed = peers.flatMap((p) => (p?.warmMs === undefined ? [] : [p.warmMs]));
      const fastestWarm = warmTimed.length ? Math.min(...warmTimed) : null;
      const warmSpeedup =
        fastestWarm !== null && b.warmMs !== undefined
          ? Math.round((fastestWarm / b.warmMs) * 10) / 10
          : null;
      return {
        circuit: b.circuit,
        berthMs: b.ms,
        fastestPeerMs: fastest,
        speedup,
        berthWarmMs: b.warmMs ?? null,
        fastestPeerWarmMs: fastestWarm,
        warmSpeedup,
      };
    });
  const r20 = speedups.find((r) => r.circuit === 'random-d20-20');
  const b24 = byKey.get('berth/random-d20-24');
  // At 24 qubits the state (256 MB) dominates; at small sizes the runtime's own heap does.
  const mem = Math.max(
    ...runs
      .filter((r) => r.engine === 'berth' && r.n === 24)
      .map((r) => r.memoryOverStatevector ?? 0),
  );
  // GHZ-24 stays sparse and never holds the state: without the random circuit there is no figure.
  const memMeasured = byKey.get('berth/random-d20-24')?.memoryOverStatevector !== undefined;
  // One thread against two on the same circuits (two cores for the second).
  const threads = runs
    .filter((r) => r.engine === 'berth' && r.circuit.startsWith('random'))
    .map((one) => {
      const two = byKey.get(`berth-2-threads/${one.circuit}`);
      const ratio = (a?: number, b?: number) =>
        a !== undefined && b !== undefined ? Math.round((a / b) * 100) / 100 : null;
      return {
        circuit: one.circuit,
        oneThreadMs: one.ms ?? null,
        twoThreadsMs: two?.ms ?? null,
        speedup: ratio(one.ms, two?.ms),
        oneThreadWarmMs: one.warmMs ?? null,
        twoThreadsWarmMs: two?.warmMs ?? null,
        warmSpeedup: ratio(one.warmMs, two?.warmMs),
      };
    });
  return {
    benchmark: 'berth-quantum',
    shots: SHOTS,
    oneCore: 'every engine but berth-2-threads, which has two',
    threads,
    timeLimitMsPerRun: LIMIT_MS,
    runs,
    speedups,
    goals: {
      speedupAt20Qubits: {
        goal: '>= 20x the faster peer (random depth-20)',
        measured: r20?.speedup ?? null,
        measuredWarm: r20?.warmSpeedup ?? null,
        met: atLeast20(r20?.speedup),
        // No warm figure (the peers never finish at 20 qubits): not a miss, just no measure.
        metWarm: r20?.warmSpeedup == null ? null : atLeast20(r20.warmSpeedup),
      },
      random24Under15s: {
        goalMs: 15_000,
        measuredMs: b24?.ms ?? null,
        met: (b24?.ms ?? Infinity) < 15_000,
      },
      memoryWithin1_2xStatevectorAt24Qubits: {
        measuredMax: memMeasured ? Math.round(mem * 100) / 100 : null,
        met: memMeasured && mem <= 1.2,
      },
    },
  };
}

const argv = process.argv.slice(2);
if (argv[0] === '--run') {
  const [, engine = 'berth', kind = 'ghz', n = '10', lib = ''] = argv;
  await child(engine, kind, Number(n), lib);
} else {
  const lib = buildLibrary();
  const peers = report(compare(lib)) as Record<string, unknown>;
  // Noisy against noiseless on the same circuits, in this one process (bench/noise.ts).
  const { noiseCases, crossoverCases } = await import('./noise.js');
  process.stdout.write(
    `${JSON.stringify({ ...peers, noise: noiseCases(), noiseEngines: crossoverCases() }, null, 2)}\n`,
  );
}
