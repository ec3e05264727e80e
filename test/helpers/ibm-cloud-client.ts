/**
 * `QiskitRuntimeService(channel="ibm_quantum_platform", url=…, token=…, instance=…)` as the client
 * builds it, request by request (../shared/spec/ibm-cloud-account.md, read from
 * Qiskit/qiskit-ibm-runtime 73514f06, ibm-cloud-sdk-core 3.25, platform-services 0.76):
 * host names derived from `url` (port, path and case dropped), the IAM token (R1), Global Search
 * (R2, paged by search_cursor), Global Catalog per kept item (R3), the instance check or name
 * resolution, and for an automatic choice the runtime token exchange and `GET /backends` per
 * instance, then the tag / region / plan filter. Every field the client reads is read here the
 * way it reads it; what it would raise is thrown with the client's message.
 */

export interface Wire {
  (req: {
    method: 'GET' | 'POST';
    url: string;
    headers: Record<string, string>;
    body?: string;
  }): Promise<{ status: number; text: string }>;
}

export interface ServiceOptions {
  readonly url: string;
  readonly token: string;
  /** A CRN, a name, 'auto' or undefined. */
  readonly instance?: string;
  readonly env?: {
    readonly IAM_URL?: string;
    readonly GLOBAL_SEARCH_URL?: string;
    readonly GLOBAL_CATALOG_URL?: string;
  };
  /** `url_resolver(url, instance, private_endpoint, channel)`. */
  readonly urlResolver?: (url: string, instance: string) => string;
  readonly tags?: readonly string[];
  readonly region?: string;
  readonly plansPreference?: readonly string[];
}

export interface InstanceInfo {
  readonly crn: string;
  readonly plan: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly pricing_type: string;
}

/** What the constructor leaves behind, and every request it made. */
export interface ServiceState {
  readonly instances: readonly InstanceInfo[];
  /** The instance the runtime calls act in. */
  readonly activeCrn: string;
  /** `{runtime base}` the runtime calls go to, and the IAM base CloudAuth uses. */
  readonly runtimeUrl: string;
  readonly cloudIamUrl: string;
  readonly requests: readonly string[];
  /** The first runtime call (`service.backends()`): CloudAuth's token exchange, then the GET. */
  backends(): Promise<string[] | null>;
}

export class ClientError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const SDK_UA = 'ibm-python-sdk-core-3.25.0 os.name=Linux os.version=6.1 python.version=3.12.3';
const PLATFORM_UA =
  'platform-services-python-sdk/0.76.0 (lang=python; arch=x86_64; os=Linux; python.version=3.12.3)';

/** accounts/utils.py + api/utils.py: `{scheme}://{prefix}{hostname}`, hostname lower-cased. */
function derived(url: string, prefix: string): string {
  const u = new URL(url);
  return `${u.protocol}//${prefix}${u.hostname.toLowerCase()}`;
}

/** api/utils.py `default_runtime_url_resolver` (no private endpoint). */
export function defaultRuntimeUrl(url: string, instance: string): string {
  if (url.includes('experimental') || !instance.startsWith('crn:')) return url;
  const location = instance.split(':')[5] ?? '';
  return `${derived(url, location === 'us-east' ? 'quantum.' : `${location}.quantum.`)}/api/v1`;
}

/** Decode a JWT the way sdk-core does (no signature check): integer exp and iat required. */
export function decodeJwt(token: string): { exp: number; iat: number } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    exp?: unknown;
    iat?: unknown;
  };
  if (!Number.isInteger(payload.exp) || !Number.isInteger(payload.iat))
    throw new ClientError('ApiException', 'the access token has no integer exp and iat');
  return payload as { exp: number; iat: number };
}

export async function constructService(wire: Wire, o: ServiceOptions): Promise<ServiceState> {
  const requests: string[] = [];
  const call: Wire = async (req) => {
    requests.push(`${req.method} ${req.url}`);
    return wire(req);
  };
  const stripToken = (u: string) => u.replace(/\/identity\/token$/, '');
  const iamForListing = stripToken(o.env?.IAM_URL ?? derived(o.url, 'iam.'));
  const cloudIamUrl = stripToken(o.env?.IAM_URL ?? 'https://iam.cloud.ibm.com');
  const searchUrl = o.env?.GLOBAL_SEARCH_URL ?? derived(o.url, 'api.global-search-tagging.');
  const catalogUrl = o.env?.GLOBAL_CATALOG_URL ?? `${derived(o.url, 'globalcatalog.')}/api/v1`;

  // R1 (iam_token_manager.py): a form POST; any non-2xx is an ApiException.
  const iamToken = async (base: string): Promise<string> => {
    const res = await call({
      method: 'POST',
      url: `${base}/identity/token`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': SDK_UA,
      },
      body: new URLSearchParams({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: o.token,
        response_type: 'cloud_iam',
      }).toString(),
    });
    if (res.status < 200 || res.status > 299)
      throw new ClientError('ApiException', `IAM answered ${res.status}: ${res.text}`);
    const body = JSON.parse(res.text) as { access_token?: unknown };
    if (typeof body.access_token !== 'string')
      throw new ClientError('ApiException', 'no access_token in the IAM answer');
    decodeJwt(body.access_token);
    return body.access_token;
  };

  let listed: InstanceInfo[] | null = null;
  const listInstances = async (): Promise<InstanceInfo[]> => {
    if (listed) return listed;
    let bearer: string;
    try {
      bearer = await iamToken(iamForListing);
    } catch (e) {
      throw new ClientError('InvalidAccountError', `Unable to retrieve instances. ${String(e)}`);
    }
    const all: InstanceInfo[] = [];
    let cursor: string | null = null;
    for (;;) {
      const res = await call({
        method: 'POST',
        url: `${searchUrl}/v3/resources/search?limit=100`,
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': PLATFORM_UA,
        },
        body: JSON.stringify({
          query: 'service_name:quantum-computing',
          fields: ['crn', 'service_plan_unique_id', 'name', 'doc', 'tags'],
          ...(cursor ? { search_cursor: cursor } : {}),
        }),
      });
      if (res.status < 200 || res.status > 299)
        throw new ClientError(
          'InvalidAccountError',
          'Unable to retrieve instances. Please check that you are using a valid API token.',
        );
      const result = JSON.parse(res.text) as { items?: any[]; search_cursor?: string | null };
      for (const item of result.items ?? []) {
        if (!item.doc?.extensions) continue;
        let plan = 'unknown';
        let pricing = 'unknown';
        const entry = await call({
          method: 'GET',
          url: `${catalogUrl}/${item.service_plan_unique_id}`,
          headers: {
            authorization: `Bearer ${bearer}`,
            accept: 'application/json',
            'user-agent': PLATFORM_UA,
          },
        });
        if (entry.status >= 200 && entry.status <= 299) {
          const c = JSON.parse(entry.text) as any;
          plan = String(c.overview_ui?.en?.display_name ?? '');
          pricing = String(c.metadata?.pricing?.type ?? '');
        }
        all.push({
          crn: item.crn,
          plan: plan.toLowerCase(),
          name: item.name,
          tags: item.tags,
          pricing_type: pricing.toLowerCase(),
        });
      }
      cursor = result.search_cursor ?? null;
      if (!cursor) break;
    }
    listed = all;
    return all;
  };

  const runtimeUrl = (crn: string) =>
    o.urlResolver ? o.urlResolver(o.url, crn) : defaultRuntimeUrl(o.url, crn);

  // CloudAuth + RuntimeClient.list_backends for one instance.
  const runtimeToken = async () => iamToken(cloudIamUrl);
  const backendsOf = async (crn: string, token: string): Promise<string[] | null> => {
    const res = await call({
      method: 'GET',
      url: `${runtimeUrl(crn)}/backends`,
      headers: {
        'ibm-api-version': '2026-04-15',
        accept: 'application/json',
        'x-qx-client-application': 'qiskit-ibm-runtime/0.49.0',
        authorization: `Bearer ${token}`,
        'service-crn': crn,
      },
    });
    if (res.status !== 200) return null; // "Invalid instance": logged, no backends
    return (JSON.parse(res.text) as { devices: { name: string }[] }).devices.map((d) => d.name);
  };

  let instance = o.instance;
  if (instance && instance !== 'auto' && !instance.startsWith('crn:')) {
    const matching = (await listInstances()).filter((i) => i.name === instance);
    if (!matching[0])
      throw new ClientError(
        'IBMInputValueError',
        `The instance specified (${instance}) is not a valid instance name.`,
      );
    instance = matching[0].crn;
  }
  let activeCrn: string;
  if (instance && instance !== 'auto') {
    if (!(await listInstances()).some((i) => i.crn === instance))
      throw new ClientError(
        'IBMInputValueError',
        `The given API token is associated with an account that does not have access to the instance ${instance}.`,
      );
    activeCrn = instance;
  } else {
    let groups = [];
    for (const inst of await listInstances())
      groups.push({ ...inst, backends: await backendsOf(inst.crn, await runtimeToken()) });
    if (o.tags)
      groups = groups.filter((g) => o.tags?.every((t) => g.tags.includes(t.toLowerCase())));
    if (o.region) groups = groups.filter((g) => g.crn.includes(o.region ?? ''));
    if (o.plansPreference) {
      const plans = o.plansPreference.map((p) => p.toLowerCase());
      groups = groups.filter((g) => plans.includes(g.plan));
      groups.sort((a, b) => plans.indexOf(a.plan) - plans.indexOf(b.plan));
    } else {
      const order = ['free', 'trial', 'paygo', 'paid', 'subscription', 'unknown'];
      for (const g of groups)
        if (!order.includes(g.pricing_type))
          throw new ClientError('ValueError', `'${g.pricing_type}' is not in list`);
      groups.sort((a, b) => order.indexOf(a.pricing_type) - order.indexOf(b.pricing_type));
    }
    const last = groups.at(-1);
    if (!last) throw new ClientError('IBMInputValueError', 'No matching instances found');
    activeCrn = last.crn;
  }
  return {
    instances: listed ?? [],
    activeCrn,
    runtimeUrl: runtimeUrl(activeCrn),
    cloudIamUrl,
    requests,
    backends: async () => backendsOf(activeCrn, await runtimeToken()),
  };
}

/** A Wire over Fastify's inject: the URL's host becomes the Host header. */
export function injectWire(app: {
  inject: (o: any) => Promise<{ statusCode: number; body: string }>;
}): Wire {
  return async (req) => {
    const u = new URL(req.url);
    const res = await app.inject({
      method: req.method,
      url: `${u.pathname}${u.search}`,
      headers: { ...req.headers, host: u.host },
      ...(req.body !== undefined ? { payload: req.body } : {}),
    });
    return { status: res.statusCode, text: res.body };
  };
}
