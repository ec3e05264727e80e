import { describe, expect, it } from 'vitest';
import { FAILURES_TO_UNHEALTHY, SUCCESSES_TO_HEALTHY, SchedulerHealth } from './health.js';

describe('SchedulerHealth', () => {
  it('turns unhealthy only when passes fail in a row, and healthy after passes succeed in a row', () => {
    const h = new SchedulerHealth();
    for (let i = 1; i < FAILURES_TO_UNHEALTHY; i++) h.failed('boom');
    expect(h.ok).toBe(true); // a failure now and then (a lost connection) is not a state
    h.passed();
    for (let i = 1; i < FAILURES_TO_UNHEALTHY; i++) h.failed('boom');
    expect(h.ok).toBe(true);
    h.failed('subquery in FROM must have an alias');
    expect(h.ok).toBe(false);
    expect(h.problem).toBe('subquery in FROM must have an alias');
    for (let i = 1; i < SUCCESSES_TO_HEALTHY; i++) h.passed();
    h.failed('again'); // a node that fails only while it schedules must not flap back
    for (let i = 1; i < SUCCESSES_TO_HEALTHY; i++) h.passed();
    expect(h.ok).toBe(false);
    h.passed();
    expect(h.ok).toBe(true);
    expect(h.problem).toBeNull();
  });
});
