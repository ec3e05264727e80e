/**
 * The two per-request series of /metrics, counted without prom-client on the request path:
 * requests by method, route and status, and request time by method and route (a histogram).
 * Counting is two array increments per request; the Prometheus text is built when scraped, in
 * prom-client's own format (the same names, labels and order), after the registry's metrics.
 */

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

interface Timing {
  readonly labels: string;
  readonly counts: number[];
  count: number;
  sum: number;
}

interface Series {
  readonly labels: string;
  count: number;
  readonly timing: Timing;
}

const escape = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class HttpMetrics {
  private readonly series = new Map<string, Series>();
  private readonly timings = new Map<string, Timing>();

  /** One answered request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      const tKey = `${method} ${route}`;
      let timing = this.timings.get(tKey);
      if (!timing) {
        timing = {
          labels: `method="${escape(method)}",route="${escape(route)}"`,
          counts: BUCKETS.map(() => 0),
          count: 0,
          sum: 0,
        };
        this.timings.set(tKey, timing);
      }
      s = {
        labels: `method="${escape(method)}",route="${escape(route)}",status="${status}"`,
        count: 0,
        timing,
      };
      this.series.set(key, s);
    }
    s.count++;
    const t = s.timing;
    t.count++;
    t.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++)
      if (seconds <= (BUCKETS[i] as number)) {
        t.counts[i] = (t.counts[i] as number) + 1;
        break;
      }
  }

  /** The Prometheus text of both series. */
  render(): string {
    const out = [
      '# HELP berth_http_requests_total HTTP requests by method, route and status',
      '# TYPE berth_http_requests_total counter',
    ];
    for (const s of this.series.values())
      out.push(`berth_http_requests_total{${s.labels}} ${s.count}`);
    out.push(
      '',
      '# HELP berth_http_request_duration_seconds HTTP request time',
      '# TYPE berth_http_request_duration_seconds histogram',
    );
    for (const t of this.timings.values()) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += t.counts[i] as number;
        out.push(
          `berth_http_request_duration_seconds_bucket{le="${le}",${t.labels}} ${cumulative}`,
        );
      });
      out.push(
        `berth_http_request_duration_seconds_bucket{le="+Inf",${t.labels}} ${t.count}`,
        `berth_http_request_duration_seconds_sum{${t.labels}} ${t.sum}`,
        `berth_http_request_duration_seconds_count{${t.labels}} ${t.count}`,
      );
    }
    return `${out.join('\n')}\n`;
  }
}
