/**
 * The dashboard: sign-in first (nothing is read without a key), then the views over the public
 * API, kept current by one event stream.
 */
import { isBerthError } from '@berth/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type Credentials,
  type Identity,
  clientFor,
  identify,
  saveCredentials,
  savedCredentials,
} from './auth';
import { message } from './format';
import { LiveProvider, useLive } from './live';
import { ALL, type Scope, makeScope } from './scope';
import { href, useRoute } from './router';
import { AdminView } from './views/admin';
import { BackendsView } from './views/backends';
import { DeviceView } from './views/device';
import { JobView, JobsView } from './views/jobs';
import { SessionView, SessionsView } from './views/sessions';
import { SignIn } from './views/signin';
import { UsageView } from './views/usage';

export function App() {
  const [creds, setCreds] = useState<Credentials | null>(savedCredentials);
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const client = useMemo(() => (creds ? clientFor(creds) : null), [creds]);

  // A page opened with a key from this tab's earlier visit: check it (a sign-in or a switch of
  // instance already knows who it is).
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!client || identity) return;
    let live = true;
    identify(client).then(
      (who) => live && setIdentity(who),
      (e: unknown) => {
        if (!live) return;
        setError(message(e));
        if (isBerthError(e) && e.status === 401) {
          // A key that no longer works (revoked, expired) signs out.
          saveCredentials(null);
          setCreds(null);
        } else {
          // Anything else (the server busy or restarting) is tried again, still signed in.
          setTimeout(() => live && setAttempt((n) => n + 1), 2000);
        }
      },
    );
    return () => {
      live = false;
    };
  }, [client, identity, attempt]);

  const signIn = (c: Credentials, who: Identity) => {
    saveCredentials(c);
    setError(null);
    setIdentity(who);
    setCreds(c);
  };
  const signOut = () => {
    saveCredentials(null);
    setIdentity(null);
    setCreds(null);
  };

  if (!client || !creds || !identity)
    return <SignIn onSignIn={signIn} error={error} checking={!!client && !identity} />;
  return (
    <Signed
      creds={creds}
      identity={identity}
      onSwitch={(instance) => {
        const next = { ...creds, instance };
        saveCredentials(next);
        if (instance !== ALL) setIdentity({ ...identity, instance });
        setCreds(next);
      }}
      onSignOut={signOut}
    />
  );
}

/**
 * The signed-in page over its scope: the instance chosen, or every instance the key may use
 * (the default for a key with several: an administrator sees the whole lab at once).
 */
function Signed(props: {
  creds: Credentials;
  identity: Identity;
  onSwitch: (instance: string) => void;
  onSignOut: () => void;
}) {
  const { creds, identity } = props;
  const selected = creds.instance ?? (identity.instances.length > 1 ? ALL : identity.instance);
  const scope = useMemo(
    () =>
      makeScope(identity.instances, selected, (instance) =>
        clientFor({ key: creds.key, instance }),
      ),
    [creds.key, selected, identity.instances],
  );
  const clients = useMemo(() => scope.members.map((m) => m.client), [scope]);
  return (
    <LiveProvider clients={clients}>
      <Shell
        scope={scope}
        selected={selected}
        identity={identity}
        onSwitch={props.onSwitch}
        onSignOut={props.onSignOut}
      />
    </LiveProvider>
  );
}

/** The navigation: each view's link, and the route names it covers (a list and its pages). */
const VIEWS = [
  { view: 'backend', href: href.backends, label: 'Backends' },
  { view: 'session', href: href.sessions, label: 'Sessions' },
  { view: 'job', href: href.jobs, label: 'Jobs' },
  { view: 'usage', href: href.usage, label: 'Usage' },
  { view: 'admin', href: href.admin, label: 'Admin' },
] as const;

function Shell(props: {
  scope: Scope;
  selected: string;
  identity: Identity;
  onSwitch: (instance: string) => void;
  onSignOut: () => void;
}) {
  const route = useRoute();
  const { connected } = useLive();
  const { scope, identity } = props;
  const client = scope.primary;
  const current = (v: string) => (route.view.startsWith(v) ? 'page' : undefined);
  return (
    <>
      <header class="top">
        <a class="brand" href={href.backends}>
          Berth
        </a>
        <nav aria-label="Views">
          {VIEWS.filter((v) => identity.admin || v.view !== 'admin').map((v) => (
            <a key={v.view} href={v.href} aria-current={current(v.view)}>
              {v.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class={connected ? 'dot on' : 'dot'} title={connected ? 'Live' : 'Reconnecting'}>
            <span class="sr-only">{connected ? 'Live updates on' : 'Reconnecting'}</span>
          </span>
          {identity.instances.length > 1 ? (
            <label>
              Instance{' '}
              <select
                value={props.selected}
                onChange={(e) => props.onSwitch((e.target as HTMLSelectElement).value)}
              >
                <option value={ALL}>All instances</option>
                {identity.instances.map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span class="muted">Instance {identity.instance}</span>
          )}
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {route.view === 'backends' && <BackendsView scope={scope} identity={identity} />}
        {route.view === 'backend' && <DeviceView scope={scope} name={route.name} />}
        {route.view === 'sessions' && <SessionsView scope={scope} />}
        {route.view === 'session' && <SessionView scope={scope} id={route.id} />}
        {route.view === 'jobs' && <JobsView scope={scope} />}
        {route.view === 'job' && <JobView scope={scope} id={route.id} />}
        {route.view === 'usage' && <UsageView scope={scope} />}
        {route.view === 'admin' && identity.admin && (
          <AdminView client={client} identity={identity} />
        )}
      </main>
    </>
  );
}
