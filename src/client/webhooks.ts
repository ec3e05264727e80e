/** `/api/v1/webhooks`: signed event deliveries to a URL, per instance (docs/events.md). */
import { call, type CallOptions } from './api.js';
import type { Transport } from './http.js';
import type { BerthEventType, RequestBody, ResponseBody } from './types.js';

export type Webhook = ResponseBody<'/api/v1/webhooks/{id}', 'get'>;
/** A created webhook: `secret` is shown only in this answer. */
export type CreatedWebhook = ResponseBody<'/api/v1/webhooks', 'post', 201>;
export type WebhookDeliveries = ResponseBody<'/api/v1/webhooks/{id}/deliveries', 'get'>;
export type WebhookDelivery = WebhookDeliveries['deliveries'][number];
type CreateBody = RequestBody<'/api/v1/webhooks', 'post'>;

export interface CreateWebhookInput {
  readonly url: string;
  /** Event types to deliver (default: all). */
  readonly events?: readonly BerthEventType[] | undefined;
  /** The signing secret (16–256 characters); default: generated, and returned once. */
  readonly secret?: string | undefined;
  readonly description?: string | undefined;
}

export class WebhooksApi {
  constructor(private readonly transport: Transport) {}

  /** `POST /api/v1/webhooks`. */
  create(input: CreateWebhookInput, options: CallOptions = {}): Promise<CreatedWebhook> {
    const body: CreateBody = {
      url: input.url,
      ...(input.events !== undefined ? { events: [...input.events] } : {}),
      ...(input.secret !== undefined ? { secret: input.secret } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    return call(this.transport, 'post', '/api/v1/webhooks', { body, signal: options.signal });
  }

  /** `GET /api/v1/webhooks`. */
  async list(options: CallOptions = {}): Promise<Webhook[]> {
    const body = await call(this.transport, 'get', '/api/v1/webhooks', { signal: options.signal });
    return body.webhooks;
  }

  /** `GET /api/v1/webhooks/{id}` (never the secret). */
  get(id: string, options: CallOptions = {}): Promise<Webhook> {
    return call(this.transport, 'get', '/api/v1/webhooks/{id}', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `DELETE /api/v1/webhooks/{id}`: its pending deliveries are dropped. */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'delete', '/api/v1/webhooks/{id}', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first. */
  deliveries(
    id: string,
    page: { readonly limit?: number; readonly offset?: number } = {},
    options: CallOptions = {},
  ): Promise<WebhookDeliveries> {
    return call(this.transport, 'get', '/api/v1/webhooks/{id}/deliveries', {
      path: { id },
      query: {
        ...(page.limit !== undefined ? { limit: page.limit } : {}),
        ...(page.offset !== undefined ? { offset: page.offset } : {}),
      },
      signal: options.signal,
    });
  }
}
