/**
 * qiskit-ibm-runtime's set-up against Berth, request by request as the client makes it (test/
 * helpers/ibm-cloud-client.ts, from ../shared/spec/ibm-cloud-account.md), Host headers included:
 * BERTH_PUBLIC_URL=https://lab.example answers on iam., api.global-search-tagging.,
 * globalcatalog., resource-controller., quantum. and <region>.quantum. of it.
 */
import { describe, expect, it } from 'vitest';
import { OTHER_CRN, TEST_CONFIG } from '../helpers/fixtures.js';
import {
  ClientError,
  constructService,
  decodeJwt,
  injectWire,
} from '../helpers/ibm-cloud-client.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const LAB = 'https://lab.example';
const CLASS_CRN = 'crn:v1:bluemix:public:quantum-computing:eu-de:a/berth:class-101::';
const FILE = {
  instances: [
    { id: DEFAULT_CRN, name: 'default' },
    {
      id: CLASS_CRN,
      name: 'class-101',
      planId: 'berth-premium',
      planName: 'Premium',
      pricingType: 'subscription',
      tags: ['class', 'Teaching'],
    },
    { id: OTHER_CRN, name: 'other', planId: 'berth-flex', planName: 'Flex', pricingType: 'paygo' },
  ],
  backends: TEST_CONFIG.backends,
};

async function lab(extraEnv: Record<string, string> = {}) {
  const t = await testRuntime({ file: FILE, env: { BERTH_PUBLIC_URL: LAB, ...extraEnv } });
  return { ...t, wire: injectWire(t.rt.app) };
}

