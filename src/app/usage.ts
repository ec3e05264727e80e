/**
 * Usage: an instance's in the current period against its limit (GET /instances/usage), each
 * user's share of it (GET /instances/usage/users), and every instance's for administrators.
 */
import type { Clock } from '../domain/clock.js';
import type { Instance } from '../domain/tenancy.js';
import { liveUsageMs, usagePeriod } from '../domain/usage.js';
import type { CallContext } from './context.js';
import type { Store, UsageInputs } from './ports.js';

export interface InstanceUsage {
  readonly instance: Instance;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly consumedSeconds: number;
  readonly limitSeconds: number | null;
  readonly limitReached: boolean;
}

/** What one user (an API key's `user_id`) consumed in an instance this period. */
export interface UserUsage {
  readonly userId: string;
  readonly consumedSeconds: number;
}

export interface UsageWithUsers {
  readonly usage: InstanceUsage;
  /** Most first; a user with nothing this period is not listed. */
  readonly users: readonly UserUsage[];
}

export type UsageService = ReturnType<typeof createUsageService>;

export function createUsageService(deps: {
  store: Store;
  clock: Clock;
  instances: ReadonlyMap<string, Instance>;
}) {
  async function read(instanceId: string): Promise<UsageWithUsers> {
    const now = deps.clock.now();
    const instance = deps.instances.get(instanceId);
    if (!instance) throw new Error(`instance ${instanceId} vanished from configuration`);
    const u = await deps.store.usageInputs(instance.id, now);
    const consumedSeconds = (u.settledMs + liveUsageMs(u.liveSessions, u.sessionless, now)) / 1000;
    const period = usagePeriod(now);
    return {
      usage: {
        instance,
        periodStart: period.start,
        periodEnd: period.end,
        consumedSeconds,
        limitSeconds: instance.usageLimitSeconds,
        limitReached:
          instance.usageLimitSeconds !== null && consumedSeconds >= instance.usageLimitSeconds,
      },
      users: byUser(u, now),
    };
  }

  return {
    async get(ctx: CallContext): Promise<InstanceUsage> {
      return (await read(ctx.instanceId)).usage;
    },

    /**
     * The instance's usage by user. An administrator sees every user; anyone else only their
     * own line (a class shares an instance, and a student's usage is not a classmate's business).
     */
    async users(ctx: CallContext): Promise<UsageWithUsers> {
      const all = await read(ctx.instanceId);
      if (ctx.principal.admin) return all;
      const own = all.users.find((x) => x.userId === ctx.principal.userId);
      return { ...all, users: [own ?? { userId: ctx.principal.userId, consumedSeconds: 0 }] };
    },

    /** Every configured instance (administrators). */
    async everyInstance(): Promise<UsageWithUsers[]> {
      return Promise.all([...deps.instances.keys()].map(read));
    },
  };
}

/** Settled plus accruing usage per user, most first. */
function byUser(u: UsageInputs, now: Date): UserUsage[] {
  const ids = new Set([
    ...u.settledByUser.map((x) => x.userId),
    ...u.sessionlessByUser.map((x) => x.userId),
    ...u.liveSessions.map((s) => s.userId),
  ]);
  return [...ids]
    .map((userId) => {
      const settled = u.settledByUser.find((x) => x.userId === userId)?.ms ?? 0;
      const running = u.sessionlessByUser.find((x) => x.userId === userId) ?? {
        count: 0,
        startSumMs: 0,
      };
      const live = liveUsageMs(
        u.liveSessions.filter((s) => s.userId === userId),
        running,
        now,
      );
      return { userId, consumedSeconds: (settled + live) / 1000 };
    })
    .filter((x) => x.consumedSeconds > 0)
    .sort((a, b) => b.consumedSeconds - a.consumedSeconds || a.userId.localeCompare(b.userId));
}
