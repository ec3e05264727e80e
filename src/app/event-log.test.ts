import { describe, expect, it } from 'vitest';
import { aJob, aSession, at } from '../../test/helpers/builders.js';
import { eventsOf } from './event-log.js';

describe('eventsOf', () => {
  it('records a created job and its log line, log first', () => {
    const job = aJob();
    const events = eventsOf(
      { job: { next: job, insert: true }, logs: [{ jobId: job.id, at: at(1), line: 'Queued' }] },
      { job: null },
      at(1),
    );
    expect(events.map((e) => e.type)).toEqual(['job.log', 'job.state_changed']);
  });

  it('records state changes only: a tag edit or a counter is not an event', () => {
    const job = aJob();
    expect(eventsOf({ job: { next: { ...job, tags: ['x'] } } }, { job }, at(1))).toEqual([]);
    const s = aSession('active');
    expect(eventsOf({ session: { next: { ...s, queued: 3 } } }, { session: s }, at(1))).toEqual([]);
  });

  it('records a session that stops accepting jobs, and orders job before session', () => {
    const s = aSession('active');
    const job = aJob({ status: 'Running', sessionId: s.id });
    const done = { ...job, status: 'Completed' as const };
    const events = eventsOf(
      { job: { next: done }, session: { next: { ...s, state: 'inactive' } } },
      { job, session: s },
      at(2),
    );
    expect(events.map((e) => e.type)).toEqual(['job.state_changed', 'session.state_changed']);
    const closing = eventsOf(
      { session: { next: { ...s, acceptingJobs: false } } },
      { session: s },
      at(3),
    );
    expect(closing).toHaveLength(1);
  });
});
