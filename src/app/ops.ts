/** Operations: readiness and the counts behind /metrics. */
import type { Store, StoreStats } from './ports.js';

export type OpsService = ReturnType<typeof createOpsService>;

export function createOpsService(deps: { store: Store; isReady: () => boolean }) {
  return {
    ready: (): boolean => deps.isReady(),
    stats: (): Promise<StoreStats> => deps.store.stats(),
  };
}
