/** GET /instances/usage: an instance's usage in the current period against its limit. */
import type { Clock } from '../domain/clock.js';
import type { Instance } from '../domain/tenancy.js';
import { liveUsageMs, usagePeriod } from '../domain/usage.js';
import type { CallContext } from './context.js';
import type { Store } from './ports.js';

export interface InstanceUsage {
  readonly instance: Instance;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly consumedSeconds: number;
  readonly limitSeconds: number | null;
  readonly limitReached: boolean;
}

export type UsageService = ReturnType<typeof createUsageService>;

export function createUsageService(deps: {
  store: Store;
  clock: Clock;
  instances: ReadonlyMap<string, Instance>;
}) {
  return {
    async get(ctx: CallContext): Promise<InstanceUsage> {
      const now = deps.clock.now();
      const instance = deps.instances.get(ctx.instanceId);
      if (!instance) throw new Error(`instance ${ctx.instanceId} vanished from configuration`);
      const u = await deps.store.usageInputs(instance.id, now);
      const consumedSeconds =
        (u.settledMs + liveUsageMs(u.liveSessions, u.sessionless, now)) / 1000;
      const period = usagePeriod(now);
      return {
        instance,
        periodStart: period.start,
        periodEnd: period.end,
        consumedSeconds,
        limitSeconds: instance.usageLimitSeconds,
        limitReached:
          instance.usageLimitSeconds !== null && consumedSeconds >= instance.usageLimitSeconds,
      };
    },
  };
}
