import { describe, expect, it } from 'vitest';
import { circuitChars } from './program-size.js';

describe('circuitChars', () => {
  it('counts OpenQASM strings and the base64 of QPY circuits, in bare and tuple pubs', () => {
    const qpy = { __type__: 'QuantumCircuit', __value__: 'UUlTS0lU'.repeat(10_000) };
    expect(circuitChars({ pubs: ['abc', ['de', null, 10], qpy, [qpy, [], 5]] })).toBe(
      3 + 2 + 2 * 80_000,
    );
  });

  it('is 0 for params without pubs, and ignores what is not a circuit', () => {
    expect(circuitChars(null)).toBe(0);
    expect(circuitChars({ pubs: 'x' })).toBe(0);
    expect(circuitChars({ pubs: [42, [null], { __value__: 7 }] })).toBe(0);
  });
});
