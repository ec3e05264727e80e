/**
 * Routing by `Host` for a public base such as `https://lab.example`: the Python client derives
 * every IBM Cloud service's host from its `url` (accounts/utils.py, api/utils.py;
 * ../shared/spec/ibm-cloud-account.md §1), and Berth answers each one on its own path prefix:
 *
 *   iam.<host>                        → /cloud/iam                (POST /identity/token)
 *   api.global-search-tagging.<host>  → /cloud/global-search      (POST /v3/resources/search)
 *   globalcatalog.<host>              → /cloud/global-catalog     (GET /api/v1/{plan id})
 *   resource-controller.<host>        → /cloud/resource-controller (GET /v2/resource_instances)
 *   <host>, quantum.<host>, <region>.quantum.<host>, private.<region>.quantum.<host>
 *                                     → as it is (/api/v1, the dashboard, …)
 *
 * Any other Host (the plain address, 127.0.0.1:8000) is served as it is, so the prefixes work
 * there too (GLOBAL_SEARCH_URL=http://127.0.0.1:8000/cloud/global-search).
 */
import type { IncomingMessage } from 'node:http';

/** The account services' path prefixes, by the first labels of their host names. */
const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  iam: '/cloud/iam',
  'private.iam': '/cloud/iam',
  'api.global-search-tagging': '/cloud/global-search',
  globalcatalog: '/cloud/global-catalog',
  'resource-controller': '/cloud/resource-controller',
};

/** A rewriteUrl for Fastify: the URL a request to `publicUrl`'s names is served under. */
export function hostRouter(publicUrl: string): (req: IncomingMessage) => string {
  const base = new URL(publicUrl).hostname.toLowerCase();
  const suffix = `.${base}`;
  return (req) => {
    const url = req.url ?? '/';
    const raw = req.headers.host;
    if (!raw) return url;
    // Host may carry a port (a proxy that forwards it, or a test); names are case-insensitive.
    const host = raw.replace(/:\d+$/, '').toLowerCase();
    if (!host.endsWith(suffix)) return url;
    const prefix = SERVICE_PREFIXES[host.slice(0, -suffix.length)];
    return prefix ? `${prefix}${url}` : url;
  };
}
