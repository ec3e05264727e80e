/**
 * The backend catalogue (from configuration) and what the API reads about backends: status,
 * queue length, configuration and properties documents.
 */
import type { Backend } from '../domain/backend/backend.js';
import { AppError } from '../domain/errors.js';
import type { BackendState, Store } from './ports.js';
import type { Clock } from '../domain/clock.js';

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
  /** As configured. */
  private readonly base: ReadonlyMap<string, BackendEntry>;
  /** As configured, with the statuses administrators set (applyStates). */
  private byName: ReadonlyMap<string, BackendEntry>;
  constructor(entries: readonly BackendEntry[]) {
    this.base = new Map(entries.map((e) => [e.backend.name, e]));
    this.byName = this.base;
  }
  /**
   * The statuses administrators set (the store's backendStates) over the configured ones. Each
   * node applies them at every heartbeat, and at once after a change it made itself.
   */
  applyStates(states: readonly BackendState[]): void {
    const next = new Map(this.base);
    for (const s of states) {
      const e = this.base.get(s.name);
      if (e)
        next.set(s.name, {
          ...e,
          backend: { ...e.backend, status: s.status, statusReason: s.reason },
        });
    }
    this.byName = next;
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
  /** The backend named `name`, or the error `code` naming every backend there is. */
  require(name: string, code: 'invalid_backend' | 'backend_not_found'): BackendEntry {
    const entry = this.byName.get(name);
    if (entry) return entry;
    throw new AppError(
      code,
      `Backend ${name} does not exist; the backends are: ${[...this.byName.keys()].join(', ')}`,
    );
  }
}

/** A backend with its live load. */
export interface BackendView {
  readonly backend: Backend;
  readonly queued: number;
  readonly running: number;
}

export type BackendService = ReturnType<typeof createBackendService>;

export function createBackendService(deps: {
  store: Store;
  catalog: BackendCatalog;
  clock: Clock;
  /** A resumed backend is dispatched at once. */
  onBackendChanged: (backend: string) => void;
}) {
  const { store, catalog } = deps;
  const entry = (name: string): BackendEntry => catalog.require(name, 'backend_not_found');
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
    /**
     * POST /admin/backends/{name}/pause|resume: a paused backend starts no job (running ones
     * finish; the queue keeps) until resumed. Durable, and the same on every node (within a
     * heartbeat). Resuming makes it online whatever its configured status was.
     */
    async setStatus(
      name: string,
      status: 'online' | 'paused',
      reason: string | null,
      by: string,
    ): Promise<BackendView> {
      entry(name);
      const changedAt = deps.clock.now();
      await store.setBackendState({ name, status, reason, changedAt, changedBy: by });
      catalog.applyStates(await store.backendStates());
      deps.onBackendChanged(name);
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
