/**
 * Reference snapshots of IBM processors shipped in reference/ibm-backends (see the README
 * there for their source and licence). Read once at start-up.
 */
import { readFileSync } from 'node:fs';

/** The two documents of one reference processor. */
export interface ReferenceDocs {
  readonly configuration: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
}

// From src/config or dist/config, the repository root is two levels up.
const DIR = new URL('../../reference/ibm-backends/', import.meta.url);
const cache = new Map<string, ReferenceDocs>();

/** The configuration and properties of `name` (manila, lagos, guadalupe, kolkata, brisbane, fez). */
export function loadReference(name: string): ReferenceDocs {
  let docs = cache.get(name);
  if (!docs) {
    const read = (file: string): Record<string, unknown> =>
      JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Record<string, unknown>;
    docs = { configuration: read(`conf_${name}.json`), properties: read(`props_${name}.json`) };
    cache.set(name, docs);
  }
  return docs;
}
