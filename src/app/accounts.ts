/**
 * IBM Cloud's account services, as far as qiskit-ibm-runtime uses them to find its instances
 * (../shared/spec/ibm-cloud-account.md): Global Search lists the instances a key may use, the
 * Global Catalog describes their plans, the Resource Controller finds an instance by name.
 */
import {
  type PlanEntry,
  crnLocation,
  parseSearchQuery,
  plansOf,
  searchInstances,
} from '../domain/cloud-account.js';
import { AppError } from '../domain/errors.js';
import type { Instance } from '../domain/tenancy.js';
import type { CallContext } from './context.js';

/** A Global Search hit: every field the client may ask for. */
export interface InstanceHit {
  readonly instance: Instance;
  readonly location: string | null;
}

export type AccountService = ReturnType<typeof createAccountService>;

export function createAccountService(deps: {
  instances: readonly Instance[];
  /** The backends every instance may use (what Global Search reports as its allocation). */
  backendNames: () => readonly string[];
}) {
  const plans = plansOf(deps.instances);
  const mine = (ctx: CallContext): Instance[] =>
    deps.instances.filter((i) => ctx.principal.instances.includes(i.id));

  return {
    backendNames: deps.backendNames,

    /**
     * POST /v3/resources/search: the caller's instances that match `query`, `limit` at a time;
     * `cursor` (the previous answer's search_cursor) continues.
     */
    search(
      ctx: CallContext,
      req: { query: string; limit: number; cursor: string | null },
    ): { hits: InstanceHit[]; cursor: string | null } {
      const found = searchInstances(mine(ctx), parseSearchQuery(req.query));
      const from = req.cursor === null ? 0 : decodeCursor(req.cursor);
      const page = found.slice(from, from + req.limit);
      const next = from + page.length;
      return {
        hits: page.map((instance) => ({ instance, location: crnLocation(instance.id) })),
        cursor: next < found.length ? encodeCursor(next) : null,
      };
    },

    /** GET /api/v1/{id}: a plan of one of Berth's instances. */
    plan(id: string): PlanEntry {
      const plan = plans.get(id);
      if (!plan)
        throw new AppError(
          'plan_not_found',
          `No catalog entry ${id}; the plans are: ${[...plans.keys()].join(', ')}`,
        );
      return plan;
    },

    /** GET /v2/resource_instances: the caller's instances, by name when one is given. */
    resourceInstances(ctx: CallContext, name: string | undefined): Instance[] {
      return mine(ctx).filter((i) => name === undefined || i.name === name);
    },
  };
}

/** A search cursor is opaque to clients; here it is the offset of the next hit. */
function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      offset?: unknown;
    };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new AppError(
    'invalid_request',
    'search_cursor is not one this server gave; start again without it',
  );
}
