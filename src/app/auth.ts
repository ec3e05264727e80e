/**
 * Authentication and key management: API keys (hashed at rest), access tokens from
 * POST /identity/token, and the instance a call acts in (`Service-CRN`). Semantics:
 * ../shared/spec/runtime-api.md §2.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import {
  type ApiKeyRecord,
  type Instance,
  type Principal,
  isKeyUsable,
} from '../domain/tenancy.js';
import type { CallContext } from './context.js';
import type { Store } from './ports.js';

/** Lifetime of an access token, as IBM's IAM answers. */
export const TOKEN_TTL_SECONDS = 3600;

/**
 * Verified credentials are remembered this long, so that a busy client costs one hash and one
 * lookup every few seconds instead of per request. A revocation in this process clears the
 * cache at once; elsewhere it takes effect within this time.
 */
const CREDENTIAL_CACHE_MS = 5000;
/** Bound on remembered credentials (only valid ones are remembered). */
const CREDENTIAL_CACHE_SIZE = 10_000;

/** Crypto primitives (an adapter provides them). */
export interface KeyCrypto {
  generateApiKey(): string;
  hashApiKey(key: string): string;
  sameHash(a: string, b: string): boolean;
  newId(): string;
  signToken(claims: { sub: string; iat: number; exp: number }): string;
  verifyToken(token: string, nowSeconds: number): { sub: string; exp: number } | null;
  looksLikeToken(credential: string): boolean;
}

/** A key as shown to an administrator: never the key or its hash. */
export type KeyInfo = Omit<ApiKeyRecord, 'hash'>;

export type AuthService = ReturnType<typeof createAuthService>;

const earliest = (a: Date | null, expSeconds: number): Date =>
  a && a.getTime() < expSeconds * 1000 ? a : new Date(expSeconds * 1000);

