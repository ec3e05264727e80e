/**
 * Where each qubit of a device goes on the page, in grid units (one coupler = one unit), drawn
 * the way IBM draws its processors:
 *
 * 1. A lattice IBM numbers by rows (Eagle, Heron, Hummingbird, and a plain line): each run of
 *    consecutive indices joined by couplers is a row, and the qubits left over are the bridges
 *    between two rows, placed between them under the qubits they join.
 * 2. The Falcon and smaller processors, whose numbering follows no rows: the coordinates
 *    Qiskit's `plot_gate_map` draws them with.
 * 3. Anything else (a lab's own chip, a synthesized all-to-all backend): a force-directed layout
 *    (d3-force), which makes no claim about the chip's geometry.
 *
 * A layout of kind 1 or 2 is used only if every coupler is one unit long and no two qubits share
 * a point, so a chip that merely has the same size as a known one falls through to the next.
 */
import { forceCenter, forceLink, forceManyBody, forceSimulation } from 'd3-force';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface DeviceLayout {
  readonly points: readonly Point[];
  readonly kind: 'rows' | 'known' | 'force';
  readonly width: number;
  readonly height: number;
}

export type Edge = readonly [number, number];

/** The undirected couplers of a coupling map, each once (smaller qubit first), sorted. */
export function undirectedEdges(couplingMap: readonly (readonly number[])[]): Edge[] {
  const seen = new Set<string>();
  const out: Edge[] = [];
  for (const pair of couplingMap) {
    const [a, b] = pair;
    if (a === undefined || b === undefined || a === b) continue;
    const e: Edge = a < b ? [a, b] : [b, a];
    const k = `${e[0]}-${e[1]}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
}

/**
 * The 27-qubit Falcon's coordinates in Qiskit's `plot_gate_map` ([row, column]); the 16-qubit
 * Falcon's are its first sixteen (Qiskit lists them twice, identically).
 */
const FALCON_27: readonly (readonly [number, number])[] = [
  [1, 0],
  [1, 1],
  [2, 1],
  [3, 1],
  [1, 2],
  [3, 2],
  [0, 3],
  [1, 3],
  [3, 3],
  [4, 3],
  [1, 4],
  [3, 4],
  [1, 5],
  [2, 5],
  [3, 5],
  [1, 6],
  [3, 6],
  [0, 7],
  [1, 7],
  [3, 7],
  [4, 7],
  [1, 8],
  [3, 8],
  [1, 9],
  [2, 9],
  [3, 9],
  [3, 10],
];

/** Qiskit's `plot_gate_map` coordinates ([row, column]) for the processors it knows by size. */
const KNOWN: Readonly<Record<number, readonly (readonly [number, number])[]>> = {
  5: [
    [1, 0],
    [0, 1],
    [1, 1],
    [1, 2],
    [2, 1],
  ],
  7: [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 1],
    [2, 0],
    [2, 1],
    [2, 2],
  ],
  16: FALCON_27.slice(0, 16),
  27: FALCON_27,
};

export function layoutDevice(n: number, edges: readonly Edge[]): DeviceLayout {
  const rows = byRows(n, edges);
  if (rows && fits(rows, edges)) return finish(rows, 'rows');
  const known = KNOWN[n]?.map(([r, c]) => ({ x: c, y: r }));
  if (known && fits(known, edges)) return finish(known, 'known');
  return finish(byForce(n, edges), 'force');
}

/** Every coupler one unit long, and every qubit on a point of its own. */
function fits(points: readonly Point[], edges: readonly Edge[]): boolean {
  const taken = new Set(points.map((p) => `${p.x},${p.y}`));
  if (taken.size !== points.length) return false;
  return edges.every(([a, b]) => {
    const p = points[a];
    const q = points[b];
    return !!p && !!q && Math.abs(p.x - q.x) + Math.abs(p.y - q.y) === 1;
  });
}

/** Moved so that the smallest coordinates are 0, rounded to a tenth, with its extent. */
function finish(points: readonly Point[], kind: DeviceLayout['kind']): DeviceLayout {
  if (!points.length) return { points, kind, width: 0, height: 0 };
  const minX = Math.min(...points.map((p) => p.x));
  const minY = Math.min(...points.map((p) => p.y));
  const moved = points.map((p) => ({
    x: Math.round((p.x - minX) * 10) / 10,
    y: Math.round((p.y - minY) * 10) / 10,
  }));
  return {
    points: moved,
    kind,
    width: Math.max(...moved.map((p) => p.x)),
    height: Math.max(...moved.map((p) => p.y)),
  };
}

/** Rows of consecutive indices, bridges between them (see the file's comment), or null. */
function byRows(n: number, edges: readonly Edge[]): Point[] | null {
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set());
  for (const [a, b] of edges) {
    if (a >= n || b >= n) return null;
    adj[a]?.add(b);
    adj[b]?.add(a);
  }
  const chains: number[][] = [];
  for (let q = 0; q < n; q++) {
    const last = chains[chains.length - 1];
    if (last && adj[q - 1]?.has(q)) last.push(q);
    else chains.push([q]);
  }
  const rows = chains.filter((c) => c.length > 1);
  if (!rows.length) return null;
  const rowOf = new Map<number, number>();
  const indexOf = new Map<number, number>();
  rows.forEach((row, r) =>
    row.forEach((q, i) => {
      rowOf.set(q, r);
      indexOf.set(q, i);
    }),
  );
  const bridges = chains.filter((c) => c.length === 1).map((c) => c[0] as number);
  // Each row's offset: a bridge joining qubit a of row r − 1 to qubit c of row r puts c under a.
  const offset: (number | undefined)[] = [0];
  for (const b of bridges) {
    const ends = [...(adj[b] ?? [])];
    if (ends.length > 2 || ends.some((q) => !rowOf.has(q))) return null;
  }
  for (let r = 1; r < rows.length; r++) {
    for (const b of bridges) {
      const ends = [...(adj[b] ?? [])];
      const above = ends.find((q) => rowOf.get(q) === r - 1);
      const below = ends.find((q) => rowOf.get(q) === r);
      const prev = offset[r - 1];
      if (above !== undefined && below !== undefined && prev !== undefined) {
        offset[r] = prev + (indexOf.get(above) ?? 0) - (indexOf.get(below) ?? 0);
        break;
      }
    }
    if (offset[r] === undefined) return null;
  }
  const points: Point[] = new Array<Point>(n);
  for (const [q, r] of rowOf) points[q] = { x: (offset[r] ?? 0) + (indexOf.get(q) ?? 0), y: 2 * r };
  for (const b of bridges) {
    const ends = [...(adj[b] ?? [])].sort((p, q) => (rowOf.get(p) ?? 0) - (rowOf.get(q) ?? 0));
    const first = ends[0];
    if (first === undefined) return null;
    const at = points[first] as Point;
    if (ends.length === 2) points[b] = { x: at.x, y: at.y + 1 };
    // A bridge to one row only sticks out of the first row upwards, of the last downwards.
    else if (rowOf.get(first) === 0) points[b] = { x: at.x, y: at.y - 1 };
    else if (rowOf.get(first) === rows.length - 1) points[b] = { x: at.x, y: at.y + 1 };
    else return null;
  }
  return points;
}

/** d3-force, run to rest before drawing (no animation), in units of one coupler. */
function byForce(n: number, edges: readonly Edge[]): Point[] {
  const UNIT = 40;
  const nodes = Array.from({ length: n }, (_, index) => ({ index, x: 0, y: 0 }));
  const links = edges.map(([source, target]) => ({ source, target }));
  const sim = forceSimulation(nodes)
    .force('link', forceLink(links).distance(UNIT).strength(1))
    .force('charge', forceManyBody().strength(-UNIT * 2))
    .force('center', forceCenter(0, 0))
    .stop();
  // Enough steps for d3's default cooling to reach rest.
  sim.tick(300);
  return nodes.map((p) => ({ x: p.x / UNIT, y: p.y / UNIT }));
}
