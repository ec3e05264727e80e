/**
 * Which backends a node schedules: each backend by one node, spread evenly over the live nodes.
 * Pure: from the backends, who holds each now, this node and how many nodes are alive, what
 * this node renews or takes, and what it gives up for others to take. A node never takes a
 * backend another live lease holds; it gives up what is above its share, so a node that joins
 * gets its part within a heartbeat or two.
 */

export interface OwnershipPlan {
  /** Backends to hold after this heartbeat: renew these if ours, take them if free. */
  readonly claim: readonly string[];
  /** Backends this node holds above its share: release them now. */
  readonly release: readonly string[];
}

export function planOwnership(
  backends: readonly string[],
  owners: ReadonlyMap<string, string>,
  me: string,
  liveNodes: number,
): OwnershipPlan {
  const names = [...backends].sort();
  const share = Math.ceil(names.length / Math.max(1, liveNodes));
  const mine = names.filter((b) => owners.get(b) === me);
  const free = names.filter((b) => !owners.has(b));
  const keep = mine.slice(0, share);
  return {
    claim: [...keep, ...free.slice(0, Math.max(0, share - keep.length))],
    release: mine.slice(share),
  };
}
