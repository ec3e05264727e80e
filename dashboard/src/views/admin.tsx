/**
 * Administration (administrator keys only): every instance with its fair-share weight, usage
 * limit and usage this period (and each user's part), and API keys (with their instances) to
 * create and revoke.
 */
import type { BerthClient } from '@berth/client';
import { useState } from 'preact/hooks';
import type { Identity } from '../auth';
import { dateTime, duration, message, used } from '../format';
import { useData } from '../live';
import { Head } from '../table';
import { Problem } from '../problem';

export function AdminView(props: { client: BerthClient; identity: Identity }) {
  const { client } = props;
  const keys = useData((signal) => client.admin.keys.list({ signal }), [client]);
  const instances = useData((signal) => client.admin.instances.list({ signal }), [client]);
  const nameOf = (crn: string) => instances.data?.find((i) => i.id === crn)?.name ?? crn;
  const totalShare = (instances.data ?? []).reduce((n, i) => n + i.share, 0);
  const [name, setName] = useState('');
  const [instance, setInstance] = useState(props.identity.instance);
  const [admin, setAdmin] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const k = await client.admin.keys.create({
        name: name.trim() || 'api-key',
        instances: [instance],
        admin,
      });
      setCreated(k.key);
      setName('');
      keys.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  const revoke = async (id: string) => {
    if (!window.confirm(`Revoke key ${id}? Clients using it are refused from now on.`)) return;
    try {
      await client.admin.keys.revoke(id);
      keys.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <h2>Instances</h2>
      <Problem error={instances.error} />
      {instances.data && (
        <table data-testid="admin-instances">
          <Head cols={['Name', 'CRN', 'Fair share', 'Used this period', 'Limit', 'By user']} />
          <tbody>
            {instances.data.map((i) => (
              <tr key={i.id} data-instance={i.name}>
                <td>{i.name}</td>
                <td>
                  <code>{i.id}</code>
                </td>
                <td>
                  {i.share} ({totalShare > 0 ? ((100 * i.share) / totalShare).toFixed(0) : 0} %)
                </td>
                <td>
                  {used(i.usage_consumed_seconds)}
                  {i.usage_limit_reached && ' (limit reached)'}
                </td>
                <td>{i.usage_limit_seconds === null ? 'none' : duration(i.usage_limit_seconds)}</td>
                <td>
                  {i.users.length
                    ? i.users
                        .map((x) => `${x.user_id} ${used(x.usage_consumed_seconds)}`)
                        .join(', ')
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>API keys</h2>
      <form class="filters" onSubmit={create}>
        <label>
          Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Instance{' '}
          <select
            value={instance}
            onChange={(e) => setInstance((e.target as HTMLSelectElement).value)}
          >
            {props.identity.instances.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={admin}
            onChange={(e) => setAdmin((e.target as HTMLInputElement).checked)}
          />{' '}
          Administrator
        </label>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <p role="status" class="notice">
          New key (shown once, copy it now): <code data-testid="new-key">{created}</code>
        </p>
      )}
      <Problem error={error} />
      <Problem error={keys.error} />
      {keys.data && (
        <table>
          <Head cols={['Name', 'Id', 'User', 'Kind', 'Instances', 'Created', 'State', '']} />
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.id}</code>
                </td>
                <td>{k.user_id}</td>
                <td>{k.admin ? 'administrator' : k.worker_backends ? 'worker' : 'user'}</td>
                <td data-testid="key-instances">{k.instances.map(nameOf).join(', ')}</td>
                <td>{dateTime(k.created_at)}</td>
                <td>{k.revoked_at ? `revoked ${dateTime(k.revoked_at)}` : 'active'}</td>
                <td>
                  {!k.revoked_at && (
                    <button type="button" class="danger" onClick={() => revoke(k.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
