/** The only place in Berth that reads the wall clock: everything else is handed a Clock. */
export interface Clock {
  /** Current time. */
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };
