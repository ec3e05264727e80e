import { describe, expect, it } from 'vitest';
import { type Delivery, type Webhook, afterAttempt, wants } from './webhook.js';

const at = (ms: number): Date => new Date(Date.UTC(2026, 0, 1) + ms);
const hook: Webhook = {
  id: 'w',
  instanceId: 'i',
  url: 'http://x',
  secret: 's',
  eventTypes: ['job.state_changed'],
  description: null,
  createdAt: at(0),
  afterSeq: 10,
};
const pending: Delivery = {
  id: 1,
  webhookId: 'w',
  eventSeq: 11,
  eventType: 'job.state_changed',
  payload: '{}',
  status: 'pending',
  attempts: 0,
  nextAttemptAt: at(0),
  lastAttemptAt: null,
  lastStatusCode: null,
  lastError: null,
  createdAt: at(0),
  deliveredAt: null,
};
const policy = { baseMs: 1000, capMs: 5000, maxAttempts: 4 };

describe('webhooks', () => {
  it('want only their instance, their types, and events after they were created', () => {
    expect(wants(hook, { seq: 11, type: 'job.state_changed', instanceId: 'i' })).toBe(true);
    expect(wants(hook, { seq: 10, type: 'job.state_changed', instanceId: 'i' })).toBe(false);
    expect(wants(hook, { seq: 11, type: 'job.log', instanceId: 'i' })).toBe(false);
    expect(wants(hook, { seq: 11, type: 'job.state_changed', instanceId: 'j' })).toBe(false);
  });

  it('retry with doubling, capped delays and give up after the last attempt', () => {
    const fail = { ok: false as const, statusCode: 500, error: 'HTTP 500' };
    let d = pending;
    const delays: number[] = [];
    for (let k = 0; k < 3; k++) {
      d = afterAttempt(d, fail, at(0), policy, () => 0);
      delays.push((d.nextAttemptAt?.getTime() ?? 0) - at(0).getTime());
      expect(d.status).toBe('pending');
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    d = afterAttempt(d, fail, at(0), policy, () => 0);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 4,
      nextAttemptAt: null,
      lastError: 'HTTP 500',
    });
    const capped = afterAttempt(
      { ...pending, attempts: 2 },
      fail,
      at(0),
      { ...policy, maxAttempts: 9 },
      () => 1,
    );
    expect((capped.nextAttemptAt?.getTime() ?? 0) - at(0).getTime()).toBe(4800);
  });

  it('are delivered by a 2xx answer', () => {
    const d = afterAttempt(pending, { ok: true, statusCode: 204 }, at(5), policy, () => 0);
    expect(d).toMatchObject({
      status: 'delivered',
      attempts: 1,
      deliveredAt: at(5),
      lastStatusCode: 204,
    });
  });
});
