/**
 * The programs Berth runs (`sampler`, `estimator`, `executor`), checked at submission against the backend's
 * limits so that invalid params are a 400 and never a job that fails later.
 */
import type { BackendCatalog } from '../app/backends.js';
import type { ProgramRegistry } from '../app/ports.js';
import type { Backend } from '../domain/backend/backend.js';
import { gateCalibrationsOf, readoutErrorOf, relaxationOf } from '../config/calibration.js';
import { AppError } from '../domain/errors.js';
import {
  type ProgramLimits,
  type ProgramSummary,
  QuantumInputError,
  checkProgram,
  checkResult,
  jobDiagrams,
} from '../quantum/index.js';
import { ProgramChecker } from './checker/checker.js';
import { INLINE_CHECK_CHARS, circuitChars } from './program-size.js';

export const PROGRAMS = ['sampler', 'estimator', 'executor', 'noise-learner'] as const;
/** Other names clients use for a program: QRMI submits the noise learner as `noiselearner`. */
const ALIASES: Readonly<Record<string, ProgramId>> = { noiselearner: 'noise-learner' };
export type ProgramId = (typeof PROGRAMS)[number];

/**
 * A backend with the noise of one of its calibrations (a job's `calibration_id`): the same noise
 * kinds the backend models, read from that calibration's documents as at start-up.
 */
export function withCalibration(
  b: Backend,
  documents: { properties: string; configuration: string | null },
): Backend {
  if (b.noise.length === 0) return b;
  const properties = JSON.parse(documents.properties) as Record<string, unknown>;
  const configuration = JSON.parse(documents.configuration ?? '{}') as Record<string, unknown>;
  return {
    ...b,
    readoutError: b.noise.includes('readout') ? readoutErrorOf(properties, b.qubits) : null,
    relaxation: b.noise.includes('relaxation')
      ? relaxationOf(properties, configuration, b.qubits)
      : null,
    gateCalibrations: b.noise.includes('gates') ? gateCalibrationsOf(properties) : null,
  };
}

/** What the quantum library must enforce for a backend. */
export function limitsOf(b: Backend): ProgramLimits {
  return {
    backendName: b.name,
    maxQubits: b.qubits,
    maxShots: b.maxShots,
    maxExperiments: b.maxExperiments,
    couplingMap: b.couplingMap,
    ...(b.isa ? { isa: { basisGates: b.basisGates } } : {}),
    ...(b.readoutError ? { readout: b.readoutError } : {}),
    ...(b.relaxation ? { relaxation: b.relaxation } : {}),
    ...(b.gateCalibrations ? { gateNoise: { table: b.gateCalibrations } } : {}),
  };
}

export function isProgramId(id: string): id is ProgramId {
  return (PROGRAMS as readonly string[]).includes(id);
}

/** The program a job's `program_id` names (its own id, or an alias of one), or null. */
export function programOf(id: string): ProgramId | null {
  return isProgramId(id) ? id : (ALIASES[id] ?? null);
}

/** The most circuit text (OpenQASM, or QPY's base64) a job's diagram is drawn from. */
const MAX_DIAGRAM_CHARS = 1_000_000;

export function createProgramRegistry(catalog: BackendCatalog): ProgramRegistry {
  const checker = new ProgramChecker();
  return {
    has: (id) => programOf(id) !== null,
    async check(id, params, backendName) {
      const entry = catalog.require(backendName, 'invalid_backend');
      const programId = programOf(id);
      if (!programId)
        throw new AppError(
          'program_not_found',
          `Program ${id} not found; the programs are: ${[...PROGRAMS, ...Object.keys(ALIASES)].join(', ')}`,
        );
      const limits = limitsOf(entry.backend);
      let summary: ProgramSummary;
      try {
        summary =
          circuitChars(params) <= INLINE_CHECK_CHARS
            ? checkProgram(programId, params, limits)
            : await checker.check(programId, params, limits);
      } catch (e) {
        if (e instanceof QuantumInputError) throw new AppError('invalid_params', e.message);
        throw e;
      }
      return { totalShots: summary.totalShots };
    },
    checkResult(id, params, result) {
      try {
        return JSON.stringify(checkResult(programOf(id) ?? id, params, result));
      } catch (e) {
        if (e instanceof QuantumInputError) throw new AppError('invalid_result', e.message);
        throw e;
      }
    },
    diagrams(id, params) {
      const chars = circuitChars(params);
      // Parsed on the request's thread: past this size the page would wait, and a diagram is
      // cut at DIAGRAM_LIMITS operations anyway.
      if (chars > MAX_DIAGRAM_CHARS)
        return [
          {
            index: 0,
            error: `the job's circuits are ${chars.toLocaleString('en')} characters; diagrams are drawn for up to ${MAX_DIAGRAM_CHARS.toLocaleString('en')}`,
          },
        ];
      return jobDiagrams(programOf(id) ?? id, params);
    },
    close: () => checker.close(),
  };
}
