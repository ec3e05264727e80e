/**
 * Usage periods. Berth accounts instance usage per calendar month in UTC (IBM's plans are
 * monthly); usage is attributed to the period in which it is settled.
 */

/** Start and end of the period containing `now`. */
export function usagePeriod(now: Date): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}
