/**
 * `IBM-API-Version`: the dated API versions Berth answers to. IBM's clients pin one (the Python
 * client 0.49+ sends 2026-04-15, api/rest/base.py; QRMI's generated client documents
 * 2025-01-01). A later date selects the newest version, as IBM's dated versions do; every
 * version answers the same shapes here (GET /backends is always `{"devices": [...]}`). A value
 * that is not a date is a 400 that lists the versions.
 */
import { AppError } from '../domain/errors.js';

export const API_VERSIONS = ['2025-01-01', '2025-05-01', '2026-04-15'] as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Dates seen valid: a client sends the same one on every request. */
const valid = new Set<string>();

/** Throws `invalid_api_version` unless the header is absent or a calendar date. */
export function checkApiVersion(header: string | undefined): void {
  if (header === undefined || valid.has(header)) return;
  const m = DATE.exec(header.trim());
  const ok =
    m !== null &&
    (() => {
      const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(header.trim());
    })();
  if (ok) {
    if (valid.size < 1000) valid.add(header);
    return;
  }
  throw new AppError(
    'invalid_api_version',
    `IBM-API-Version must be a date (YYYY-MM-DD) such as one of ${API_VERSIONS.join(', ')}; got ${JSON.stringify(header.slice(0, 40))}`,
  );
}
