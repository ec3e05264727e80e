/**
 * The backend catalogue (from configuration) and what the API reads about backends: status,
 * queue length, configuration and properties documents.
 */
import type { Backend } from '../domain/backend/backend.js';
import { AppError } from '../domain/errors.js';
import type { Store } from './ports.js';

/** A backend with the documents it serves. */
export interface BackendEntry {
  readonly backend: Backend;
  /** Qiskit backend configuration document (already renamed to this backend), as JSON text. */
  readonly configuration: string;
  /** Qiskit backend properties document, as JSON text. */
  readonly properties: string;
}

/** Backends by name. */
export class BackendCatalog {
  private readonly byName: ReadonlyMap<string, BackendEntry>;
  constructor(entries: readonly BackendEntry[]) {
    this.byName = new Map(entries.map((e) => [e.backend.name, e]));
  }
  get(name: string): BackendEntry | undefined {
    return this.byName.get(name);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  all(): BackendEntry[] {
    return [...this.byName.values()];
  }
}

/** A backend with its live load. */
export interface BackendView {
  readonly backend: Backend;
  readonly queued: number;
  readonly running: number;
}

export type BackendService = ReturnType<typeof createBackendService>;

export function createBackendService(deps: { store: Store; catalog: BackendCatalog }) {
  const { store, catalog } = deps;
  const entry = (name: string): BackendEntry => {
    const e = catalog.get(name);
    if (!e) throw new AppError('backend_not_found', `Backend ${name} not found`);
    return e;
  };
  return {
    async list(): Promise<BackendView[]> {
      const stats = await store.stats();
      return catalog.all().map((e) => ({
        backend: e.backend,
        queued: stats.queuedByBackend[e.backend.name] ?? 0,
        running: stats.runningByBackend[e.backend.name] ?? 0,
      }));
    },
    async status(name: string): Promise<BackendView> {
      const e = entry(name);
      return { backend: e.backend, ...(await store.backendLoad(name)) };
    },
    /** JSON text: these documents are static and large (a 20-qubit coupling map), so serialised once. */
    configuration(name: string): string {
      return entry(name).configuration;
    },
    properties(name: string): string {
      return entry(name).properties;
    },
  };
}
