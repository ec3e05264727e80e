/**
 * A lab device's documents as its worker publishes them (docs/workers.md, "Publishing the
 * device's calibration"): IBM's `properties` (BackendProperties) and, optionally, its
 * `configuration` (QasmBackendConfiguration), in the JSON that IBM's service serves and
 * qiskit-ibm-runtime reads. Checked here against the backend they describe, so that what
 * GET /backends/{name}/properties serves is what the client can read: each problem is named.
 */

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const isDate = (x: unknown): boolean => typeof x === 'string' && !Number.isNaN(Date.parse(x));
const isIndex = (x: unknown, n: number): boolean =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < n;

/** A Nduv entry: `{name, date, unit, value}`, IBM's one measured figure. */
function nduvProblems(x: unknown, where: string): string[] {
  if (!isObj(x)) return [`${where} must be an object {name, date, unit, value}`];
  const out: string[] = [];
  if (typeof x.name !== 'string' || !x.name) out.push(`${where}.name must be a name such as "T1"`);
  if (typeof x.value !== 'number' || !Number.isFinite(x.value))
    out.push(`${where}.value must be a number`);
  if (typeof x.unit !== 'string') out.push(`${where}.unit must be a string ("us", "GHz", "")`);
  if (!isDate(x.date)) out.push(`${where}.date must be an ISO 8601 date`);
  return out;
}

/** What is wrong with a properties document for `backend` (empty: nothing). */
export function propertiesProblems(
  backend: { readonly name: string; readonly qubits: number },
  doc: unknown,
): string[] {
  if (!isObj(doc)) return ['properties must be a JSON object (a BackendProperties document)'];
  const out: string[] = [];
  if (doc.backend_name !== backend.name)
    out.push(
      `properties.backend_name must be "${backend.name}" (got ${JSON.stringify(doc.backend_name)})`,
    );
  if (typeof doc.backend_version !== 'string')
    out.push('properties.backend_version must be a string such as "1.0.0"');
  if (!isDate(doc.last_update_date))
    out.push(
      'properties.last_update_date must be an ISO 8601 date: when the device was calibrated',
    );
  if (!Array.isArray(doc.qubits) || doc.qubits.length !== backend.qubits)
    out.push(
      `properties.qubits must be a list of ${backend.qubits} lists (one per qubit of ${backend.name}), got ${Array.isArray(doc.qubits) ? doc.qubits.length : typeof doc.qubits}`,
    );
  else
    doc.qubits.forEach((q: unknown, i) => {
      if (!Array.isArray(q))
        out.push(`properties.qubits[${i}] must be a list of {name, date, unit, value}`);
      else
        q.forEach((x: unknown, k) => out.push(...nduvProblems(x, `properties.qubits[${i}][${k}]`)));
    });
  if (!Array.isArray(doc.gates)) out.push('properties.gates must be a list (it may be empty)');
  else
    doc.gates.forEach((g: unknown, i) => {
      const at = `properties.gates[${i}]`;
      if (!isObj(g)) return out.push(`${at} must be an object {gate, qubits, parameters}`);
      if (typeof g.gate !== 'string' || !g.gate)
        out.push(`${at}.gate must be a gate name such as "cx"`);
      if (
        !Array.isArray(g.qubits) ||
        !g.qubits.length ||
        !g.qubits.every((q) => isIndex(q, backend.qubits))
      )
        out.push(`${at}.qubits must list qubits of ${backend.name} (0 to ${backend.qubits - 1})`);
      if (!Array.isArray(g.parameters))
        out.push(`${at}.parameters must be a list of {name, date, unit, value}`);
      else
        g.parameters.forEach((x: unknown, k) =>
          out.push(...nduvProblems(x, `${at}.parameters[${k}]`)),
        );
      return undefined;
    });
  if (doc.general !== undefined && !Array.isArray(doc.general))
    out.push('properties.general must be a list when given');
  return out;
}

/** What is wrong with a configuration document for `backend` (empty: nothing). */
export function configurationProblems(
  backend: { readonly name: string; readonly qubits: number },
  doc: unknown,
): string[] {
  if (!isObj(doc))
    return ['configuration must be a JSON object (a backend configuration document)'];
  const out: string[] = [];
  if (doc.backend_name !== backend.name)
    out.push(
      `configuration.backend_name must be "${backend.name}" (got ${JSON.stringify(doc.backend_name)})`,
    );
  if (doc.n_qubits !== backend.qubits)
    out.push(`configuration.n_qubits must be ${backend.qubits}, the qubits of ${backend.name}`);
  if (!Array.isArray(doc.basis_gates) || !doc.basis_gates.every((g) => typeof g === 'string'))
    out.push('configuration.basis_gates must be a list of gate names');
  if (
    doc.coupling_map !== undefined &&
    doc.coupling_map !== null &&
    !(
      Array.isArray(doc.coupling_map) &&
      doc.coupling_map.every(
        (e) => Array.isArray(e) && e.length === 2 && e.every((q) => isIndex(q, backend.qubits)),
      )
    )
  )
    out.push(
      `configuration.coupling_map must be a list of [control, target] pairs of qubits 0 to ${backend.qubits - 1}`,
    );
  return out;
}
