/**
 * Where a queued job stands in its backend's dispatch order (GET /jobs/{id}/metrics,
 * `position_in_queue`): how many queued jobs the rules of dispatch.ts start before it if the
 * queue drained now. So position 0 is the job pickNextJob would start next, and the count
 * follows the same rules: the owning dedicated session, then active batch sessions oldest
 * first, then the normal queue in fair-share order. Usage is taken as it stands; a completion
 * that changes an instance's usage can move a job in the normal queue.
 */
import type { SessionMode, SessionState } from '../session/session.js';
import { MODES, ownsBackend } from './dispatch.js';

/** The queued jobs of one backend that share one place in the rules: a session's, or an instance's sessionless ones. */
export interface QueueGroup {
  readonly sessionId: string | null;
  /** The session's mode, state and creation (null for sessionless jobs). */
  readonly session: {
    readonly mode: SessionMode;
    readonly state: SessionState;
    readonly createdAt: Date;
  } | null;
  readonly instanceId: string;
  /** The instance's usage this period (ms) and fair-share weight. */
  readonly usageMs: number;
  readonly share: number;
  /** Queued jobs in the group. */
  readonly queued: number;
  /** Of those, the ones submitted before the job asked about. */
  readonly earlier: number;
}

/** Rule classes, in the order they start jobs. */
const OWNER = 0;
const PRIORITY = 1;
const NORMAL = 2;

function ruleOf(g: QueueGroup): number {
  if (!g.session) return NORMAL;
  if (ownsBackend(g.session)) return OWNER;
  if (g.session.mode === MODES.priority.mode && g.session.state === MODES.priority.state)
    return PRIORITY;
  return NORMAL;
}

const olderSession = (a: QueueGroup, b: QueueGroup): boolean => {
  const ta = a.session?.createdAt.getTime() ?? 0;
  const tb = b.session?.createdAt.getTime() ?? 0;
  return ta < tb || (ta === tb && (a.sessionId ?? '') < (b.sessionId ?? ''));
};

/** Jobs started before the job of `target` (its session and instance), 0 when it is next. */
export function queuePosition(
  target: { readonly sessionId: string | null; readonly instanceId: string },
  groups: readonly QueueGroup[],
): number {
  const own = groups.find(
    (g) => g.sessionId === target.sessionId && g.instanceId === target.instanceId,
  );
  if (!own) return 0; // it started (or ended) meanwhile
  const rule = ruleOf(own);
  const ratio = own.usageMs / own.share;
  let ahead = 0;
  for (const g of groups) {
    const r = ruleOf(g);
    if (r < rule) ahead += g.queued;
    if (r !== rule) continue;
    if (rule !== NORMAL) {
      // One session's jobs go oldest first; older sessions go first.
      if (g === own) ahead += g.earlier;
      else if (olderSession(g, own)) ahead += g.queued;
      continue;
    }
    // Normal queue: FIFO within an instance; across instances, least usage per share first,
    // and equal standings take turns oldest job first.
    const theirs = g.usageMs / g.share;
    if (g.instanceId === target.instanceId || theirs === ratio) ahead += g.earlier;
    else if (theirs < ratio) ahead += g.queued;
  }
  return ahead;
}
