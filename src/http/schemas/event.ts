/** The wire form of an event: the same JSON in an SSE frame's data and a webhook's body. */
import type { JobView } from '../../app/jobs.js';
import type { StoredEvent } from '../../app/ports.js';
import type { SessionView } from '../../app/sessions.js';
import type { Job } from '../../domain/job/job.js';
import type { Session } from '../../domain/session/session.js';
import { toWireJob } from './job.js';
import { toWireSession } from './session.js';

/** How subjects are viewed at an instant (the services' `view`). */
export interface Views {
  readonly job: (job: Job, at: Date) => JobView;
  readonly session: (session: Session, at: Date) => SessionView;
}

export interface WireEvent {
  readonly id: string;
  readonly type: string;
  readonly created: string;
  readonly data: unknown;
}

/** `data` is the subject as GET would have answered right after the change (without params). */
export function toWireEvent(e: StoredEvent, views: Views): WireEvent {
  let data: unknown;
  if (e.type === 'job.state_changed') data = toWireJob(views.job(e.job, e.at), false);
  else if (e.type === 'session.state_changed') data = toWireSession(views.session(e.session, e.at));
  else data = { job_id: e.jobId, time: e.at.toISOString(), line: e.line };
  return { id: String(e.seq), type: e.type, created: e.at.toISOString(), data };
}
