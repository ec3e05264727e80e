/**
 * Megabytes of OpenQASM are checked at submission in a thread of their own: the server keeps
 * answering meanwhile, and the answers are those of a small program (a job, or a 400 naming
 * the line and column).
 */
import { describe, expect, it } from 'vitest';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const KEY = 'large-programs-key-0123456789';

/** About 4 MB: 200,000 gates on 20 qubits, then `tail`. */
function bigCircuit(tail = 'c = measure q;'): string {
  const lines = ['OPENQASM 3.0;', 'include "stdgates.inc";', 'qubit[20] q;', 'bit[20] c;'];
  for (let i = 0; i < 100_000; i++)
    lines.push(`rz(0.${i % 997}) q[${i % 20}];`, `cx q[${i % 20}], q[${(i + 1) % 20}];`);
  lines.push(tail);
  return lines.join('\n');
}

describe('large programs', () => {
  it('are checked off the main thread: the API answers while one is being checked', async () => {
    const server = await startServer({ BERTH_API_KEY: KEY, BERTH_DB: `${tempDir()}/b.db` });
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    const post = (qasm: string) =>
      fetch(`${server.url}/api/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          program_id: 'sampler',
          backend: 'berth_sim',
          params: { pubs: [[qasm, null, 10]] },
        }),
      });
    // Warm up the checker thread, so the race below is about checking, not starting a thread.
    expect((await post(bigCircuit('bad syntax here'))).status).toBe(400);

    const order: string[] = [];
    const submitted = post(bigCircuit()).then(async (r) => {
      order.push('submit');
      return r;
    });
    // Once the request has reached the server, a small request overtakes it.
    await new Promise((r) => setTimeout(r, 150));
    const health = await fetch(`${server.url}/api/v1/backends`, { headers });
    order.push('backends');
    expect(health.status).toBe(200);
    const res = await submitted;
    expect(res.status).toBe(200);
    expect(order).toEqual(['backends', 'submit']);

    // A mistake deep in a big program is reported like any other.
    const bad = await post(bigCircuit('h q[20];'));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('invalid_params');
    expect(body.errors[0]?.message).toMatch(/line 200005, column 3: q\[20\] is out of range/);
  }, 60_000);
});
