/**
 * Usage: the instance's usage this period against its limit, each user's part of it (every user
 * for an administrator, one's own otherwise), and the usage of its jobs over time, per backend
 * and per session (cumulative, from each job's billed time at its end).
 */
import type { BerthClient, WireJob } from '@berth/client';
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { PALETTE, Plot } from '../charts/uplot';
import { dateTime, duration, shortId, used } from '../format';
import { useData } from '../live';
import { type Scope, each } from '../scope';
import { Problem } from '../problem';
import { Head } from '../table';

/** Cumulative usage (s) per group, at each job's end: one series per group, on one time axis. */
export function cumulative(
  jobs: readonly WireJob[],
  groupOf: (j: WireJob) => string,
): { groups: string[]; data: uPlot.AlignedData } {
  const done = jobs
    .filter((j) => j.ended && j.usage.qpu_charge_time_seconds > 0)
    .sort((a, b) => Date.parse(a.ended ?? '') - Date.parse(b.ended ?? ''));
  const groups = [...new Set(done.map(groupOf))].slice(0, PALETTE.length);
  const totals = new Map(groups.map((g) => [g, 0]));
  const xs: number[] = [];
  const ys = groups.map(() => [] as number[]);
  for (const j of done) {
    const g = groupOf(j);
    if (!totals.has(g)) continue;
    totals.set(g, (totals.get(g) ?? 0) + j.usage.qpu_charge_time_seconds);
    xs.push(Date.parse(j.ended ?? '') / 1000);
    groups.forEach((name, i) => ys[i]?.push(totals.get(name) ?? 0));
  }
  return { groups, data: [xs, ...ys] };
}

function UsageChart(props: {
  title: string;
  jobs: readonly WireJob[];
  by: (j: WireJob) => string;
}) {
  const { groups, data } = useMemo(() => cumulative(props.jobs, props.by), [props.jobs, props.by]);
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 220,
      scales: { x: { time: true } },
      axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', label: 'seconds' }],
      series: [
        {},
        ...groups.map((g, i) => ({
          label: g,
          stroke: PALETTE[i % PALETTE.length] ?? '#888',
          width: 2,
        })),
      ],
    }),
    [groups],
  );
  if (!data[0]?.length) return <p class="muted">No billed jobs yet.</p>;
  return (
    <figure>
      <figcaption>{props.title}</figcaption>
      <Plot options={options} data={data} label={props.title} />
    </figure>
  );
}

const byBackend = (j: WireJob) => j.backend;
const bySession = (j: WireJob) =>
  j.session_id ? `session ${shortId(j.session_id)}` : 'no session';

export function UsageView(props: { scope: Scope }) {
  const { scope } = props;
  const usage = useData((signal) => each(scope, (c) => c.usageByUser({ signal })), [scope]);
  const jobs = useData(
    (signal) =>
      each(scope, (c) => c.jobs.list({ limit: 200, exclude_params: true }, { signal })).then(
        (pages) => pages.flatMap((p) => p.jobs),
      ),
    [scope],
  );
  const several = scope.members.length > 1;
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <Problem error={usage.error} />
      {usage.data?.map((u) => (
        <InstanceUsage key={u.instance_id} usage={u} scope={scope} />
      ))}
      {jobs.data && (
        <>
          {several && (
            <UsageChart
              title="Usage per instance (cumulative seconds)"
              jobs={jobs.data}
              by={(j) => scope.nameOf(j.instance)}
            />
          )}
          <UsageChart
            title="Usage per backend (cumulative seconds)"
            jobs={jobs.data}
            by={byBackend}
          />
          <UsageChart
            title="Usage per session (cumulative seconds)"
            jobs={jobs.data}
            by={bySession}
          />
        </>
      )}
    </section>
  );
}

function InstanceUsage(props: { usage: InstanceUsageDoc; scope: Scope }) {
  const u = props.usage;
  const limit = u.usage_limit_seconds ?? null;
  return (
    <div class="instance-usage" data-instance={u.instance_id}>
      <p>
        Instance <strong>{props.scope.nameOf(u.instance_id)}</strong> (<code>{u.instance_id}</code>
        ), period {dateTime(u.usage_period.start_time)} to {dateTime(u.usage_period.end_time)}.
      </p>
      <p data-testid="usage-consumed">
        {duration(u.usage_consumed_seconds)} used
        {limit !== null ? ` of ${duration(limit)}` : ' (no limit)'}
        {u.usage_limit_reached && ' — the limit is reached: new jobs are refused'}
      </p>
      {limit !== null && (
        <meter min={0} max={limit} value={u.usage_consumed_seconds} aria-label="Usage of the limit">
          {u.usage_consumed_seconds} of {limit} s
        </meter>
      )}
      <UserTable users={u.users} total={u.usage_consumed_seconds} />
    </div>
  );
}

type InstanceUsageDoc = Awaited<ReturnType<BerthClient['usageByUser']>>;

/** Each user's usage this period and share of the instance's (an API key's user_id). */
export function UserTable(props: { users: InstanceUsageDoc['users']; total: number }) {
  if (!props.users.length) return <p class="muted">No user has used this instance this period.</p>;
  return (
    <table class="compact" data-testid="usage-by-user">
      <Head cols={['User', 'Used', 'Share of the instance']} />
      <tbody>
        {props.users.map((x) => (
          <tr key={x.user_id}>
            <td>{x.user_id}</td>
            <td>{used(x.usage_consumed_seconds)}</td>
            <td>
              {props.total > 0
                ? `${((100 * x.usage_consumed_seconds) / props.total).toFixed(1)} %`
                : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