describe("qiskit-ibm-runtime's set-up on a lab's host names", () => {
  it('instance by CRN: IAM, Global Search and Global Catalog, then the runtime at quantum.<host>', async () => {
    const { wire } = await lab();
    const s = await constructService(wire, {
      url: 'https://Lab.Example:8443/some/path', // port, path and case are dropped
      token: ADMIN_KEY,
      instance: DEFAULT_CRN,
      env: { IAM_URL: 'https://iam.lab.example' },
    });
    // Exactly the constructor's requests: no runtime call yet.
    expect(s.requests).toEqual([
      'POST https://iam.lab.example/identity/token',
      'POST https://api.global-search-tagging.lab.example/v3/resources/search?limit=100',
      'GET https://globalcatalog.lab.example/api/v1/berth-open',
      'GET https://globalcatalog.lab.example/api/v1/berth-premium',
      'GET https://globalcatalog.lab.example/api/v1/berth-flex',
    ]);
    // Every instance the key may use, with a real plan and pricing type and lower-case tags.
    expect(s.instances).toEqual([
      { crn: DEFAULT_CRN, name: 'default', plan: 'open', pricing_type: 'free', tags: [] },
      {
        crn: CLASS_CRN,
        name: 'class-101',
        plan: 'premium',
        pricing_type: 'subscription',
        tags: ['class', 'teaching'],
      },
      { crn: OTHER_CRN, name: 'other', plan: 'flex', pricing_type: 'paygo', tags: [] },
    ]);
    expect(s.runtimeUrl).toBe('https://quantum.lab.example/api/v1');
    expect(await s.backends()).toEqual(['solo', 'wide']);
    expect(s.requests.slice(5)).toEqual([
      'POST https://iam.lab.example/identity/token',
      'GET https://quantum.lab.example/api/v1/backends',
    ]);
  });

  it('instance by name: resolved through Global Search; an eu-de CRN goes to eu-de.quantum.<host>', async () => {
    const { wire } = await lab();
    const s = await constructService(wire, {
      url: LAB,
      token: ADMIN_KEY,
      instance: 'class-101',
      env: { IAM_URL: 'https://iam.lab.example' },
    });
    expect(s.activeCrn).toBe(CLASS_CRN);
    expect(s.requests).toHaveLength(5); // the listing is made once and reused
    expect(s.runtimeUrl).toBe('https://eu-de.quantum.lab.example/api/v1');
    expect(await s.backends()).toEqual(['solo', 'wide']);
    await expect(
      constructService(wire, {
        url: LAB,
        token: ADMIN_KEY,
        instance: 'nope',
        env: { IAM_URL: 'https://iam.lab.example' },
      }),
    ).rejects.toThrow('The instance specified (nope) is not a valid instance name.');
  });

  it('no instance: every instance is tried, then the tag, region and plan preferences choose as on IBM', async () => {
    const { wire } = await lab();
    const env = { IAM_URL: 'https://iam.lab.example' };
    const auto = await constructService(wire, { url: LAB, token: ADMIN_KEY, env });
    // Per instance: a token exchange and GET /backends on that instance's regional host.
    expect(auto.requests.filter((r) => r.includes('/backends'))).toEqual([
      'GET https://quantum.lab.example/api/v1/backends',
      'GET https://eu-de.quantum.lab.example/api/v1/backends',
      'GET https://quantum.lab.example/api/v1/backends',
    ]);
    // Ordered free, paygo, subscription; the client makes the last one active.
    expect(auto.activeCrn).toBe(CLASS_CRN);
    const pick = async (o: object) =>
      (await constructService(wire, { url: LAB, token: ADMIN_KEY, instance: 'auto', env, ...o }))
        .activeCrn;
    expect(await pick({ plansPreference: ['Open'] })).toBe(DEFAULT_CRN);
    expect(await pick({ plansPreference: ['premium', 'flex'] })).toBe(OTHER_CRN);
    expect(await pick({ tags: ['Teaching'] })).toBe(CLASS_CRN);
    expect(await pick({ region: 'us-east' })).toBe(OTHER_CRN);
    await expect(pick({ tags: ['nothing'] })).rejects.toThrow('No matching instances found');
  });

  it("lists only the instances a key may use; another instance's CRN is refused by the client", async () => {
    const { api, wire } = await lab();
    const student = (
      await api('POST', '/admin/keys', { name: 'student', instances: ['class-101'] })
    ).body.key as string;
    const env = { IAM_URL: 'https://iam.lab.example' };
    const s = await constructService(wire, {
      url: LAB,
      token: student,
      instance: 'class-101',
      env,
    });
    expect(s.instances.map((i) => i.name)).toEqual(['class-101']);
    await expect(
      constructService(wire, { url: LAB, token: student, instance: DEFAULT_CRN, env }),
    ).rejects.toThrow(`does not have access to the instance ${DEFAULT_CRN}`);
    // A wrong key: R1 fails, which the client reports as "Unable to retrieve instances".
    const wrong = await constructService(wire, {
      url: LAB,
      token: 'berth_not-a-key',
      instance: DEFAULT_CRN,
      env,
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ClientError);
    expect((wrong as ClientError).kind).toBe('InvalidAccountError');
  });

  it('without IAM_URL the runtime token exchange goes to IBM (what the docs warn about)', async () => {
    const { wire } = await lab();
    const s = await constructService(wire, { url: LAB, token: ADMIN_KEY, instance: DEFAULT_CRN });
    // The listing uses iam.<host>: derived from url …
    expect(s.requests[0]).toBe('POST https://iam.lab.example/identity/token');
    // … but CloudAuth (api/auth.py) does not: the key would be sent to IBM's IAM.
    expect(s.cloudIamUrl).toBe('https://iam.cloud.ibm.com');
  });

  it('on a laptop, without DNS: IAM_URL, GLOBAL_SEARCH_URL, GLOBAL_CATALOG_URL and a url_resolver on the plain address', async () => {
    const { wire } = await testRuntime({ file: FILE }).then((t) => ({
      wire: injectWire(t.rt.app),
    }));
    const base = 'http://127.0.0.1:8000';
    const s = await constructService(wire, {
      url: base,
      token: ADMIN_KEY,
      instance: 'class-101',
      env: {
        IAM_URL: base,
        GLOBAL_SEARCH_URL: `${base}/cloud/global-search`,
        GLOBAL_CATALOG_URL: `${base}/cloud/global-catalog/api/v1`,
      },
      urlResolver: (url) => `${url}/api/v1`,
    });
    expect(s.activeCrn).toBe(CLASS_CRN);
    expect(s.requests[0]).toBe('POST http://127.0.0.1:8000/identity/token');
    expect(await s.backends()).toEqual(['solo', 'wide']);
  });
});

describe('the account services, field by field', () => {
  it('issues a JWT with integer iat and exp that expires after an hour; a new one is issued from the key', async () => {
    const { rt, clock } = await lab();
    const token = async () =>
      (
        await rt.app.inject({
          method: 'POST',
          url: '/identity/token',
          headers: {
            host: 'iam.lab.example',
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          payload: `grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${ADMIN_KEY}&response_type=cloud_iam`,
        })
      ).json() as { access_token: string; expires_in: number; expiration: number };
    const first = await token();
    const claims = decodeJwt(first.access_token);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(first.expiration).toBe(claims.exp);
    const backends = (bearer: string) =>
      rt.app.inject({
        method: 'GET',
        url: '/api/v1/backends',
        headers: {
          host: 'quantum.lab.example',
          authorization: `Bearer ${bearer}`,
          'service-crn': DEFAULT_CRN,
        },
      });
    expect((await backends(first.access_token)).statusCode).toBe(200);
    // sdk-core refreshes at exp − 0.2·(exp − iat); past exp the old token is refused.
    clock.advanceSeconds(3601);
    expect((await backends(first.access_token)).statusCode).toBe(401);
    const second = await token();
    expect(decodeJwt(second.access_token).iat).toBeGreaterThan(claims.iat);
    expect((await backends(second.access_token)).statusCode).toBe(200);
  });

  it('routes each host name to its own service and nothing else; the plain address keeps working', async () => {
    const { rt } = await lab();
    const get = (host: string | undefined, url: string) =>
      rt.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(host ? { host } : {}) },
      });
    for (const host of [
      'lab.example',
      'quantum.lab.example',
      'eu-de.quantum.lab.example',
      'QUANTUM.LAB.EXAMPLE:443',
      '127.0.0.1:8000',
      undefined,
    ])
      expect((await get(host, '/api/v1/backends')).statusCode, String(host)).toBe(200);
    for (const host of [
      'iam.lab.example',
      'api.global-search-tagging.lab.example',
      'globalcatalog.lab.example',
    ])
      expect((await get(host, '/api/v1/backends')).statusCode, host).toBe(404);
    expect((await get('globalcatalog.lab.example', '/api/v1/berth-open')).statusCode).toBe(200);
    expect((await get(undefined, '/cloud/global-catalog/api/v1/berth-open')).statusCode).toBe(200);
    const missing = await get('globalcatalog.lab.example', '/api/v1/berth-nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].code).toBe('plan_not_found');
  });

  it('Global Search pages by search_cursor, needs a credential, and refuses a query it cannot read', async () => {
    const { rt } = await lab();
    const search = (body: unknown, query = '?limit=1', authorization = `Bearer ${ADMIN_KEY}`) =>
      rt.app.inject({
        method: 'POST',
        url: `/v3/resources/search${query}`,
        headers: {
          host: 'api.global-search-tagging.lab.example',
          authorization,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(body),
      });
    const names: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await search({
        query: 'service_name:quantum-computing',
        fields: ['name'],
        ...(cursor ? { search_cursor: cursor } : {}),
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.limit).toBe(1);
      names.push(...body.items.map((i: { name: string; crn: string }) => i.name));
      expect(Object.keys(body.items[0]).sort()).toEqual(['crn', 'name']);
      cursor = body.search_cursor;
      if (!cursor) break;
    }
    expect(names).toEqual(['default', 'class-101', 'other']);
    const byQuery = async (query: string) =>
      (await search({ query, fields: ['name'] }, '?limit=100'))
        .json()
        .items.map((i: { name: string }) => i.name);
    expect(await byQuery('service_name:quantum-computing AND region:eu-de')).toEqual(['class-101']);
    expect(await byQuery('name:"oth*"')).toEqual(['other']);
    expect(await byQuery('service_name:cloud-object-storage')).toEqual([]);
    const bad = await search({ query: 'name:a OR name:b' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].message).toMatch(/field:value terms joined by AND/);
    expect(
      (await search({ query: 'service_name:quantum-computing' }, '', 'Bearer nope')).statusCode,
    ).toBe(401);
  });

  it('Resource Controller finds an instance by name', async () => {
    const { rt } = await lab();
    const res = await rt.app.inject({
      method: 'GET',
      url: '/v2/resource_instances?name=class-101',
      headers: { host: 'resource-controller.lab.example', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.json()).toMatchObject({
      rows_count: 1,
      resources: [
        {
          crn: CLASS_CRN,
          name: 'class-101',
          region_id: 'eu-de',
          resource_plan_id: 'berth-premium',
        },
      ],
    });
  });

  it('refuses a public URL the client could not reach', async () => {
    for (const bad of [
      'https://lab.example:8443',
      'https://lab.example/berth',
      'https://10.0.0.1',
      'ftp://lab.example',
    ])
      await expect(lab({ BERTH_PUBLIC_URL: bad }), bad).rejects.toThrow(/BERTH_PUBLIC_URL/);
  });
});
