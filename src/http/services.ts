/** What the HTTP layer calls: one object of services, decorated on the Fastify instance. */
import type { AccountService } from '../app/accounts.js';
import type { AuthService } from '../app/auth.js';
import type { BackendService } from '../app/backends.js';
import type { CallContext } from '../app/context.js';
import type { EventFeed } from '../app/event-feed.js';
import type { Events } from '../app/events.js';
import type { JobService } from '../app/jobs.js';
import type { OpsService } from '../app/ops.js';
import type { SessionService } from '../app/sessions.js';
import type { UsageService } from '../app/usage.js';
import type { WebhookService } from '../app/webhooks.js';
import type { WorkerService } from '../app/workers.js';

export interface Services {
  readonly auth: AuthService;
  readonly sessions: SessionService;
  readonly jobs: JobService;
  readonly backends: BackendService;
  readonly usage: UsageService;
  readonly accounts: AccountService;
  readonly ops: OpsService;
  readonly events: Events;
  readonly feed: EventFeed;
  readonly webhooks: WebhookService;
  readonly workers: WorkerService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    ctx: CallContext;
  }
  interface FastifyContextConfig {
    /** No authentication (versions, health, identity). */
    public?: boolean;
    /** The route also reads form bodies (POST /identity/token): named in the 415's advice. */
    acceptsForm?: boolean;
  }
}
