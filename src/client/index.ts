/**
 * @berth/client: a typed client for Berth, the self-hostable Qiskit Runtime REST API.
 * Web-standard APIs only (fetch, AbortController, ReadableStream, TextDecoder, URL): Node.js ≥ 20
 * and browsers.
 */
export { BerthClient, BackendsApi, AdminApi, normalizeBaseUrl } from './client.js';
export type { BerthClientOptions, CreateKeyInput } from './client.js';
export { BerthError, isBerthError } from './errors.js';
export type { BerthErrorEntry, BerthErrorInit } from './errors.js';
export { Job, JobsApi, isFinalStatus } from './jobs.js';
export type { JobOptions, ProgramId, SubmitJobInput, WaitOptions } from './jobs.js';
export { Session, SessionsApi } from './sessions.js';
export type { CreateSessionInput, RunOptions } from './sessions.js';
export type { CallOptions } from './api.js';
export type { EventStreamOptions } from './events.js';
export type { FetchLike } from './http.js';
export { SseParser } from './sse.js';
export type { SseMessage } from './sse.js';
export { countsOf, isPrimitiveResult } from './results.js';
export { WebhooksApi } from './webhooks.js';
export type {
  CreateWebhookInput,
  CreatedWebhook,
  Webhook,
  WebhookDeliveries,
  WebhookDelivery,
} from './webhooks.js';
export type { Encoded, PrimitiveResult, PubResultValue, RegisterCounts } from './results.js';
export { VERSION } from './version.js';
export type * from './types.js';
