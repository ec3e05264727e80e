/**
 * Sign-in: the API key lives in this tab's sessionStorage only (never localStorage, never a URL),
 * so closing the tab signs out. The instance chosen goes with it.
 */
import { BerthClient } from '@berth/client';

const KEY = 'berth.key';
const INSTANCE = 'berth.instance';

export interface Credentials {
  readonly key: string;
  /** The instance (CRN) to act in, or "all" (scope.ts); null: not chosen yet. */
  readonly instance: string | null;
}

export function savedCredentials(): Credentials | null {
  const key = sessionStorage.getItem(KEY);
  return key ? { key, instance: sessionStorage.getItem(INSTANCE) } : null;
}

export function saveCredentials(c: Credentials | null): void {
  if (!c) {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(INSTANCE);
    return;
  }
  sessionStorage.setItem(KEY, c.key);
  if (c.instance) sessionStorage.setItem(INSTANCE, c.instance);
  else sessionStorage.removeItem(INSTANCE);
}

/**
 * A client of the server that served this page, acting with `c` (in its instance; for "all"
 * instances (scope.ts) or none chosen, in the key's default one).
 */
export function clientFor(c: Credentials): BerthClient {
  const instance = c.instance && c.instance !== 'all' ? c.instance : undefined;
  return new BerthClient({ url: location.origin, token: c.key, instance, retries: 3 });
}

/** Who is signed in: the instance acted in, the ones the key may use, and whether it administers. */
export interface Identity {
  readonly instance: string;
  readonly admin: boolean;
  readonly instances: readonly { readonly id: string; readonly name: string }[];
}

/** Checks credentials against the server: a key it refuses is an error, and nothing is kept. */
export async function identify(client: BerthClient): Promise<Identity> {
  const instances = await client.instances();
  const current = instances.find((i) => i.current) ?? instances[0];
  if (!current) throw new Error('This key may act in no instance');
  // Only an administrator key may read /admin.
  const admin = await client.admin.instances.list().then(
    () => true,
    () => false,
  );
  return { instance: current.id, admin, instances };
}
