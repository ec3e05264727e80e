/**
 * Ids are minted by adapters (they need randomness); the domain only validates their shape, so
 * that a malformed id in a URL answers 404 without touching the store.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` looks like one of our UUIDs (sessions and jobs). */
export function isUuid(id: string): boolean {
  return UUID_RE.test(id);
}
