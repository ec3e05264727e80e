/**
 * The backend catalogue (from configuration) and what the API reads about backends: status,
 * queue length, configuration and properties documents.
 */
import type { Backend } from '../domain/backend/backend.js';
import { type Calibration, type CalibrationInfo, newest } from '../domain/backend/calibration.js';
import { AppError } from '../domain/errors.js';
import { configurationProblems, propertiesProblems } from '../domain/backend/device-documents.js';
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
  /** As configured (with each backend's newest calibration). */
  private base: ReadonlyMap<string, BackendEntry>;
  /** As configured, with the statuses administrators set (applyStates). */
  private byName: ReadonlyMap<string, BackendEntry>;
  constructor(entries: readonly BackendEntry[]) {
    this.base = new Map(entries.map((e) => [e.backend.name, e]));
    this.byName = this.base;
  }
  /**
   * A backend's newest calibration: its documents replace the configured ones (with the
   * calibration's id in the properties, so that clients can name it).
   */
  applyCalibration(name: string, properties: string, configuration: string | null): void {
    const e = this.base.get(name);
    if (!e) return;
    const patched = { ...e, properties, ...(configuration ? { configuration } : {}) };
    this.base = new Map(this.base).set(name, patched);
    const live = this.byName.get(name);
    this.byName = new Map(this.byName).set(name, {
      ...patched,
      backend: live?.backend ?? e.backend,
    });
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
  /** A digest of text, hex (calibration ids). */
  hash: (text: string) => string;
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
    /**
     * Record every backend's documents as a calibration (once: the same documents give the same
     * id on every node and every start), and serve each backend's newest calibration from the
     * history. Called at start-up.
     */
    async syncCalibrations(): Promise<void> {
      const now = deps.clock.now();
      for (const e of catalog.all()) {
        const name = e.backend.name;
        const doc = JSON.parse(e.properties) as Record<string, unknown>;
        const updated = Date.parse(String(doc.last_update_date ?? ''));
        await store.recordCalibration({
          backend: name,
          id: calibrationIdOf(e.properties, deps.hash),
          lastUpdate: Number.isNaN(updated) ? now : new Date(updated),
          properties: e.properties,
          configuration: e.configuration,
          source: 'configuration',
          createdAt: now,
        });
        const latest = newest(await store.listCalibrations(name));
        const cal = latest && (await store.getCalibration(name, latest.id));
        if (cal) catalog.applyCalibration(name, withId(cal), cal.configuration);
      }
    },
    /** JSON text: these documents are static and large (a 20-qubit coupling map), so serialised once. */
    async configuration(name: string, calibrationId?: string): Promise<string> {
      const e = entry(name);
      if (calibrationId === undefined) {
        if (!published(e)) return e.configuration;
        return (await newestCalibration(name))?.configuration ?? e.configuration;
      }
      return (await calibration(name, calibrationId)).configuration ?? e.configuration;
    },
    /**
     * The properties document: the newest calibration's, the one `calibrationId` names, or the
     * newest updated at or before `updatedBefore`; 404 in IBM's shape when there is none.
     */
    async properties(
      name: string,
      select: { calibrationId?: string | undefined; updatedBefore?: Date | undefined } = {},
    ): Promise<string> {
      const e = entry(name);
      const { calibrationId, updatedBefore } = select;
      if (calibrationId === undefined && updatedBefore === undefined) {
        if (!published(e)) return e.properties;
        const latest = await newestCalibration(name);
        return latest ? withId(latest) : e.properties;
      }
      if (calibrationId !== undefined) {
        const cal = await calibration(name, calibrationId);
        if (updatedBefore && cal.lastUpdate.getTime() > updatedBefore.getTime())
          throw new AppError(
            'calibration_not_found',
            `Calibration ${calibrationId} of ${name} was updated at ${cal.lastUpdate.toISOString()}, after updated_before`,
          );
        return withId(cal);
      }
      const before = await store.calibrationBefore(name, updatedBefore as Date);
      if (!before)
        throw new AppError(
          'calibration_not_found',
          `${name} has no calibration updated at or before ${(updatedBefore as Date).toISOString()}; GET /api/v1/backends/${name}/calibrations lists them`,
        );
      return withId(before);
    },
    /**
     * A worker's calibration of its device (docs/workers.md): its properties and, optionally,
     * its configuration, checked against the backend (400 `invalid_device_documents` naming each
     * problem), kept in the history (publishing the same documents again changes nothing) and
     * served as the newest when they are.
     */
    async publishCalibration(
      name: string,
      properties: unknown,
      configuration: unknown,
    ): Promise<{ id: string; lastUpdate: Date; newest: boolean }> {
      const e = entry(name);
      const problems = [
        ...propertiesProblems(e.backend, properties),
        ...(configuration === undefined || configuration === null
          ? []
          : configurationProblems(e.backend, configuration)),
      ];
      if (problems.length)
        throw new AppError(
          'invalid_device_documents',
          `The documents of ${name} were not taken: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
        );
      const text = JSON.stringify(properties);
      const id = calibrationIdOf(text, deps.hash);
      const lastUpdate = new Date(
        String((properties as { last_update_date: string }).last_update_date),
      );
      await store.recordCalibration({
        backend: name,
        id,
        lastUpdate,
        properties: text,
        configuration:
          configuration === undefined || configuration === null
            ? null
            : JSON.stringify(configuration),
        source: 'worker',
        createdAt: deps.clock.now(),
      });
      const latest = await newestCalibration(name);
      return { id, lastUpdate, newest: latest?.id === id };
    },
    /** A backend's calibration history, newest first. */
    async calibrations(name: string): Promise<CalibrationInfo[]> {
      entry(name);
      return store.listCalibrations(name);
    },
  };

  /**
   * Whether a backend's documents come from its workers (an external backend): they change
   * while nodes run, so they are read from the store, the same on every node, not from the
   * catalogue built at start-up.
   */
  function published(e: BackendEntry): boolean {
    return e.backend.executor === 'external';
  }

  /**
   * The newest calibration of a backend; for one whose workers publish, the newest they
   * published, whatever the date of the documents it was configured with: those stand in only
   * until the device speaks (a synthesized document is dated at the server's start, which can
   * be later than a calibration published in the same second).
   */
  async function newestCalibration(name: string): Promise<Calibration | null> {
    const all = await store.listCalibrations(name);
    const fromWorkers = all.filter((c) => c.source === 'worker');
    const latest = newest(fromWorkers.length ? fromWorkers : all);
    return latest && store.getCalibration(name, latest.id);
  }

  async function calibration(name: string, id: string): Promise<Calibration> {
    const cal = await store.getCalibration(name, id);
    if (!cal)
      throw new AppError(
        'calibration_not_found',
        `${name} has no calibration ${id}; GET /api/v1/backends/${name}/calibrations lists them`,
      );
    return cal;
  }
}

/**
 * A calibration's id: a hash of its properties document without its dates, so that the same
 * calibration has the same id on every node and every start (a synthesized document carries
 * the start time).
 */
export function calibrationIdOf(properties: string, hash: (text: string) => string): string {
  const undated = JSON.stringify(JSON.parse(properties) as unknown, (k, v: unknown) =>
    k === 'date' || k === 'last_update_date' || k === 'calibration_id' ? undefined : v,
  );
  return `cal-${hash(undated).slice(0, 16)}`;
}

/** The calibration's properties document, naming its id (Qiskit keeps unknown fields). */
function withId(cal: Calibration): string {
  const doc = JSON.parse(cal.properties) as Record<string, unknown>;
  return JSON.stringify({ ...doc, calibration_id: cal.id });
}
