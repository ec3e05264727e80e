import { message } from './format';

/** An error for the person: announced (role="alert"), nothing when there is none. */
export function Problem(props: { error: unknown; inline?: boolean }) {
  if (props.error === null || props.error === undefined || props.error === '') return null;
  const text = typeof props.error === 'string' ? props.error : message(props.error);
  return props.inline ? (
    <span role="alert" class="error">
      {text}
    </span>
  ) : (
    <p role="alert" class="error">
      {text}
    </p>
  );
}
