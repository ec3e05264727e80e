/**
 * A page of one object (a session, a job) in a scope of several instances: it is read with the
 * client of the instance that holds it, found once per object (scope.ts `locate`), so its jobs,
 * countdowns and actions are that instance's, whichever instance the page was opened from.
 */
import type { BerthClient } from '@berth/client';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Problem } from './problem';
import { type Scope, locate } from './scope';

export function InHome(props: {
  scope: Scope;
  /**
   * Reads the object: 404 in an instance that does not hold it (an administrator's key reads
   * any, so the object's own `instance` names the client to use).
   */
  find: (client: BerthClient, signal: AbortSignal) => Promise<{ readonly instance: string }>;
  /** Identifies what is looked for (a change finds it again). */
  id: string;
  children: (client: BerthClient) => ComponentChildren;
}) {
  const { scope, id } = props;
  const single = scope.members.length === 1 ? scope.primary : null;
  const [found, setFound] = useState<{ id: string; client: BerthClient } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (single) return;
    const abort = new AbortController();
    setError(null);
    locate(scope, (c) => props.find(c, abort.signal)).then(
      (r) => {
        if (abort.signal.aborted) return;
        const home = scope.members.find((m) => m.id === r.value.instance);
        setFound({ id, client: home?.client ?? r.client });
      },
      (e: unknown) => !abort.signal.aborted && setError(e),
    );
    return () => abort.abort();
  }, [scope, id]);
  const client = single ?? (found?.id === id ? found.client : null);
  if (client) return <>{props.children(client)}</>;
  if (error) return <Problem error={error} />;
  return <p>Loading…</p>;
}
