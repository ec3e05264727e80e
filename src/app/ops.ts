/** Operations: readiness, the nodes sharing the database, and the counts behind /metrics. */
import type { Clock } from '../domain/clock.js';
import type { NodeRecord, Store, StoreStats } from './ports.js';

export type OpsService = ReturnType<typeof createOpsService>;

export function createOpsService(deps: { store: Store; clock: Clock; isReady: () => boolean }) {
  return {
    /** Taking work: started, not stopping, and the database answers. */
    ready: async (): Promise<boolean> => deps.isReady() && (await deps.store.ping()),
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
