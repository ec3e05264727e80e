/**
 * Where a webhook may be delivered (security/addresses.ts decides): a URL's host is resolved,
 * and every address it resolves to must be allowed, so a name that mixes a public and a
 * private answer is refused. The sender connects to the address checked here (no second
 * lookup), so a DNS answer that changes between the check and the connection cannot get in.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type TargetAllowList, refusal } from '../security/addresses.js';

export interface ResolvedTarget {
  readonly address: string;
  readonly family: 4 | 6;
}

/** The URL host without IPv6 brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class TargetRefused extends Error {
  readonly code = 'EBERTH_TARGET_REFUSED';
}

/** Resolve `host` and check every answer; throws TargetRefused with the reason. */
export async function resolveTarget(host: string, allow: TargetAllowList): Promise<ResolvedTarget> {
  const answers =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true, verbatim: true }).catch((e: NodeJS.ErrnoException) => {
          throw new TargetRefused(`${host} cannot be resolved (${e.code ?? e.message})`);
        });
  if (answers.length === 0) throw new TargetRefused(`${host} has no address`);
  for (const a of answers) {
    const why = refusal(host, a.address, allow);
    if (why) throw new TargetRefused(why);
  }
  const first = answers[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
