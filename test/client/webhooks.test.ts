import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../src/client/index.js';
import { verifySignature } from '../../src/security/signature.js';
import { bellParams, berth, eventually } from './helpers.js';

describe('@berth/client webhooks', () => {
  it('creates, lists, reads the delivery log of, and deletes a webhook', async () => {
    const bodies: { body: string; signature: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ body, signature: String(req.headers['berth-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
      const c = (await berth()).client();
      const hook = await c.webhooks.create({ url, events: ['job.state_changed'] });
      expect(hook.secret).toMatch(/^whsec_/);
      expect((await c.webhooks.list()).map((w) => w.id)).toEqual([hook.id]);
      expect(await c.webhooks.get(hook.id)).not.toHaveProperty('secret');

      const job = await c.jobs.submit({
        programId: 'sampler',
        backend: 'berth_sim',
        params: bellParams(10),
      });
      await job.wait();
      const log = await eventually(async () => {
        const page = await c.webhooks.deliveries(hook.id);
        return page.deliveries.filter((d) => d.status === 'delivered').length === 3
          ? page
          : undefined;
      });
      expect(log.count).toBe(3);
      expect(bodies).toHaveLength(3);
      for (const b of bodies) expect(verifySignature(hook.secret, b.body, b.signature)).toBe(true);

      await c.webhooks.delete(hook.id);
      const gone = await c.webhooks.get(hook.id).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(BerthError);
      expect(gone).toMatchObject({ status: 404, code: 'webhook_not_found' });
      const bad = await c.webhooks.create({ url: 'ftp://x' }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ status: 400, code: 'invalid_request' });
    } finally {
      receiver.close();
    }
  });
});
