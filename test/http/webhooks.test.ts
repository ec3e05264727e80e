import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/security/signature.js';
import { OTHER_CRN, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/spawn-server.js';
import { testRuntime } from '../helpers/test-runtime.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: any;
}

/** A receiver that answers `plan[i]` to the i-th request (then 200). */
async function receiver(plan: number[] = []): Promise<{
  url: string;
  got: Received[];
  waitFor: (n: (got: Received[]) => boolean, ms?: number) => Promise<void>;
  server: Server;
}> {
  const got: Received[] = [];
  let i = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = plan[i++] ?? 200;
      if (status === 200) got.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const waitFor = async (cond: (got: Received[]) => boolean, ms = 5000): Promise<void> => {
    const end = performance.now() + ms;
    while (!cond(got)) {
      if (performance.now() > end) throw new Error(`timed out with ${got.length} deliveries`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { url, got, waitFor, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const fast = { BERTH_WEBHOOK_RETRY_BASE_MS: '30', BERTH_WEBHOOK_MAX_ATTEMPTS: '4' };

describe('webhooks', () => {
  it('delivers signed events of the chosen types, retrying failures with backoff', async () => {
    const hook = await receiver([500, 503]);
    const t = await testRuntime({ file: TEST_CONFIG, realTime: true, executor: 'auto', env: fast });
    const created = await t.api('POST', '/api/v1/webhooks', {
      url: hook.url,
      events: ['job.state_changed'],
      description: 'ci',
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);
    expect((await t.api('GET', `/api/v1/webhooks/${id}`)).body).toMatchObject({
      url: hook.url,
      events: ['job.state_changed'],
      description: 'ci',
    });
    expect((await t.api('GET', `/api/v1/webhooks/${id}`)).body.secret).toBeUndefined();

    const job = (await t.api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    // Deliveries run concurrently and retries reorder them: receivers order by event id.
    await hook.waitFor((got) => got.length === 3);
    const inOrder = [...hook.got].sort((a, b) => Number(a.json.id) - Number(b.json.id));
    expect(inOrder.map((g) => g.json.data.state.status)).toEqual([
      'Queued',
      'Running',
      'Completed',
    ]);
    for (const g of hook.got) {
      expect(g.json).toMatchObject({ type: 'job.state_changed', data: { id: job } });
      expect(g.headers['berth-event-type']).toBe('job.state_changed');
      expect(g.headers['berth-event-id']).toBe(g.json.id);
      expect(verifySignature(secret, g.body, String(g.headers['berth-signature']))).toBe(true);
      expect(verifySignature('whsec_wrong', g.body, String(g.headers['berth-signature']))).toBe(
        false,
      );
    }
    // Two attempts failed (500, then 503) before every event went through. The receiver counts
    // a delivery when it reads it, a moment before Berth records the answer: wait for that.
    let log: any;
    const until = performance.now() + 5000;
    do {
      log = (await t.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body;
      if (log.deliveries.every((d: { status: string }) => d.status === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 20));
    } while (performance.now() < until);
    expect(log.count).toBe(3);
    expect(log.deliveries.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    const attempts = log.deliveries.map((d: { attempts: number }) => d.attempts);
    expect(attempts.reduce((a: number, b: number) => a + b, 0)).toBe(5);
    expect(log.deliveries.some((d: { attempts: number }) => d.attempts > 1)).toBe(true);
  });

  it('gives up after the last attempt and keeps the error in the delivery log', async () => {
    const hook = await receiver([500, 500, 500, 500, 500]);
    const t = await testRuntime({ file: TEST_CONFIG, realTime: true, env: fast });
    const { id } = (
      await t.api('POST', '/api/v1/webhooks', { url: hook.url, events: ['session.state_changed'] })
    ).body;
    await t.api('POST', '/api/v1/sessions', { backend: 'solo' });
    const deadline = performance.now() + 5000;
    let d: any;
    do {
      await new Promise((r) => setTimeout(r, 30));
      d = (await t.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.deliveries[0];
    } while (d?.status !== 'failed' && performance.now() < deadline);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 4,
      last_status_code: 500,
      last_error: 'HTTP 500',
      next_attempt_at: null,
    });
  });

  it('validates input, and keeps webhooks per instance', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const bad = async (body: unknown): Promise<string> => {
      const res = await t.api('POST', '/api/v1/webhooks', body);
      expect(res.status).toBe(400);
      return res.body.errors[0].message;
    };
    expect(await bad({ url: 'not a url' })).toMatch(/not a valid URL/);
    expect(await bad({ url: 'ftp://example.com/x' })).toMatch(/http or https/);
    expect(await bad({ url: 'http://example.com', events: ['job.exploded'] })).toMatch(
      /job\.exploded/,
    );
    expect(await bad({ url: 'http://example.com', secret: 'short' })).toMatch(/secret/);
    const { id } = (await t.api('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/x' })).body;
    const bob = (await t.api('POST', '/admin/keys', { name: 'bob', instances: [OTHER_CRN] })).body;
    const asBob = { authorization: `Bearer ${bob.key}` };
    expect((await t.api('GET', `/api/v1/webhooks/${id}`, undefined, asBob)).status).toBe(404);
    expect((await t.api('DELETE', `/api/v1/webhooks/${id}`, undefined, asBob)).status).toBe(404);
    expect((await t.api('GET', '/api/v1/webhooks', undefined, asBob)).body.webhooks).toEqual([]);
    expect((await t.api('GET', '/api/v1/webhooks')).body.webhooks).toHaveLength(1);
    expect((await t.api('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('delivers after a restart what was committed but not yet delivered', async () => {
    const dir = tempDir();
    const env = { ...fast, BERTH_DB: join(dir, 'berth.db') };
    const hook = await receiver();
    const one = await testRuntime({ file: TEST_CONFIG, realTime: true, env });
    const { secret } = (
      await one.api('POST', '/api/v1/webhooks', { url: hook.url, events: ['job.state_changed'] })
    ).body;
    // Delivery stops (as if the process died); the change is still committed and answered.
    await one.rt.services.webhooks.stop();
    const job = (await one.api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await new Promise((r) => setTimeout(r, 100));
    expect(hook.got).toEqual([]);
    await one.rt.stop();

    const two = await testRuntime({ file: TEST_CONFIG, realTime: true, env });
    await hook.waitFor((got) => got.length > 0);
    expect(hook.got[0]?.json).toMatchObject({ data: { id: job, status: 'Queued' } });
    expect(
      verifySignature(
        secret,
        hook.got[0]?.body ?? '',
        String(hook.got[0]?.headers['berth-signature']),
      ),
    ).toBe(true);
    await two.rt.stop();
  });

  it('refuses internal targets at registration, naming the address and the setting that allows them', async () => {
    const t = await testRuntime({ file: TEST_CONFIG, env: { BERTH_WEBHOOK_ALLOW: '' } });
    const refused = async (url: string): Promise<string> => {
      const res = await t.api('POST', '/api/v1/webhooks', { url });
      expect(res.status, url).toBe(400);
      return res.body.errors[0].message;
    };
    expect(await refused('http://127.0.0.1:9/hook')).toMatch(
      /127\.0\.0\.1 is a loopback address\. Webhooks reach public addresses only; .*BERTH_WEBHOOK_ALLOW/,
    );
    expect(await refused('http://localhost:9/hook')).toMatch(/is a loopback address/);
    expect(await refused('http://[::1]:9/')).toMatch(/::1 is a loopback address/);
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toMatch(/link-local/);
    expect(await refused('http://10.0.0.7/')).toMatch(/10\.0\.0\.7 is a private address/);
    expect(await refused('http://[::ffff:192.168.0.1]/')).toMatch(/private address/);
    expect(await refused('http://0.0.0.0:8000/')).toMatch(/unspecified address/);
    expect((await t.api('GET', '/api/v1/webhooks')).body.webhooks).toEqual([]);
  });

  it('checks again at delivery, on the address it would connect to: a webhook stored while allowed is refused after the allow-list changes, and nothing is contacted', async () => {
    const dir = tempDir();
    const db = { ...fast, BERTH_WEBHOOK_MAX_ATTEMPTS: '2', BERTH_DB: join(dir, 'berth.db') };
    let connections = 0;
    const hook = await receiver();
    hook.server.on('connection', () => connections++);
    const one = await testRuntime({ file: TEST_CONFIG, realTime: true, env: db });
    const { id } = (
      await one.api('POST', '/api/v1/webhooks', { url: hook.url, events: ['job.state_changed'] })
    ).body;
    await one.rt.stop();
    // The same database, with loopback no longer allowed.
    const two = await testRuntime({
      file: TEST_CONFIG,
      realTime: true,
      env: { ...db, BERTH_WEBHOOK_ALLOW: '' },
    });
    await two.api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }));
    const end = performance.now() + 5000;
    let log: any[] = [];
    while (performance.now() < end) {
      log = (await two.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.deliveries;
      if (log.some((d) => d.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(log.find((d) => d.status === 'failed')?.last_error).toMatch(
      /^refused: 127\.0\.0\.1 is a loopback address/,
    );
    expect(hook.got).toEqual([]);
    expect(connections).toBe(0);
    await two.rt.stop();
  });
});
