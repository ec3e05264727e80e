/**
 * The programs Berth runs (`sampler`, `estimator`), checked at submission against the backend's
 * limits so that invalid params are a 400 and never a job that fails later.
 */
import type { BackendCatalog } from '../app/backends.js';
import type { ProgramRegistry } from '../app/ports.js';
import type { Backend } from '../domain/backend/backend.js';
import { AppError } from '../domain/errors.js';
import { type ProgramLimits, QuantumInputError, checkProgram } from '../quantum/index.js';

export const PROGRAMS = ['sampler', 'estimator'] as const;
export type ProgramId = (typeof PROGRAMS)[number];

/** What the quantum library must enforce for a backend. */
export function limitsOf(b: Backend): ProgramLimits {
  return {
    maxQubits: b.qubits,
    maxShots: b.maxShots,
    maxExperiments: b.maxExperiments,
    couplingMap: b.couplingMap,
  };
}

export function isProgramId(id: string): id is ProgramId {
  return (PROGRAMS as readonly string[]).includes(id);
}

export function createProgramRegistry(catalog: BackendCatalog): ProgramRegistry {
  return {
    has: isProgramId,
    check(programId, params, backendName) {
      const entry = catalog.get(backendName);
      if (!entry) throw new AppError('invalid_backend', `Backend ${backendName} does not exist`);
      if (!isProgramId(programId))
        throw new AppError('program_not_found', `Program ${programId} not found`);
      try {
        return { totalShots: checkProgram(programId, params, limitsOf(entry.backend)).totalShots };
      } catch (e) {
        if (e instanceof QuantumInputError) throw new AppError('invalid_params', e.message);
        throw e;
      }
    },
  };
}
