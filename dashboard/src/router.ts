/**
 * Routes live in the URL's fragment (`#/jobs/…`), so that the server needs no fallback route and
 * a reload keeps the page. Credentials never go there.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly view: 'backends' }
  | { readonly view: 'backend'; readonly name: string }
  | { readonly view: 'sessions' }
  | { readonly view: 'session'; readonly id: string }
  | { readonly view: 'jobs' }
  | { readonly view: 'job'; readonly id: string }
  | { readonly view: 'usage' }
  | { readonly view: 'admin' };

export function parseRoute(hash: string): Route {
  const [, view, id] = hash.replace(/^#/, '').split('/');
  if (view === 'backends' && id) return { view: 'backend', name: decodeURIComponent(id) };
  if (view === 'sessions' && id) return { view: 'session', id: decodeURIComponent(id) };
  if (view === 'jobs' && id) return { view: 'job', id: decodeURIComponent(id) };
  if (view === 'sessions' || view === 'jobs' || view === 'usage' || view === 'admin')
    return { view };
  return { view: 'backends' };
}

export const href = {
  backends: '#/backends',
  backend: (name: string) => `#/backends/${encodeURIComponent(name)}`,
  sessions: '#/sessions',
  session: (id: string) => `#/sessions/${encodeURIComponent(id)}`,
  jobs: '#/jobs',
  job: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
  usage: '#/usage',
  admin: '#/admin',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    // A change between the first render and this listener would be missed otherwise.
    on();
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
