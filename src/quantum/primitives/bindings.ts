/**
 * Parameter values of a pub → one value set per element of the pub's shape, ordered as the
 * circuit's parameters (Qiskit's `BindingsArray.as_array(circuit.parameters)`: the last axis
 * holds the values of the parameters sorted by name).
 */
import { type NdArray, isNumber, product, toNdArray, unwrap } from './arrays.js';
import { QuantumInputError } from '../errors.js';

/** The parameter values of a pub, one set per element of its shape. */
export interface Bindings {
  /** The pub's parameter shape. */
  readonly shape: readonly number[];
  /** One map per element, C order. */
  readonly sets: readonly ReadonlyMap<string, number>[];
}

/**
 * Read a pub's parameter values for a circuit whose parameters are `parameters`. Throws
 * QuantumInputError, naming `where`.
 */
export function parseBindings(
  raw: unknown,
  parameters: readonly string[],
  where: string,
  /** The names the user knows the parameters by (a QPY circuit's Qiskit names), in order. */
  labels: readonly string[] = parameters,
): Bindings {
  const value = unwrap(raw);
  const p = parameters.length;
  if (value === undefined || value === null) {
    if (p > 0)
      throw new QuantumInputError(
        `${where}: the circuit has parameters (${labels.join(', ')}) but no values were given`,
      );
    return { shape: [], sets: [new Map()] };
  }
  if (typeof value === 'object' && !Array.isArray(value))
    return fromObject(value as Record<string, unknown>, parameters, labels, where);
  const arr: NdArray<number> = toNdArray(value, isNumber, `${where}: parameter values`);
  if (p === 0) {
    if (product(arr.shape) !== 0)
      throw new QuantumInputError(
        `${where}: parameter values given for a circuit without parameters`,
      );
    return {
      shape: arr.shape.slice(0, -1),
      sets: Array.from({ length: product(arr.shape.slice(0, -1)) }, () => new Map()),
    };
  }
  const last = arr.shape[arr.shape.length - 1];
  if (last !== p) {
    throw new QuantumInputError(
      `${where}: expected ${p} value(s) per set for (${labels.join(', ')}), got ${last ?? 'a scalar'}`,
    );
  }
  const shape = arr.shape.slice(0, -1);
  const sets = Array.from(
    { length: product(shape) },
    (_, k) => new Map(parameters.map((name, j) => [name, arr.data[k * p + j] ?? 0])),
  );
  return { shape, sets };
}

/** `{name: values}` with every value array of one shape. */
function fromObject(
  obj: Record<string, unknown>,
  parameters: readonly string[],
  labels: readonly string[],
  where: string,
): Bindings {
  const columns = new Map<string, NdArray<number>>();
  for (const [key, v] of Object.entries(obj)) {
    const at = labels.indexOf(key);
    const name = parameters[at];
    if (at < 0 || name === undefined)
      throw new QuantumInputError(
        `${where}: the circuit has no parameter ${key} (its parameters: ${labels.join(', ')})`,
      );
    columns.set(name, toNdArray(unwrap(v), isNumber, `${where}: values of ${key}`));
  }
  const missing = labels.filter((_, j) => !columns.has(parameters[j] ?? ''));
  if (missing.length) throw new QuantumInputError(`${where}: no values for ${missing.join(', ')}`);
  const shapes = [...columns.values()].map((c) => c.shape.join(','));
  if (new Set(shapes).size > 1)
    throw new QuantumInputError(`${where}: parameter value arrays have different shapes`);
  const shape = [...columns.values()][0]?.shape ?? [];
  const sets = Array.from(
    { length: product(shape) },
    (_, k) => new Map(parameters.map((q) => [q, columns.get(q)?.data[k] ?? 0])),
  );
  return { shape, sets };
}
