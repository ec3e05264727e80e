/**
 * Which events a change records. Pure: given a commit and the subjects as they were before it,
 * the events that go into the same commit (so the log can never miss or invent a change).
 */
import type { Job } from '../domain/job/job.js';
import type { Session } from '../domain/session/session.js';
import type { Commit, DomainEvent } from './ports.js';

/** The subjects as they were before the change (null: created by it). */
export interface Before {
  readonly job?: Job | null;
  readonly session?: Session | null;
}

/**
 * Log lines first, then the job's state, then the other jobs', then the session's: a client that sees a job end has
 * already seen the job's last log line, and a session's end comes after its jobs'.
 */
export function eventsOf(change: Commit, before: Before, at: Date): DomainEvent[] {
  const out: DomainEvent[] = [];
  const job = change.job?.next ?? before.job ?? null;
  for (const l of change.logs ?? []) {
    if (!job || job.id !== l.jobId) continue;
    out.push({
      type: 'job.log',
      at: l.at,
      jobId: job.id,
      instanceId: job.instanceId,
      sessionId: job.sessionId,
      line: l.line,
    });
  }
  const nextJob = change.job?.next;
  if (nextJob && (!before.job || before.job.status !== nextJob.status))
    out.push({ type: 'job.state_changed', at, job: nextJob });
  // Jobs the same decision ended (a session's cancel): each was Queued, so each changed state.
  for (const other of change.otherJobs ?? [])
    out.push({ type: 'job.state_changed', at, job: other });
  const nextSession = change.session?.next;
  const prev = before.session;
  if (
    nextSession &&
    (!prev || prev.state !== nextSession.state || prev.acceptingJobs !== nextSession.acceptingJobs)
  )
    out.push({ type: 'session.state_changed', at, session: nextSession });
  return out;
}

/** `change` with its events. */
export function withEvents(change: Commit, before: Before, at: Date): Commit {
  const events = eventsOf(change, before, at);
  return events.length ? { ...change, events } : change;
}
