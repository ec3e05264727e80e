import { describe, expect, it } from 'vitest';
import { dataBin, floatArray, primitiveResult, pubResult } from '../encoding/encoding.js';
import { QuantumInputError } from '../errors.js';
import { checkResult } from './result-check.js';

const estimator = (evs: number[], stds: number[], metadata: Record<string, unknown> = {}) =>
  primitiveResult(
    [
      pubResult(
        'PubResult',
        dataBin(
          {
            evs: floatArray(Float64Array.from(evs), [evs.length]),
            stds: floatArray(Float64Array.from(stds), [stds.length]),
          },
          [evs.length],
        ),
        metadata,
      ),
    ],
    {},
  );
const params = { pubs: [['OPENQASM 3.0; qubit[2] q;', ['ZZ', 'XX']]] };

describe("checkResult: a worker's estimator result", () => {
  it('takes evs and stds of one shape, and adds them to the metadata for readers without NumPy', () => {
    const checked = checkResult('estimator', params, estimator([1, 0.5], [0, 0.1])) as any;
    expect(checked.__value__.pub_results[0].__value__.metadata).toEqual({
      evs: [1, 0.5],
      stds: [0, 0.1],
    });
    // Already there: kept as sent.
    const own = estimator([1, 0.5], [0, 0.1], { evs: 'as sent' });
    expect((checkResult('estimator', params, own) as any).__value__.pub_results[0]).toEqual(
      (own.__value__ as any).pub_results[0],
    );
  });

  it('refuses what the client could not read, naming it', () => {
    const refused = (r: unknown) => () => checkResult('estimator', params, r);
    expect(refused(estimator([1, 0.5], [0]))).toThrow(/pub 0: evs has shape \(2\), stds \(1\)/);
    expect(refused({ results: [] })).toThrow(QuantumInputError);
    const noStds = primitiveResult(
      [pubResult('PubResult', dataBin({ evs: floatArray(new Float64Array(2), [2]) }, [2]), {})],
      {},
    );
    expect(refused(noStds)).toThrow(/needs the fields evs and stds/);
    const samplerShaped = primitiveResult(
      [
        pubResult(
          'SamplerPubResult',
          dataBin({ evs: floatArray(new Float64Array(1), [1]) }, []),
          {},
        ),
      ],
      {},
    );
    expect(refused(samplerShaped)).toThrow(/is a SamplerPubResult, expected PubResult/);
  });

  it('leaves the results of other programs alone', () => {
    expect(checkResult('noise-learner', {}, { anything: 1 })).toEqual({ anything: 1 });
  });
});
