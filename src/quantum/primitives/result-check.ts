/**
 * A remote worker's result, checked before it is stored (docs/workers.md, "What a result must
 * hold"): a sampler or estimator job's result is read by qiskit-ibm-runtime's RuntimeDecoder,
 * by QRMI (the pure-JSON form) and by Berth's own CLI and dashboard, so it must be what they
 * read. A result that is not throws a QuantumInputError naming the problem; the job then ends
 * Failed with it, and nothing unreadable is ever stored as a completed result.
 *
 * What passes is stored as it came, with Berth's additions for readers without NumPy where the
 * worker left them out, as Berth's own results carry them (docs/results-encoding.md): a sampler
 * pub's `metadata.counts`, an estimator pub's `metadata.evs` and `metadata.stds`.
 * Other programs' results are any JSON.
 */
import { QuantumInputError } from '../errors.js';
import { inflateNdarray, nest, parseNpy, readNpy } from '../encoding/npy.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);

function fail(where: string, problem: string): never {
  throw new QuantumInputError(`${where}: ${problem}`);
}

/** The `__value__` of an encoded `{__type__, __value__}` node of one of `types`. */
function encoded(node: unknown, types: readonly string[], where: string): Obj {
  if (!isObj(node) || typeof node.__type__ !== 'string')
    fail(where, `expected an encoded ${types.join(' or ')} ({"__type__": …, "__value__": …})`);
  if (!types.includes(node.__type__))
    fail(where, `is a ${node.__type__}, expected ${types.join(' or ')}`);
  if (!isObj(node.__value__)) fail(where, `${node.__type__}.__value__ must be an object`);
  return node.__value__;
}

/** The base64 text of an encoded ndarray (zlib-compressed .npy bytes, RuntimeEncoder). */
function ndarrayText(node: unknown, where: string): string {
  if (!isObj(node) || node.__type__ !== 'ndarray' || typeof node.__value__ !== 'string')
    fail(
      where,
      'expected an encoded ndarray: {"__type__": "ndarray", "__value__": base64 of zlib .npy}',
    );
  return node.__value__;
}

/** The store's form of a checked result, or a QuantumInputError. */
export function checkResult(programId: string, params: unknown, result: unknown): unknown {
  if (programId !== 'sampler' && programId !== 'estimator') return result;
  const p = isObj(params) ? params : {};
  const pubs = Array.isArray(p.pubs) ? p.pubs.length : null;
  if (p.support_qiskit === false) return checkPureJson(programId, pubs, result);
  const top = encoded(result, ['PrimitiveResult'], 'the result');
  const list = top.pub_results;
  if (!Array.isArray(list))
    fail('the result', 'PrimitiveResult.__value__.pub_results must be a list');
  if (pubs !== null && list.length !== pubs)
    fail('the result', `it has ${list.length} pub result(s), the job has ${pubs} pub(s)`);
  const pubResults = list.map((pub: unknown, i) =>
    programId === 'sampler' ? samplerPub(pub, `pub ${i}`) : estimatorPub(pub, `pub ${i}`),
  );
  return {
    ...(result as Obj),
    __value__: { ...top, pub_results: pubResults, metadata: top.metadata ?? {} },
  };
}

function pubParts(pub: unknown, types: readonly string[], where: string) {
  const value = encoded(pub, types, where);
  const bin = encoded(value.data, ['DataBin'], `${where}: data`);
  const fields = isObj(bin.fields) ? bin.fields : null;
  if (!fields || Object.keys(fields).length === 0)
    fail(`${where}: data`, 'the DataBin has no fields (DataBin.__value__.fields)');
  const metadata = value.metadata === undefined ? {} : value.metadata;
  if (!isObj(metadata)) fail(where, 'metadata must be an object');
  return { value, fields, metadata };
}

/** A sampler pub: one BitArray per classical register, all of the same shots. */
function samplerPub(pub: unknown, where: string): unknown {
  const { value, fields, metadata } = pubParts(pub, ['SamplerPubResult'], where);
  const counts: Obj = {};
  let shots: number | null = null;
  let pointShape: number[] | null = null;
  for (const [name, field] of Object.entries(fields)) {
    const at = `${where}: register ${name}`;
    const bits = encoded(field, ['BitArray'], at);
    const numBits = bits.num_bits;
    if (typeof numBits !== 'number' || !Number.isInteger(numBits) || numBits < 1)
      fail(at, 'num_bits must be a positive integer');
    const { descr, shape, body } = parseNpy(
      inflateNdarray(ndarrayText(bits.array, `${at}: array`)),
    );
    const bytes = Math.ceil(numBits / 8);
    if (descr !== '|u1') fail(at, `its array is ${descr}, a BitArray is uint8 (|u1)`);
    if (shape.length < 2 || shape[shape.length - 1] !== bytes)
      fail(
        at,
        `its array has shape (${shape.join(', ')}), expected (…, shots, ${bytes}) for ${numBits} bits`,
      );
    if (body.length < shape.reduce((a, b) => a * b, 1)) fail(at, 'its array is cut short');
    const s = shape[shape.length - 2] ?? 0;
    if (shots !== null && s !== shots) fail(at, `it has ${s} shots, another register ${shots}`);
    shots = s;
    pointShape = shape.slice(0, -2);
    counts[name] = countsOf(body, shape, numBits);
  }
  if (isObj(metadata.counts) || Array.isArray(metadata.counts)) return pub;
  const withCounts = {
    ...metadata,
    shots: metadata.shots ?? shots,
    counts: perPoint(counts, pointShape ?? []),
  };
  return { ...(pub as Obj), __value__: { ...value, metadata: withCounts } };
}

