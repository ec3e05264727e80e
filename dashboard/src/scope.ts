/**
 * What the views show: one instance, or every instance the key may use ("All instances", the
 * default for a key with several, such as an administrator's). The API answers per instance
 * (the Service-CRN of each call), so "all" reads each instance with a client of its own and
 * merges the answers here: lists newest first with their counts summed, an object from the
 * instance that holds it.
 */
import { type BerthClient, isBerthError } from '@berth/client';

/** The instance filter's value for every instance. */
export const ALL = 'all';

export interface Member {
  readonly id: string;
  readonly name: string;
  readonly client: BerthClient;
}

export interface Scope {
  /** Whether the views show every instance the key may use. */
  readonly all: boolean;
  readonly members: readonly Member[];
  /** For what every instance shares (backends, /admin): the first member's client. */
  readonly primary: BerthClient;
  /** An instance's name, by its CRN (the CRN itself for one not in view). */
  nameOf(crn: string): string;
}

export function makeScope(
  instances: readonly { readonly id: string; readonly name: string }[],
  selected: string,
  clientOf: (instance: string) => BerthClient,
): Scope {
  const all = selected === ALL;
  const chosen = all ? instances : instances.filter((i) => i.id === selected);
  const members = (chosen.length ? chosen : instances.slice(0, 1)).map((i) => ({
    ...i,
    client: clientOf(i.id),
  }));
  const names = new Map(instances.map((i) => [i.id, i.name]));
  const first = members[0];
  if (!first) throw new Error('This key may act in no instance');
  return { all, members, primary: first.client, nameOf: (crn) => names.get(crn) ?? crn };
}

/** Each member's answer, in the members' order. */
export function each<T>(scope: Scope, read: (c: BerthClient) => Promise<T>): Promise<T[]> {
  return Promise.all(scope.members.map((m) => read(m.client)));
}

/**
 * The client of the instance that holds an object, with the object: the first member whose
 * read does not answer 404 (another instance's objects answer 404).
 */
export async function locate<T>(
  scope: Scope,
  read: (c: BerthClient) => Promise<T>,
): Promise<{ client: BerthClient; value: T }> {
  let notFound: unknown = null;
  for (const m of scope.members) {
    try {
      return { client: m.client, value: await read(m.client) };
    } catch (e) {
      if (!isBerthError(e) || e.status !== 404) throw e;
      notFound = e;
    }
  }
  throw notFound;
}

/**
 * One page of a list over every member, newest first: each member is read up to the page's
 * end, the answers merged by `created`, and the counts summed.
 */
export async function mergedPage<T>(
  scope: Scope,
  read: (c: BerthClient, limit: number) => Promise<{ count: number; items: readonly T[] }>,
  created: (t: T) => string | null,
  offset: number,
  limit: number,
): Promise<{ count: number; items: T[] }> {
  const pages = await each(scope, (c) => read(c, offset + limit));
  const items = pages
    .flatMap((p) => p.items)
    .sort((a, b) => (Date.parse(created(b) ?? '') || 0) - (Date.parse(created(a) ?? '') || 0));
  return {
    count: pages.reduce((n, p) => n + p.count, 0),
    items: items.slice(offset, offset + limit),
  };
}
