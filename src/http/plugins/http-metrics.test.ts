import { describe, expect, it } from 'vitest';
import { HttpMetrics } from './http-metrics.js';

describe('HttpMetrics', () => {
  it('counts requests per method, route and status, and times them in cumulative buckets', () => {
    const m = new HttpMetrics();
    m.observe('GET', '/api/v1/sessions/:id', 200, 0.0002);
    m.observe('GET', '/api/v1/sessions/:id', 200, 0.003);
    m.observe('GET', '/api/v1/sessions/:id', 404, 2);
    m.observe('POST', '/a"b\\c', 201, 0.00005);
    const text = m.render();
    const line = (name: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(name))
        ?.split(' ')[1];
    expect(
      line('berth_http_requests_total{method="GET",route="/api/v1/sessions/:id",status="200"}'),
    ).toBe('2');
    expect(
      line('berth_http_requests_total{method="GET",route="/api/v1/sessions/:id",status="404"}'),
    ).toBe('1');
    const b = (le: string) =>
      line(
        `berth_http_request_duration_seconds_bucket{le="${le}",method="GET",route="/api/v1/sessions/:id"}`,
      );
    expect([b('0.0001'), b('0.00025'), b('0.0025'), b('0.005'), b('1'), b('+Inf')]).toEqual([
      '0',
      '1',
      '1',
      '2',
      '2',
      '3',
    ]);
    expect(
      line('berth_http_request_duration_seconds_count{method="GET",route="/api/v1/sessions/:id"}'),
    ).toBe('3');
    expect(
      Number(
        line('berth_http_request_duration_seconds_sum{method="GET",route="/api/v1/sessions/:id"}'),
      ),
    ).toBeCloseTo(2.0032, 6);
    // Label values are escaped as the exposition format wants.
    expect(text).toContain('route="/a\\"b\\\\c",status="201"');
    expect(text).toMatch(/^# TYPE berth_http_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE berth_http_request_duration_seconds histogram$/m);
  });
});
