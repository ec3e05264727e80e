/**
 * The device map's layout (dashboard/src/device/layout.ts) on every reference processor: each
 * lands on IBM's lattice with every coupler one unit long, and a chip of no known shape still
 * gets a drawing with every qubit apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutDevice, undirectedEdges } from '../../dashboard/src/device/layout.js';

const reference = (name: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../../reference/ibm-backends/conf_${name}.json`, import.meta.url),
      'utf8',
    ),
  ) as { n_qubits: number; coupling_map: number[][] };

const unitLong = (
  points: readonly { x: number; y: number }[],
  edges: readonly (readonly number[])[],
) =>
  edges.every(([a, b]) => {
    const p = points[a as number] ?? { x: NaN, y: NaN };
    const q = points[b as number] ?? { x: NaN, y: NaN };
    return Math.abs(p.x - q.x) + Math.abs(p.y - q.y) === 1;
  });

const distance = (p?: { x: number; y: number }, q?: { x: number; y: number }) =>
  p && q ? Math.hypot(p.x - q.x, p.y - q.y) : NaN;

describe('the device layout', () => {
  it.each([
    // Eagle: seven rows of 14–15 qubits, four bridges between each pair; Heron: 16 per row.
    ['brisbane', 'rows', 14, 12],
    ['fez', 'rows', 15, 14],
    // A line, and the 7-qubit H (two rows of three, one bridge).
    ['manila', 'rows', 4, 0],
    ['lagos', 'rows', 2, 2],
    // Falcons, numbered across their rows: Qiskit's coordinates.
    ['kolkata', 'known', 10, 4],
    ['guadalupe', 'known', 6, 4],
  ])('draws %s by %s, %i × %i units, every coupler one unit', (name, kind, width, height) => {
    const conf = reference(name);
    const edges = undirectedEdges(conf.coupling_map);
    const layout = layoutDevice(conf.n_qubits, edges);
    expect(layout.kind).toBe(kind);
    expect([layout.width, layout.height]).toEqual([width, height]);
    expect(unitLong(layout.points, edges)).toBe(true);
    expect(new Set(layout.points.map((p) => `${p.x},${p.y}`)).size).toBe(conf.n_qubits);
  });

  it('puts Eagle’s bridge qubit 14 between qubits 0 and 18, as IBM draws it', () => {
    const conf = reference('brisbane');
    const { points } = layoutDevice(127, undirectedEdges(conf.coupling_map));
    expect(points[0]).toEqual({ x: 0, y: 0 });
    expect(points[14]).toEqual({ x: 0, y: 1 });
    expect(points[18]).toEqual({ x: 0, y: 2 });
    expect(points[15]).toEqual({ x: 4, y: 1 });
  });

  it('falls back to a force layout for a shape it does not know, every qubit apart', () => {
    // All-to-all (a synthesized backend without a coupling map) and a 5-qubit ring.
    const all = undirectedEdges([0, 1, 2, 3, 4].flatMap((a) => [0, 1, 2, 3, 4].map((b) => [a, b])));
    const ring = undirectedEdges([
      [0, 3],
      [3, 1],
      [1, 4],
      [4, 2],
      [2, 0],
    ]);
    for (const edges of [all, ring]) {
      const layout = layoutDevice(5, edges);
      expect(layout.kind).toBe('force');
      const pts = layout.points;
      for (let i = 0; i < 5; i++)
        for (let j = i + 1; j < 5; j++) expect(distance(pts[i], pts[j])).toBeGreaterThan(0.5);
    }
  });

  it('treats a coupling map that is a directed list with both directions as one coupler each', () => {
    expect(
      undirectedEdges([
        [1, 0],
        [0, 1],
        [1, 2],
        [2, 2],
      ]),
    ).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