export function createAuthService(deps: {
  store: Store;
  clock: Clock;
  crypto: KeyCrypto;
  instances: ReadonlyMap<string, Instance>;
  defaultInstanceId: string;
  /** The backends whose jobs run in remote workers (the only ones a worker key may name). */
  externalBackends: readonly string[];
}) {
  const { store, clock, crypto } = deps;
  // An administrator key acts in every instance, whatever its record lists: say so.
  const info = ({ hash: _hash, ...rest }: ApiKeyRecord): KeyInfo =>
    rest.admin ? { ...rest, instances: [...deps.instances.keys()] } : rest;

  /** An instance by CRN or by its short name (`class-101`). */
  const findInstance = (idOrName: string): Instance | undefined =>
    deps.instances.get(idOrName) ?? [...deps.instances.values()].find((i) => i.name === idOrName);
  const describe = (ids: readonly string[]): string =>
    ids
      .map((id) => {
        const i = deps.instances.get(id);
        return i && i.name !== id ? `${i.name} (${id})` : id;
      })
      .join(', ');

  const principalOf = (k: ApiKeyRecord): Principal => ({
    keyId: k.id,
    userId: k.userId,
    admin: k.admin,
    instances: k.admin ? [...deps.instances.keys()] : k.instances,
    defaultInstance: k.defaultInstance,
    workerBackends: k.workerBackends,
  });

  /** Credentials verified moments ago, with the contexts they were used in (by Service-CRN). */
  const verified = new Map<
    string,
    { key: ApiKeyRecord; until: number; contexts: Map<string, CallContext> }
  >();

  /** The cache entry of a credential verified moments ago, or null. */
  function cachedEntry(credential: string, now: Date) {
    const hit = verified.get(credential);
    return hit && hit.until > now.getTime() && isKeyUsable(hit.key, now) ? hit : null;
  }

  function cachedKey(credential: string, now: Date): ApiKeyRecord | null {
    return cachedEntry(credential, now)?.key ?? null;
  }

  async function keyFromCredential(credential: string): Promise<ApiKeyRecord | null> {
    const now = clock.now();
    const hit = cachedKey(credential, now);
    if (hit) return hit;
    const key = await lookUp(credential, now);
    if (key) {
      if (verified.size >= CREDENTIAL_CACHE_SIZE) verified.clear();
      verified.set(credential, {
        key,
        until: now.getTime() + CREDENTIAL_CACHE_MS,
        contexts: new Map(),
      });
    }
    return key;
  }

  function credentialOf(authorization: string | undefined): string {
    const m = /^(Bearer|apikey)\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[2]) throw new AppError('unauthorized', 'Missing or malformed Authorization header');
    return m[2];
  }

  /** Who acts with `key`, in the instance `serviceCrn` names (or the key's default). */
  function contextFor(key: ApiKeyRecord | null, serviceCrn: string | undefined): CallContext {
    if (!key) throw new AppError('unauthorized', 'Invalid, expired or revoked credentials');
    const principal = principalOf(key);
    const wanted = serviceCrn?.trim() || principal.defaultInstance;
    const instance = findInstance(wanted);
    if (!instance)
      throw new AppError(
        'instance_not_found',
        `No instance ${wanted} (Service-CRN); this key may use: ${describe(principal.instances)}`,
      );
    if (!principal.instances.includes(instance.id))
      throw new AppError(
        'forbidden_instance',
        `This key may not act in instance ${wanted}; it may use: ${describe(principal.instances)}`,
      );
    return { principal, instanceId: instance.id };
  }

  async function lookUp(credential: string, now: Date): Promise<ApiKeyRecord | null> {
    if (crypto.looksLikeToken(credential)) {
      const claims = crypto.verifyToken(credential, Math.floor(now.getTime() / 1000));
      const key = claims ? await store.getKey(claims.sub) : null;
      // A token is not remembered past its own expiry.
      return key && isKeyUsable(key, now) && claims
        ? { ...key, expiresAt: earliest(key.expiresAt, claims.exp) }
        : null;
    }
    const hash = crypto.hashApiKey(credential);
    const key = await store.findKeyByHash(hash);
    return key && crypto.sameHash(key.hash, hash) && isKeyUsable(key, now) ? key : null;
  }

  return {
    /** Configured instances. */
    instances: (): Instance[] => [...deps.instances.values()],

    /** `Authorization` (Bearer or apikey) and `Service-CRN` → who acts, where. */
    async authenticate(
      authorization: string | undefined,
      serviceCrn: string | undefined,
    ): Promise<CallContext> {
      return contextFor(await keyFromCredential(credentialOf(authorization)), serviceCrn);
    },

    /**
     * The same, synchronously, for a credential verified moments ago; null when it must be
     * looked up (then call `authenticate`). Most requests of a busy client take this path.
     */
    authenticateCached(
      authorization: string | undefined,
      serviceCrn: string | undefined,
    ): CallContext | null {
      const hit = cachedEntry(credentialOf(authorization), clock.now());
      if (!hit) return null;
      // The same key in the same instance, request after request: its context is kept too.
      const known = hit.contexts.get(serviceCrn ?? '');
      if (known) return known;
      const ctx = contextFor(hit.key, serviceCrn);
      if (hit.contexts.size < 16) hit.contexts.set(serviceCrn ?? '', ctx);
      return ctx;
    },

    /** POST /identity/token: an access token for a valid API key. */
    async issueToken(apikey: string): Promise<{ token: string; expiresAt: number }> {
      const key = await keyFromCredential(apikey);
      if (!key || crypto.looksLikeToken(apikey))
        throw new AppError('invalid_apikey', 'Provided API key could not be found');
      const iat = Math.floor(clock.now().getTime() / 1000);
      const exp = iat + TOKEN_TTL_SECONDS;
      return { token: crypto.signToken({ sub: key.id, iat, exp }), expiresAt: exp };
    },

    /** Create a key; the plain key is returned once and never stored. */
    async createKey(req: {
      name: string;
      userId?: string | undefined;
      admin?: boolean | undefined;
      instances?: readonly string[] | undefined;
      expiresInSeconds?: number | undefined;
      plainKey?: string | undefined;
      /** A worker key for these external backends (docs/workers.md). */
      workerBackends?: readonly string[] | undefined;
    }): Promise<{ key: string; info: KeyInfo }> {
      const workerBackends = req.workerBackends ? [...new Set(req.workerBackends)] : null;
      if (workerBackends) {
        if (req.admin)
          throw new AppError('invalid_request', 'A worker key cannot be an administrator key');
        for (const b of workerBackends)
          if (!deps.externalBackends.includes(b))
            throw new AppError(
              'invalid_request',
              `worker_backends: ${b} is not an external backend; the external backends are: ${deps.externalBackends.join(', ') || 'none (set "executor": "external" on a backend)'}`,
            );
      }
      const wanted = req.instances?.length ? req.instances : [deps.defaultInstanceId];
      const ids = wanted.map((wanted) => {
        const found = findInstance(wanted);
        if (!found)
          throw new AppError(
            'invalid_request',
            `No instance ${wanted}; the instances are: ${describe([...deps.instances.keys()])}`,
          );
        return found.id;
      });
      const instances = [...new Set(ids)];
      const now = clock.now();
      const key = req.plainKey ?? crypto.generateApiKey();
      const record: ApiKeyRecord = {
        id: crypto.newId(),
        name: req.name,
        userId: req.userId ?? req.name,
        hash: crypto.hashApiKey(key),
        admin: req.admin ?? false,
        instances,
        defaultInstance: instances[0] ?? deps.defaultInstanceId,
        workerBackends,
        createdAt: now,
        expiresAt: req.expiresInSeconds
          ? new Date(now.getTime() + req.expiresInSeconds * 1000)
          : null,
        revokedAt: null,
      };
      await store.createKey(record);
      return { key, info: info(record) };
    },

    async listKeys(): Promise<KeyInfo[]> {
      return (await store.listKeys()).map(info);
    },

    async revokeKey(id: string): Promise<void> {
      const key = await store.getKey(id);
      if (!key) throw new AppError('key_not_found', `API key ${id} not found`);
      await store.revokeKey(id, clock.now());
      verified.clear();
    },

    /**
     * Start-up: make sure the configured admin key exists; with none configured and no key at
     * all, generate one. Returns the generated key (to print once), or null.
     */
    async ensureAdminKey(configured: string | null): Promise<string | null> {
      if (configured) {
        const existing = await store.findKeyByHash(crypto.hashApiKey(configured));
        if (!existing)
          await this.createKey({
            name: 'admin',
            userId: 'admin',
            admin: true,
            plainKey: configured,
          });
        else if (!isKeyUsable(existing, clock.now())) {
          throw new Error('BERTH_API_KEY names a key that was revoked or has expired');
        }
        return null;
      }
      if ((await store.listKeys()).some((k) => k.admin && isKeyUsable(k, clock.now()))) return null;
      const created = await this.createKey({ name: 'admin', userId: 'admin', admin: true });
      return created.key;
    },
  };
}
