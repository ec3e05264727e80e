/**
 * Runs before every other module of the page (main.tsx imports it first), for two things that
 * must hold before any library loads.
 *
 * 1. A language tag Intl accepts. Chromium under a POSIX locale (LANG=C.UTF-8, the usual one on
 *    a server or in a container) reports navigator.language "en-US@posix", which Intl refuses
 *    with a RangeError; uPlot passes navigator.language to Intl.NumberFormat as it loads, so the
 *    whole page failed to start. The page sees the nearest tag Intl accepts instead.
 * 2. A message, never a blank page: an error before the app has drawn anything (a module that
 *    fails as it loads) shows what happened and a reload button.
 */
import { usableLocale } from './locale';

function fixLanguage(): void {
  const given = navigator.language;
  const usable = usableLocale(given);
  if (usable === given) return;
  const languages = [usable, ...navigator.languages.map(usableLocale)].filter(
    (l, i, all) => all.indexOf(l) === i,
  );
  Object.defineProperty(navigator, 'language', { configurable: true, get: () => usable });
  Object.defineProperty(navigator, 'languages', { configurable: true, get: () => languages });
}

/** Show `text` with a reload button in place of the app (only while the app shows nothing). */
export function showFatal(text: string): void {
  const root = document.getElementById('app');
  if (!root || root.childElementCount > 0) return;
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.className = 'fatal';
  const p = document.createElement('p');
  p.textContent = `The dashboard could not start: ${text}`;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Reload';
  button.addEventListener('click', () => location.reload());
  box.append(p, button);
  root.append(box);
}

fixLanguage();
window.addEventListener('error', (e) => showFatal(e.message || 'an error in the page'));
window.addEventListener('unhandledrejection', (e) =>
  showFatal(e.reason instanceof Error ? e.reason.message : String(e.reason)),
);
