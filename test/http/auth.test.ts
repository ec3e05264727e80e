import { describe, expect, it } from 'vitest';
import { OTHER_CRN, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

async function withUsers() {
  const t = await testRuntime({ file: TEST_CONFIG });
  const alice = (await t.api('POST', '/admin/keys', { name: 'alice' })).body;
  const bob = (await t.api('POST', '/admin/keys', { name: 'bob', instances: [OTHER_CRN] })).body;
  const as =
    (key: string) =>
    (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
      t.api(method, url, body, { authorization: `Bearer ${key}`, ...headers });
  return { ...t, alice: as(alice.key), bob: as(bob.key), aliceKey: alice, bobKey: bob };
}

describe('authentication and tenancy', () => {
  it('requires credentials, accepting Bearer and apikey forms', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    expect((await api('GET', '/api/v1/sessions', undefined, { authorization: '' })).status).toBe(
      401,
    );
    const wrong = await api('GET', '/api/v1/sessions', undefined, {
      authorization: 'Bearer not-a-key',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].code).toBe('unauthorized');
    expect(
      (await api('GET', '/api/v1/sessions', undefined, { authorization: `apikey ${ADMIN_KEY}` }))
        .status,
    ).toBe(200);
    expect((await api('GET', '/api/v1/versions', undefined, { authorization: '' })).status).toBe(
      200,
    );
  });

  it('stores keys only as hashes and shows a key once', async () => {
    const { api, rt } = await testRuntime({ file: TEST_CONFIG });
    const created = await api('POST', '/admin/keys', { name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^berth_[A-Za-z0-9_-]{43}$/);
    const listed = (await api('GET', '/admin/keys')).body.keys;
    expect(JSON.stringify(listed)).not.toContain(created.body.key);
    const stored = await rt.store.listKeys();
    expect(JSON.stringify(stored)).not.toContain(created.body.key);
    expect(stored.find((k) => k.name === 'ci')?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exchanges an API key for an IAM-style access token that works as a Bearer', async () => {
    const { rt, api } = await testRuntime({ file: TEST_CONFIG });
    const res = await rt.app.inject({
      method: 'POST',
      url: '/identity/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      payload: `grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${ADMIN_KEY}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      refresh_token: 'not_supported',
      token_type: 'Bearer',
      expires_in: 3600,
    });
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.exp)).toBe(true);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(body.expiration).toBe(claims.exp);
    expect(
      (
        await api('GET', '/api/v1/sessions', undefined, {
          authorization: `Bearer ${body.access_token}`,
        })
      ).status,
    ).toBe(200);
    const tampered = body.access_token.slice(0, -2) + 'xx';
    expect(
      (await api('GET', '/api/v1/sessions', undefined, { authorization: `Bearer ${tampered}` }))
        .status,
    ).toBe(401);
    const bad = await rt.app.inject({
      method: 'POST',
      url: '/identity/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=wrong',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].code).toBe('invalid_apikey');
  });

  it('selects the instance with Service-CRN, by CRN or by name: 404 for none, 403 for one the key may not use', async () => {
    const { alice, bob, api } = await withUsers();
    expect((await alice('GET', '/api/v1/instances/usage')).body.instance_id).toBe(DEFAULT_CRN);
    expect((await bob('GET', '/api/v1/instances/usage')).body.instance_id).toBe(OTHER_CRN);
    // The short name selects the instance as its CRN does.
    const byName = await api('GET', '/api/v1/instances/usage', undefined, {
      'service-crn': 'other',
    });
    expect(byName.body.instance_id).toBe(OTHER_CRN);

    const forbidden = await alice('GET', '/api/v1/sessions', undefined, {
      'service-crn': OTHER_CRN,
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errors[0]).toMatchObject({
      code: 'forbidden_instance',
      message: `This key may not act in instance ${OTHER_CRN}; it may use: default (${DEFAULT_CRN})`,
    });
    expect(
      (await alice('GET', '/api/v1/sessions', undefined, { 'service-crn': 'other' })).status,
    ).toBe(403);
    const unknown = await alice('GET', '/api/v1/sessions', undefined, {
      'service-crn': 'crn:v1:nope',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({
      code: 'instance_not_found',
      message: `No instance crn:v1:nope (Service-CRN); this key may use: default (${DEFAULT_CRN})`,
      more_info: '/errors/instance_not_found',
    });
  });

  it('lists the instances a key may act in, marking the current one and its default', async () => {
    const { api, bob } = await withUsers();
    const both = (
      await api('POST', '/admin/keys', { name: 'carol', instances: ['other', 'default'] })
    ).body;
    const carol = (headers: Record<string, string> = {}) =>
      api('GET', '/api/v1/instances', undefined, {
        authorization: `Bearer ${both.key}`,
        ...headers,
      });
    expect((await carol()).body.instances).toEqual([
      { id: OTHER_CRN, name: 'other', current: true, default: true },
      { id: DEFAULT_CRN, name: 'default', current: false, default: false },
    ]);
    expect(
      (await carol({ 'service-crn': 'default' })).body.instances.map((i: any) => i.current),
    ).toEqual([false, true]);
    expect((await bob('GET', '/api/v1/instances')).body.instances).toEqual([
      { id: OTHER_CRN, name: 'other', current: true, default: true },
    ]);
    // An administrator key acts in every instance.
    expect((await api('GET', '/api/v1/instances')).body.instances.map((i: any) => i.id)).toEqual([
      DEFAULT_CRN,
      OTHER_CRN,
    ]);
    expect(
      (await api('GET', '/api/v1/instances', undefined, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
  });

  it('creates keys for instances named by CRN or short name, and lists an admin key as acting everywhere', async () => {
    const { api } = await withUsers();
    const both = await api('POST', '/admin/keys', {
      name: 'carol',
      instances: ['other', DEFAULT_CRN],
    });
    expect(both.status).toBe(201);
    expect(both.body).toMatchObject({
      instances: [OTHER_CRN, DEFAULT_CRN],
      default_instance: OTHER_CRN,
    });
    const bad = await api('POST', '/admin/keys', { name: 'dave', instances: ['class-101'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toBe(
      `No instance class-101; the instances are: default (${DEFAULT_CRN}), other (${OTHER_CRN})`,
    );
    const keys = (await api('GET', '/admin/keys')).body.keys as {
      name: string;
      admin: boolean;
      instances: string[];
    }[];
    expect(keys.find((k) => k.name === 'admin')).toMatchObject({
      admin: true,
      instances: [DEFAULT_CRN, OTHER_CRN],
    });
    expect(keys.find((k) => k.name === 'dave')).toBeUndefined();
  });

  it("answers 404 for another instance's sessions and jobs, as if they did not exist", async () => {
    const { alice, bob } = await withUsers();
    const s = (await alice('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
    const j = (await alice('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    for (const [method, url] of [
      ['GET', `/api/v1/sessions/${s}`],
      ['PATCH', `/api/v1/sessions/${s}`],
      ['DELETE', `/api/v1/sessions/${s}/close`],
      ['GET', `/api/v1/jobs/${j}`],
      ['POST', `/api/v1/jobs/${j}/cancel`],
      ['DELETE', `/api/v1/jobs/${j}`],
      ['GET', `/api/v1/jobs/${j}/results`],
      ['GET', `/api/v1/jobs/${j}/logs`],
      ['GET', `/api/v1/jobs/${j}/metrics`],
    ] as const) {
      const res = await bob(
        method,
        url,
        method === 'PATCH' ? { accepting_jobs: false } : undefined,
      );
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    expect((await bob('GET', '/api/v1/sessions')).body.count).toBe(0);
    expect((await bob('GET', '/api/v1/jobs')).body.count).toBe(0);
    const intoOthers = await bob('POST', '/api/v1/jobs', samplerJob({ session_id: s }));
    expect(intoOthers.status).toBe(400);
    expect(intoOthers.body.errors[0].code).toBe('invalid_session');
    expect((await alice('GET', `/api/v1/sessions/${s}`)).body.accepting_jobs).toBe(true);
  });

  it('keeps /admin for administrator keys and revokes keys', async () => {
    const { alice, api, aliceKey } = await withUsers();
    expect((await alice('GET', '/admin/keys')).status).toBe(403);
    expect((await api('DELETE', `/admin/keys/${aliceKey.id}`)).status).toBe(204);
    expect((await alice('GET', '/api/v1/sessions')).status).toBe(401);
    expect((await api('DELETE', '/admin/keys/nope')).status).toBe(404);
  });
});
