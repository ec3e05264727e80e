/**
 * Usage periods. Berth accounts instance usage per calendar month in UTC (IBM's plans are
 * monthly); usage is attributed to the period in which it is settled.
 */

import { type Session, elapsedMs } from './session/session.js';

/** Start and end of the period containing `now`. */
export function usagePeriod(now: Date): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

/**
 * Usage accruing now and not yet settled: each live session's elapsed time past what it has
 * settled, plus the running time of sessionless jobs (`count` jobs whose start times sum to
 * `startSumMs`).
 */
export function liveUsageMs(
  liveSessions: readonly Session[],
  sessionless: { readonly count: number; readonly startSumMs: number },
  now: Date,
): number {
  const sessions = liveSessions.reduce((sum, s) => sum + elapsedMs(s, now) - s.usageMs, 0);
  return sessions + sessionless.count * now.getTime() - sessionless.startSumMs;
}
