/**
 * Tenancy: instances (tenants) and the principals that act in them. Semantics:
 * ../shared/spec/runtime-api.md §2.
 */

/**
 * The pricing types the client orders instances by when no plan preference is given
 * (qiskit_runtime_service.py `_filter_instances_by_saved_preferences`); any other value makes it
 * raise `ValueError`, so an instance's pricing type is one of these.
 */
export const PRICING_TYPES = ['free', 'trial', 'paygo', 'paid', 'subscription'] as const;
export type PricingType = (typeof PRICING_TYPES)[number];

/** An instance: the unit of visibility, fair share and usage limits. Its id is a CRN. */
export interface Instance {
  readonly id: string;
  readonly name: string;
  /** Its plan: the Global Catalog entry `service_plan_unique_id` names (domain/cloud-account.ts). */
  readonly planId: string;
  /** The plan's display name (the client keeps it lower-cased as the instance's `plan`). */
  readonly planName: string;
  /** The plan's pricing type, one the client can order by. */
  readonly pricingType: PricingType;
  /** Tags, for the client's `tags` preference (Global Search). */
  readonly tags: readonly string[];
  /** Fair-share weight (> 0). */
  readonly share: number;
  /** Usage allowed per period, in seconds; null: unlimited. */
  readonly usageLimitSeconds: number | null;
  /** Ceiling for a session's max_ttl, in seconds. */
  readonly maxTtlSeconds: number;
}

/** Who is calling, after authentication. */
export interface Principal {
  readonly keyId: string;
  readonly userId: string;
  readonly admin: boolean;
  /** Instances the key may act in. */
  readonly instances: readonly string[];
  readonly defaultInstance: string;
  /** A worker key: the external backends it may lease jobs of (and nothing else); else null. */
  readonly workerBackends: readonly string[] | null;
}

/** An API key as stored: only its hash, never the key. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly hash: string;
  readonly admin: boolean;
  readonly instances: readonly string[];
  readonly defaultInstance: string;
  /** A worker key's backends (docs/workers.md); null for the keys of people and programs. */
  readonly workerBackends: readonly string[] | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/** Whether a key may be used at `now`. */
export function isKeyUsable(k: ApiKeyRecord, now: Date): boolean {
  if (k.revokedAt) return false;
  return !k.expiresAt || k.expiresAt.getTime() > now.getTime();
}
