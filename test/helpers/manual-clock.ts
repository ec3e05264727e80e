/** A clock that moves only when the test says so. */
import type { Clock } from '../../src/domain/clock.js';

export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): Date {
    this.t += ms;
    return this.now();
  }
  advanceSeconds(s: number): Date {
    return this.advance(s * 1000);
  }
  set(d: Date): void {
    this.t = d.getTime();
  }
}
