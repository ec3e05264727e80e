/**
 * The page-level error boundary: an error while drawing a view shows its message and a way on
 * (reload, or back to the start), never a blank page.
 */
import { Component, type ComponentChildren } from 'preact';
import { href } from './router';

export class ErrorBoundary extends Component<
  { children: ComponentChildren },
  { error: string | null }
> {
  override state = { error: null as string | null };

  static override getDerivedStateFromError(e: unknown): { error: string } {
    return { error: e instanceof Error ? e.message : String(e) };
  }

  override componentDidCatch(e: unknown): void {
    console.error(e);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div class="fatal" role="alert">
        <h1>Something went wrong on this page</h1>
        <p>{this.state.error}</p>
        <p>
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>{' '}
          <a href={href.backends}>Back to the backends</a>
        </p>
      </div>
    );
  }
}
