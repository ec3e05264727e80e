import { useState } from 'preact/hooks';
import { type Credentials, type Identity, clientFor, identify } from '../auth';
import { message } from '../format';
import { Problem } from '../problem';

/** Sign-in with an API key (the one `npm start` prints, or one an administrator made). */
export function SignIn(props: {
  onSignIn: (c: Credentials, who: Identity) => void;
  error: string | null;
  checking: boolean;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(props.error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const creds = { key: key.trim(), instance: null };
    try {
      props.onSignIn(creds, await identify(clientFor(creds)));
    } catch (err) {
      setError(`That key was refused: ${message(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Berth</h1>
      {props.checking ? (
        <p>Checking your key…</p>
      ) : (
        <form onSubmit={submit}>
          <label for="key">API key</label>
          <input
            id="key"
            name="key"
            type="password"
            autocomplete="off"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
          <p class="muted">
            The key is kept in this tab only (session storage) and sent as a bearer token.
          </p>
          <button type="submit" disabled={busy || !key.trim()}>
            Sign in
          </button>
          <Problem error={error} />
        </form>
      )}
    </main>
  );
}
