import { describe, expect, it } from 'vitest';
import { planOwnership } from './ownership.js';

const B = ['a', 'b', 'c'];
const owners = (o: Record<string, string>) => new Map(Object.entries(o));

describe('planOwnership', () => {
  it('takes every free backend when alone', () => {
    expect(planOwnership(B, owners({}), 'n1', 1)).toEqual({ claim: ['a', 'b', 'c'], release: [] });
  });

  it('gives up what is above its share when another node is alive, which takes the rest', () => {
    const held = owners({ a: 'n1', b: 'n1', c: 'n1' });
    expect(planOwnership(B, held, 'n1', 2)).toEqual({ claim: ['a', 'b'], release: ['c'] });
    expect(planOwnership(B, held, 'n2', 2)).toEqual({ claim: [], release: [] });
    expect(planOwnership(B, owners({ a: 'n1', b: 'n1' }), 'n2', 2)).toEqual({
      claim: ['c'],
      release: [],
    });
  });

  it('never claims a backend another live node holds, and takes a dead node’s share', () => {
    // n3 died: its lease ran out, so its backend is free again.
    expect(planOwnership(B, owners({ a: 'n1', b: 'n2' }), 'n1', 2)).toEqual({
      claim: ['a', 'c'],
      release: [],
    });
    expect(planOwnership(B, owners({ a: 'n1', b: 'n2', c: 'n3' }), 'n1', 3)).toEqual({
      claim: ['a'],
      release: [],
    });
  });
});
