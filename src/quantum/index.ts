/**
 * Berth's quantum library: OpenQASM 2/3, a statevector simulator, and Qiskit's Sampler V2 and
 * Estimator V2 primitives with results in the qiskit-ibm-runtime JSON encoding. Usable without
 * the server; see docs/quantum.md.
 */
import { product } from './primitives/arrays.js';
import { QuantumInputError, SimulationCancelledError } from './errors.js';
import { readEstimatorPubs, runEstimator, shotsForPrecision } from './primitives/estimator.js';
import type { ProgramLimits, RunOptions } from './primitives/pubs.js';
import { readSamplerPubs, runSampler } from './primitives/sampler.js';
import { readExecutor, runExecutor } from './primitives/executor.js';
import { checkNoiseLearner, runNoiseLearner } from './primitives/noise-learner.js';

export { QuantumInputError, SimulationCancelledError };
export type { ProgramLimits, RunOptions };
export { parseQasm } from './frontend/qasm/parser.js';
export { checkResult } from './primitives/result-check.js';
export { jobDiagrams } from './frontend/diagram.js';
export { StateVector } from './engines/statevector.js';
export { setSimulationThreads, simulationThreads } from './engines/tile-threads.js';
export { statevector } from './engines/exact.js';
export type { Circuit } from './ir/circuit.js';

/** What a program will do, known at submission. */
export interface ProgramSummary {
  readonly pubs: number;
  readonly totalShots: number;
  readonly maxQubits: number;
}

/** The programs the library runs. */
export type ProgramId = 'sampler' | 'estimator' | 'executor' | 'noise-learner';

/** Validate params (parse and check every circuit; no simulation). Throws QuantumInputError. */
export function checkProgram(
  programId: ProgramId,
  params: unknown,
  limits: ProgramLimits,
): ProgramSummary {
  if (programId === 'noise-learner') return checkNoiseLearner(params, limits);
  if (programId === 'executor') {
    const program = readExecutor(params, limits);
    return {
      pubs: program.items.length,
      totalShots: program.items.reduce((s, it) => s + program.shots * product(it.shape), 0),
      maxQubits: Math.max(...program.items.map((it) => it.circuit.numQubits)),
    };
  }
  if (programId === 'sampler') {
    const { pubs } = readSamplerPubs(params, limits);
    return {
      pubs: pubs.length,
      totalShots: pubs.reduce((s, p) => s + p.shots * product(p.bindings.shape), 0),
      maxQubits: Math.max(...pubs.map((p) => p.circuit.numQubits)),
    };
  }
  const { pubs } = readEstimatorPubs(params, limits);
  return {
    pubs: pubs.length,
    totalShots: pubs.reduce((s, p) => s + shotsForPrecision(p.precision) * product(p.shape), 0),
    maxQubits: Math.max(...pubs.map((p) => p.circuit.numQubits)),
  };
}

/**
 * Run a program; `result` is the PrimitiveResult document that GET /jobs/{id}/results returns.
 * Synchronous (for a worker thread). A seed in the params wins over `options.seed`; with neither,
 * the run is seeded at random. Throws QuantumInputError for bad input and
 * SimulationCancelledError when `options.shouldStop()` says so.
 */
export function runProgram(
  programId: ProgramId,
  params: unknown,
  limits: ProgramLimits,
  options: RunOptions = {},
): { result: unknown; summary: ProgramSummary } {
  const summary = checkProgram(programId, params, limits);
  const result =
    programId === 'sampler'
      ? runSampler(params, limits, options)
      : programId === 'executor'
        ? runExecutor(params, limits, options)
        : programId === 'noise-learner'
          ? runNoiseLearner(params, limits, options)
          : runEstimator(params, limits, options);
  return { result, summary };
}
