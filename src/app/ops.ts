/** Operations: readiness, the nodes sharing the database, and the counts behind /metrics. */
import type { Clock } from '../domain/clock.js';
import type { NodeRecord, Store, StoreStats } from './ports.js';

export type OpsService = ReturnType<typeof createOpsService>;

export function createOpsService(deps: {
  store: Store;
  clock: Clock;
  /** Why the node takes no work now (starting, stopping, a scheduler that fails), or null. */
  notReady: () => string | null;
}) {
  return {
    /** Why the node takes no work now, or null: started, scheduling, and the database answers. */
    async notReady(): Promise<string | null> {
      const why = deps.notReady();
      if (why) return why;
      return (await deps.store.ping()) ? null : 'its database does not answer';
    },
    stats: (): Promise<StoreStats> => deps.store.stats(),
    /** Each node, and whether it heartbeat within `aliveMs` (else it counts as gone). */
    async nodes(aliveMs: number): Promise<(NodeRecord & { alive: boolean })[]> {
      const now = deps.clock.now();
      return (await deps.store.listNodes(now)).map((n) => ({
        ...n,
        alive: now.getTime() - n.heartbeatAt.getTime() <= aliveMs,
      }));
    },
  };
}
