// First: the page's language tag and the start-up error message (boot.ts) hold before any
// library loads.
import './boot';
import { render } from 'preact';
import { App } from './app';
import { ErrorBoundary } from './boundary';
import './styles.css';

const root = document.getElementById('app');
if (root)
  render(
    <ErrorBoundary>
      <App />
    </ErrorBoundary>,
    root,
  );
