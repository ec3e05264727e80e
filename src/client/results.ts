/**
 * Results: `GET /api/v1/jobs/{id}/results` answers the JSON that qiskit-ibm-runtime's
 * RuntimeEncoder produces for a PrimitiveResult (docs/results-encoding.md). The route has no
 * response schema (the document is a Qiskit one), so its outline is written here.
 */

/** A `{__type__, __value__}` node of the Qiskit encoding. */
export interface Encoded<T extends string = string, V = unknown> {
  readonly __type__: T;
  readonly __value__: V;
}

/** Counts of one classical register: bitstring (highest bit first) → count. */
export type RegisterCounts = Record<string, number>;

export interface PubResultValue {
  readonly data: Encoded<'DataBin', Record<string, unknown>>;
  readonly metadata: {
    /** Sampler pubs (Berth's addition): register → counts; nested lists for shaped pubs. */
    readonly counts?: Record<string, unknown> | readonly unknown[];
    readonly shots?: number;
    /** Estimator pubs: expectation values and standard deviations, nested like the pub's shape. */
    readonly evs?: unknown;
    readonly stds?: unknown;
    readonly [key: string]: unknown;
  };
}

/** The result document of a job. */
export type PrimitiveResult = Encoded<
  'PrimitiveResult',
  {
    readonly pub_results: readonly Encoded<'SamplerPubResult' | 'PubResult', PubResultValue>[];
    readonly metadata: Record<string, unknown>;
  }
>;

function isObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Whether `doc` is a PrimitiveResult document the outline above describes. A Completed job's
 * result may be something else: a program's own JSON (the noise learner, the executor, a worker
 * program), or a document stored before Berth checked workers' results.
 */
export function isPrimitiveResult(doc: unknown): doc is PrimitiveResult {
  if (!isObject(doc) || doc.__type__ !== 'PrimitiveResult' || !isObject(doc.__value__))
    return false;
  const pubs = doc.__value__.pub_results;
  return (
    Array.isArray(pubs) &&
    pubs.every(
      (p) =>
        isObject(p) &&
        isObject(p.__value__) &&
        (p.__value__.metadata === undefined || isObject(p.__value__.metadata)),
    )
  );
}

/**
 * The counts of a sampler pub, per classical register (`{c: {'00': 51, '11': 49}}`), from the
 * pub's `metadata.counts`. Throws a TypeError for anything else (an estimator pub, a pub with a
 * shape, an index out of range).
 */
export function countsOf(result: unknown, pubIndex = 0): Record<string, RegisterCounts> {
  const value = isObject(result) ? result.__value__ : undefined;
  const pubs = isObject(value) ? value.pub_results : undefined;
  if (!Array.isArray(pubs)) throw new TypeError('not a PrimitiveResult document');
  const pub: unknown = pubs[pubIndex];
  if (pub === undefined)
    throw new TypeError(`no pub ${pubIndex}: the result has ${pubs.length} pub(s)`);
  const pv = isObject(pub) ? pub.__value__ : undefined;
  const metadata = isObject(pv) ? pv.metadata : undefined;
  const counts = isObject(metadata) ? metadata.counts : undefined;
  if (Array.isArray(counts))
    throw new TypeError(`pub ${pubIndex} has a shape: its counts are nested lists`);
  if (!isObject(counts)) throw new TypeError(`pub ${pubIndex} has no counts (not a sampler pub?)`);
  const out: Record<string, RegisterCounts> = {};
  for (const [register, perBits] of Object.entries(counts)) {
    if (!isObject(perBits))
      throw new TypeError(`pub ${pubIndex}: counts of ${register} are not an object`);
    const reg: RegisterCounts = {};
    for (const [bits, n] of Object.entries(perBits)) {
      if (typeof n !== 'number')
        throw new TypeError(`pub ${pubIndex}: count of ${register}/${bits} is not a number`);
      reg[bits] = n;
    }
    out[register] = reg;
  }
  return out;
}
