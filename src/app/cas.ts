/**
 * The compare-and-set loop, written once: read, decide, commit; when the commit finds the row
 * changed meanwhile, read and decide again. `attempt` returns `retry` for a lost race, or the
 * result. Keep slow work (a program check) outside: it is done once, not once per attempt.
 */
import { AppError } from '../domain/errors.js';

/** Attempts before a change gives up with `conflict`. */
export const CAS_ATTEMPTS = 8;

export const RETRY = Symbol('retry');

export async function withRetries<T>(
  conflictMessage: string,
  attempt: () => Promise<T | typeof RETRY>,
): Promise<T> {
  for (let i = 0; i < CAS_ATTEMPTS; i++) {
    const out = await attempt();
    if (out !== RETRY) return out;
  }
  throw new AppError('conflict', conflictMessage);
}
