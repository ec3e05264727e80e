/**
 * IBM Cloud's account services as the Python client uses them before any runtime call
 * (../shared/spec/ibm-cloud-account.md): which instances a Global Search query finds, what the
 * Global Catalog says of their plans, and the instance CRN's fields. Pure: no I/O.
 */
import { AppError } from './errors.js';
import type { Instance, PricingType } from './tenancy.js';

/** The service name of every Qiskit Runtime instance in IBM Cloud's resource model. */
export const SERVICE_NAME = 'quantum-computing';

/**
 * A CRN's location (field 6, `crn:v1:bluemix:public:quantum-computing:<location>:…`): where the
 * client sends the instance's runtime calls (`quantum.<host>` for us-east, else
 * `<location>.quantum.<host>`). Null when the CRN has no location.
 */
export function crnLocation(crn: string): string | null {
  const location = crn.split(':')[5];
  return location ? location : null;
}

/** One `field:value` term of a search query; `*` in the value matches any run of characters. */
interface Term {
  readonly field: string;
  readonly pattern: RegExp;
}

/** The fields a query may name, and each instance's value(s) for them. */
const FIELDS: Readonly<Record<string, (i: Instance) => readonly string[]>> = {
  service_name: () => [SERVICE_NAME],
  name: (i) => [i.name],
  crn: (i) => [i.id],
  region: (i) => [crnLocation(i.id) ?? ''],
  tags: (i) => i.tags,
  type: () => ['resource-instance'],
  family: () => ['resource_controller'],
};

/**
 * Parse the subset of Global Search's Lucene syntax that a client of this service needs:
 * `field:value` terms joined by whitespace or `AND`, values optionally quoted, `*` a wildcard.
 * Anything else is a 400 that says what is supported.
 */
export function parseSearchQuery(query: string): readonly Term[] {
  const terms: Term[] = [];
  const re = /\s*(?:AND\s+)?([a-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*/gy;
  let at = 0;
  const source = query.trim();
  while (at < source.length) {
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m || !m[1]) {
      throw new AppError(
        'invalid_request',
        `query: unsupported search syntax at ${JSON.stringify(source.slice(at, at + 30))}; use field:value terms joined by AND (fields: ${Object.keys(FIELDS).join(', ')}; * is a wildcard)`,
      );
    }
    const field = m[1];
    if (!(field in FIELDS))
      throw new AppError(
        'invalid_request',
        `query: unknown field ${field}; the fields are: ${Object.keys(FIELDS).join(', ')}`,
      );
    const value = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    const pattern = new RegExp(
      `^${value
        .split('*')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    terms.push({ field, pattern });
    at = re.lastIndex;
  }
  return terms;
}

/** The instances (in order) that every term matches. */
export function searchInstances(
  instances: readonly Instance[],
  terms: readonly Term[],
): Instance[] {
  return instances.filter((i) =>
    terms.every((t) => (FIELDS[t.field]?.(i) ?? []).some((v) => t.pattern.test(v))),
  );
}

/** A Global Catalog plan entry, from the instances that name it. */
export interface PlanEntry {
  readonly id: string;
  readonly displayName: string;
  readonly pricingType: PricingType;
}

/** The plans of the instances, one per plan id. */
export function plansOf(instances: readonly Instance[]): Map<string, PlanEntry> {
  const plans = new Map<string, PlanEntry>();
  for (const i of instances)
    if (!plans.has(i.planId))
      plans.set(i.planId, { id: i.planId, displayName: i.planName, pricingType: i.pricingType });
  return plans;
}
