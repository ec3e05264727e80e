/** How much circuit text a program's params carry: what makes checking it slow. */

/**
 * The total length of the circuits in `params.pubs`, without parsing them: OpenQASM strings,
 * and the base64 of QPY circuits (`{"__type__": "QuantumCircuit", "__value__": "..."}`), which
 * are decoded, inflated and lowered before they are checked, so cost at least as much per char.
 */
export function circuitChars(params: unknown): number {
  const p = params as { pubs?: unknown; circuits?: unknown; quantum_program?: unknown } | null;
  // The executor's one QPY file (or OpenQASM texts), and the noise learner's circuits.
  const program = p?.quantum_program as { circuits?: unknown } | undefined;
  if (program && typeof program === 'object') return textOf(program.circuits);
  if (Array.isArray(p?.circuits)) return p.circuits.reduce<number>((n, c) => n + textOf(c), 0);
  const pubs = p?.pubs;
  if (!Array.isArray(pubs)) return 0;
  let total = 0;
  for (const pub of pubs) {
    const circuit: unknown = Array.isArray(pub) ? pub[0] : pub;
    if (typeof circuit === 'string') total += circuit.length;
    else if (circuit !== null && typeof circuit === 'object') {
      const value = (circuit as { __value__?: unknown }).__value__;
      if (typeof value === 'string') total += value.length;
    }
  }
  return total;
}

/** The text a circuit container carries: a string, or the strings among its values. */
function textOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + textOf(v), 0);
  if (value !== null && typeof value === 'object')
    return Object.values(value).reduce<number>((n, v) => n + textOf(v), 0);
  return 0;
}

/**
 * Programs with up to this much circuit text are checked on the main thread (well under a
 * millisecond); larger ones in the checker thread, so that a 10 MB circuit never stalls the API.
 */
export const INLINE_CHECK_CHARS = 64 * 1024;
