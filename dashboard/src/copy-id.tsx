/**
 * An id as tables show it: its first characters, linked, with a button that copies the whole
 * id (the clipboard where the page may write it; otherwise a prompt to copy it from, as on a
 * plain-http lab address, where browsers withhold the clipboard).
 */
import { useState } from 'preact/hooks';
import { shortId } from './format';

export function CopyId(props: { id: string; href: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    const done = () => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    };
    const fallback = () => window.prompt('Copy the id', props.id);
    if (navigator.clipboard && window.isSecureContext)
      navigator.clipboard.writeText(props.id).then(done, fallback);
    else fallback();
  };
  return (
    <span class="copy-id">
      <a href={props.href} title={props.id}>
        {shortId(props.id)}
      </a>
      <button
        type="button"
        class="copy"
        onClick={copy}
        aria-label={`Copy the id ${props.id}`}
        title="Copy the whole id"
      >
        {copied ? '✓' : '⧉'}
      </button>
    </span>
  );
}