/** Counts per register of each point of the pub's shape (nested like it), from the bytes. */
function countsOf(body: Buffer, shape: readonly number[], numBits: number): Obj[] {
  const bytes = shape[shape.length - 1] ?? 1;
  const shots = shape[shape.length - 2] ?? 0;
  const points = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const out: Obj[] = [];
  for (let pt = 0; pt < points; pt++) {
    const c: Record<string, number> = {};
    for (let s = 0; s < shots; s++) {
      const off = (pt * shots + s) * bytes;
      // Big-endian bytes: the last one holds bits 0–7 (Qiskit's BitArray).
      let text = '';
      for (let b = 0; b < bytes; b++) text += (body[off + b] ?? 0).toString(2).padStart(8, '0');
      const key = text.slice(text.length - numBits);
      c[key] = (c[key] ?? 0) + 1;
    }
    out.push(c);
  }
  return out;
}

/** `{c: [point counts…]}` → one `{c: counts}` per point, nested like the pub's shape. */
function perPoint(counts: Obj, shape: readonly number[]): unknown {
  const points = shape.reduce((a, b) => a * b, 1);
  const each = Array.from({ length: points }, (_, k) =>
    Object.fromEntries(Object.entries(counts).map(([r, list]) => [r, (list as Obj[])[k]])),
  );
  return shape.length === 0 ? each[0] : nest(each, shape);
}

/** An estimator pub: `evs` and `stds` of one shape. */
function estimatorPub(pub: unknown, where: string): unknown {
  const { value, fields, metadata } = pubParts(pub, ['PubResult'], where);
  const read = (name: string): { values: unknown; shape: number[] } => {
    const f = fields[name];
    const at = `${where}: ${name}`;
    if (typeof f === 'number') return { values: f, shape: [] };
    const { data, shape } = readNpy(inflateNdarray(ndarrayText(f, at)));
    if (data.some((x) => typeof x !== 'number' || Number.isNaN(x))) fail(at, 'must hold numbers');
    return { values: nest(data, shape), shape };
  };
  if (!('evs' in fields) || !('stds' in fields))
    fail(`${where}: data`, 'an estimator pub needs the fields evs and stds');
  const evs = read('evs');
  const stds = read('stds');
  if (evs.shape.join() !== stds.shape.join())
    fail(where, `evs has shape (${evs.shape.join(', ')}), stds (${stds.shape.join(', ')})`);
  if (metadata.evs !== undefined) return pub;
  const withValues = { ...metadata, evs: evs.values, stds: stds.values };
  return { ...(pub as Obj), __value__: { ...value, metadata: withValues } };
}

/** IBM's pure-JSON results (`support_qiskit: false`), as its JSON schemas give them. */
function checkPureJson(programId: string, pubs: number | null, result: unknown): unknown {
  if (!isObj(result) || !Array.isArray(result.results))
    fail(
      'the result',
      'the job asked for pure JSON (support_qiskit: false): expected {"results": […]}',
    );
  if (pubs !== null && result.results.length !== pubs)
    fail('the result', `it has ${result.results.length} result(s), the job has ${pubs} pub(s)`);
  result.results.forEach((r: unknown, i) => {
    const where = `result ${i}`;
    const data = isObj(r) ? r.data : undefined;
    if (!isObj(data)) fail(where, 'needs a data object');
    if (programId === 'estimator') {
      for (const name of ['evs', 'stds'])
        if (!isNumbers(data[name]))
          fail(where, `data.${name} must be a number or nested lists of numbers`);
      return;
    }
    const registers = Object.entries(data);
    if (registers.length === 0) fail(where, 'data has no registers');
    for (const [name, reg] of registers) {
      const at = `${where}: register ${name}`;
      if (!isObj(reg)) fail(at, 'must be {"samples": […], "num_bits": n}');
      if (typeof reg.num_bits !== 'number' || !Number.isInteger(reg.num_bits) || reg.num_bits < 1)
        fail(at, 'num_bits must be a positive integer');
      if (!isHexes(reg.samples)) fail(at, 'samples must be lists of hexadecimal strings ("0x3")');
    }
  });
  return result;
}

function isNumbers(x: unknown): boolean {
  return typeof x === 'number' ? Number.isFinite(x) : Array.isArray(x) && x.every(isNumbers);
}

function isHexes(x: unknown): boolean {
  return (
    Array.isArray(x) &&
    x.every((s) => (typeof s === 'string' ? /^0x[0-9a-f]+$/i.test(s) : isHexes(s)))
  );
}
