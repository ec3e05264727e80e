/**
 * The dashboard in a real browser (headless Chromium through playwright-core, the same set-up as
 * the SDK's browser test), against a real Berth serving it at `/`: sign-in, a dedicated
 * session's whole life followed live from the event stream, cancelling a queued job, a sampler
 * histogram and an estimator table, a wrong key that sees nothing, and axe-core's accessibility
 * checks (light and dark). Screenshots go to $BERTH_TEST_SCREENSHOTS when set.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { DEFAULT_CRN } from '../helpers/test-runtime.js';

// The callbacks given to page.evaluate run in the page, not in Node: the browser globals they use.
declare const document: {
  querySelector(s: string): { textContent: string | null } | null;
  activeElement: { textContent: string | null } | null;
  documentElement: { scrollWidth: number };
  querySelectorAll(s: string): ArrayLike<{ scrollWidth: number; outerHTML: string }>;
};
declare const location: { hash: string };
declare const sessionStorage: { getItem(key: string): string | null; readonly length: number };
declare const localStorage: { readonly length: number };

const KEY = 'dashboard-test-key-0123456789';
const TEAM_B = 'crn:v1:test:team-b';
const BELL =
  'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;';
const BELL_STATE = 'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; h q[0]; cx q[0], q[1];';
// Screenshots for a person to look at: BERTH_TEST_SCREENSHOTS keeps them, else they go with the test.
const SHOTS = process.env.BERTH_TEST_SCREENSHOTS ?? tempDir('file');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser | undefined;
let base = '';

/**
 * A page in a fresh context (its own session storage), in en-US so that the text the tests read
 * is stable; other locales have a test of their own.
 */
async function newPage(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await (browser as Browser).newContext({ locale: 'en-US', ...options });
  return context.newPage();
}

const api = (method: string, path: string, body?: unknown) => call(base, KEY, method, path, body);

async function signIn(page: Page, key = KEY): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the element `selector` reads `text` (the page updates by itself). */
async function untilText(page: Page, selector: string, text: string, timeout = 15_000) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel as string)?.textContent?.trim() === want,
    [selector, text],
    { timeout },
  );
}

/** Navigates inside the page (the fragment), never reloading it. */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

async function axeViolations(page: Page): Promise<unknown[]> {
  // Evaluated, not added as a script tag: the dashboard's CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<any> } }).axe;
    return axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] });
  });
  return result.violations.map((v: any) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 5),
  }));
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await api('POST', '/api/v1/jobs', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
}

async function untilStatus(id: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await api('GET', `/api/v1/jobs/${id}`)).body.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} never reached ${status}`);
}

describe('the dashboard', () => {
  beforeAll(async () => {
    // The dashboard exactly as `npm run build` makes it, built into this test's own folder (a
    // running `npm start` keeps serving dist/dashboard untouched).
    const dir = tempDir('file');
    const built = join(dir, 'dashboard');
    execFileSync(process.execPath, ['scripts/build-dashboard.mjs', '--out', built], {
      stdio: 'ignore',
    });
    mkdirSync(SHOTS, { recursive: true });
    const config = writeConfig(dir, {
      instances: [
        { id: DEFAULT_CRN, name: 'default' },
        { id: TEAM_B, name: 'team-b' },
      ],
      backends: [
        { name: 'lab', lanes: 1, qubits: 5, model: { jobOverheadMs: 800 } },
        { name: 'queue', lanes: 1, qubits: 5, model: { jobOverheadMs: 60_000 } },
        { name: 'fast', lanes: 2, qubits: 5 },
        // An Eagle as IBM published it, and a lab's 5-qubit line calibrated by its worker.
        { name: 'eagle', reference: 'brisbane' },
        {
          name: 'rig',
          qubits: 5,
          executor: 'external',
          couplingMap: [
            [0, 1],
            [1, 2],
            [2, 3],
            [3, 4],
          ],
        },
      ],
    });
    const server = await startServer(
      {
        BERTH_API_KEY: KEY,
        BERTH_DB: join(dir, 'berth.db'),
        BERTH_CONFIG: config,
        BERTH_DASHBOARD_DIR: built,
      },
      { lifetime: 'file' },
    );
    base = server.url;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs in with a key and shows every backend, passing axe-core', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    for (const name of ['lab', 'queue', 'fast'])
      await page.getByRole('heading', { name, exact: true }).waitFor();
    // The key is in this tab's session storage, and nowhere in the address.
    expect(await page.evaluate(() => sessionStorage.getItem('berth.key'))).toBe(KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(KEY);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-backends.png'), fullPage: true });
    // The keyboard alone reaches the views: Tab to a link of the navigation, Enter.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Sessions') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.close();
  }, 60_000);

  it('serves the page for revalidation and its hashed assets for a year, same-origin only', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Nothing of the API is public for being next to it.
    expect((await fetch(`${base}/api/v1/sessions`)).status).toBe(401);
  });

  it('follows a dedicated session open → active → inactive → closed with no reload', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const s = await api('POST', '/api/v1/sessions', {
      mode: 'dedicated',
      backend: 'lab',
      interactive_ttl: 3,
    });
    expect(s.status).toBe(200);
    await go(page, `#/sessions/${s.body.id}`);
    const state = '[data-testid="session-state"]';
    await untilText(page, state, 'open');
    await submit({
      program_id: 'sampler',
      session_id: s.body.id,
      params: { pubs: [[BELL, null, 100]] },
    });
    await untilText(page, state, 'active');
    // The backend page names the session as the one holding the backend.
    await go(page, '#/backends');
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-backend="lab"] [data-testid="holder"]')
          ?.textContent?.includes('dedicated session') === true,
    );
    await page.screenshot({ path: join(SHOTS, 'dashboard-backend-held.png'), fullPage: true });
    await go(page, `#/sessions/${s.body.id}`);
    await page.waitForFunction(() =>
      /left of/.test(document.querySelector('[data-testid="idle-countdown"]')?.textContent ?? ''),
    );
    await page.screenshot({ path: join(SHOTS, 'dashboard-session.png'), fullPage: true });
    await untilText(page, state, 'inactive');
    await page.getByRole('button', { name: 'Close…' }).click();
    await page.getByText('Closing stops it accepting new jobs').waitFor();
    await page.getByRole('button', { name: 'Close session' }).click();
    await untilText(page, state, 'closed');
    const history = await page.locator('[data-testid="session-history"] .badge').allTextContents();
    expect(history).toEqual(['open', 'active', 'inactive', 'closed']);
    expect(
      await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    await page.close();
  }, 60_000);

  it('cancels a queued job from its page', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    const running = await submit({
      program_id: 'sampler',
      backend: 'queue',
      params: { pubs: [[BELL, null, 10]] },
    });
    await untilStatus(running, 'Running');
    const queued = await submit({
      program_id: 'sampler',
      backend: 'queue',
      params: { pubs: [[BELL, null, 10]] },
    });
    await go(page, `#/jobs/${queued}`);
    await untilText(page, '[data-testid="job-state"]', 'Queued');
    await page.locator('[data-testid="queue-position"]').waitFor();
    const position = await page.locator('[data-testid="queue-position"]').textContent();
    expect(position).toMatch(/^Place in queue: 1 · estimated start /);
    await page.getByText('Every lane of queue is busy').waitFor();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await untilText(page, '[data-testid="job-state"]', 'Cancelled');
    expect((await api('GET', `/api/v1/jobs/${queued}`)).body.status).toBe('Cancelled');
    await api('POST', `/api/v1/jobs/${running}/cancel`);
    await page.close();
  }, 60_000);

  it('draws a sampler histogram and an estimator table, light and dark', async () => {
    const sampler = await submit({
      program_id: 'sampler',
      backend: 'fast',
      params: { pubs: [[BELL, null, 400]] },
    });
    const estimator = await submit({
      program_id: 'estimator',
      backend: 'fast',
      params: { pubs: [[BELL_STATE, ['ZZ', 'XX', 'IZ']]] },
    });
    await untilStatus(sampler, 'Completed');
    await untilStatus(estimator, 'Completed');
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await newPage({ colorScheme });
      await signIn(page);
      await page.getByRole('heading', { name: 'Backends' }).waitFor();
      await go(page, `#/jobs/${sampler}`);
      await page.locator('figure[data-register="c"] canvas').first().waitFor();
      const cell = (n: number) =>
        page.locator(`figure[data-register="c"] tbody tr td:nth-child(${n})`).allTextContents();
      const outcomes = await cell(1);
      const counts = (await cell(2)).map(Number);
      // A Bell pair: only 00 and 11, all 400 shots between them.
      expect([...outcomes].sort()).toEqual(['00', '11']);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(400);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({
        path: join(SHOTS, `dashboard-histogram-${colorScheme}.png`),
        fullPage: true,
      });
      await go(page, `#/jobs/${estimator}`);
      const table = page.locator('[data-testid="estimator-table"] tbody tr');
      await table.first().waitFor();
      const evs = (await table.allTextContents()).length;
      expect(evs).toBe(3);
      const cells = await page
        .locator('[data-testid="estimator-table"] tbody tr td:nth-child(2)')
        .allTextContents();
      expect(cells.map(Number)).toEqual([1, 1, 0]);
      // Labelled with the pub's observables; the error bars have a header with their scale.
      expect(
        await page
          .locator('[data-testid="estimator-table"] tbody tr td:nth-child(1)')
          .allTextContents(),
      ).toEqual(['ZZ', 'XX', 'IZ']);
      expect(await page.locator('[data-testid="estimator-table"] thead').textContent()).toMatch(
        /Value ± 1 σ \(scale −1 to 1\)/,
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({
        path: join(SHOTS, `dashboard-estimator-${colorScheme}.png`),
        fullPage: true,
      });
      await page.close();
    }
  }, 90_000);

  it('starts in any browser locale: en-US@posix (a server’s C locale), de-DE and ja-JP', async () => {
    const job = await submit({
      program_id: 'sampler',
      backend: 'fast',
      params: { pubs: [[BELL, null, 100]] },
    });
    await untilStatus(job, 'Completed');
    // Chromium started under LANG=C or C.UTF-8 (a server, a container) reports "en-US@posix";
    // the C locale reaches the page as that tag (a context cannot ask for "C": Chromium
    // refuses it). usableLocale's own test covers "C" and "POSIX" as tags.
    for (const locale of ['en-US@posix', 'de-DE', 'ja-JP']) {
      // A browser per locale: the packaged Chromium runs in one process, where a second
      // locale in the same browser brings it down.
      const own = await launchChromium();
      const context = await own.newContext({ locale });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto('about:blank');
      const reported = await page.evaluate(
        () => (globalThis as unknown as { navigator: { language: string } }).navigator.language,
      );
      expect(reported).toBe(locale); // the browser really reports the case's tag
      await signIn(page);
      await page.getByRole('heading', { name: 'Backends' }).waitFor();
      await go(page, `#/jobs/${job}`);
      // uPlot draws (it formats numbers with the page's language as it loads).
      await page.locator('figure[data-register="c"] canvas').first().waitFor();
      const texts = await page.locator('dd, td').allTextContents();
      expect(texts.join(' '), locale).not.toMatch(/Invalid Date|NaN/);
      expect(errors, locale).toEqual([]);
      await page.close();
      await own.close();
    }
  }, 120_000);

  it('shows a result that is not a PrimitiveResult as stored (the noise learner’s), never a blank page', async () => {
    const job = await submit({
      program_id: 'noise-learner',
      backend: 'fast',
      params: { circuits: [], options: { support_qiskit: true } },
    });
    await untilStatus(job, 'Completed');
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    await go(page, `#/jobs/${job}`);
    const raw = page.getByTestId('raw-result');
    await raw.waitFor();
    expect(JSON.parse((await raw.textContent()) ?? '')).toMatchObject({ data: [] });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone (390 px): no view scrolls the page sideways; ids copy whole', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    for (const view of [
      '#/backends',
      '#/backends/eagle',
      '#/sessions',
      '#/jobs',
      '#/usage',
      '#/admin',
    ]) {
      await go(page, view);
      await page.waitForTimeout(300);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, view).toBeLessThanOrEqual(390);
    }
    await go(page, '#/jobs');
    const copy = page.locator('button.copy').first();
    await copy.waitFor();
    expect(await copy.getAttribute('aria-label')).toMatch(/^Copy the id [0-9a-f-]{36}$/);
    await page.close();
  });

  it('shows nothing to a wrong key, and keeps no trace of it', async () => {
    const page = await newPage();
    const apiCalls: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) apiCalls.push(r.status());
    });
    await signIn(page, 'not-a-key-of-this-server');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('That key was refused');
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Backends' }).count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    // Every API answer it got was a refusal.
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.every((s) => s === 401)).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-wrong-key.png') });
    await page.close();
  }, 60_000);

  it('pauses and resumes a backend from its card (administrators)', async () => {
    const page = await newPage();
    await signIn(page);
    const card = page.locator('[data-backend="fast"]');
    await card.getByLabel('Reason').fill('recalibrating');
    await card.getByRole('button', { name: 'Pause fast' }).click();
    await untilText(page, '[data-backend="fast"] .card-head .badge', 'paused');
    await card.getByText('recalibrating').first().waitFor();
    const waiting = await submit({
      program_id: 'sampler',
      backend: 'fast',
      params: { pubs: [[BELL, null, 10]] },
    });
    await go(page, `#/jobs/${waiting}`);
    await page.getByText('fast is paused: recalibrating; its queue waits.').waitFor();
    expect((await api('GET', `/api/v1/jobs/${waiting}`)).body.status).toBe('Queued');
    await go(page, '#/backends');
    await card.getByRole('button', { name: 'Resume fast' }).click();
    await untilText(page, '[data-backend="fast"] .card-head .badge', 'online');
    await untilStatus(waiting, 'Completed');
    await page.close();
  }, 60_000);

  it('draws a device as IBM lays it out, coloured by the figure chosen, with scales and the calibration date', async () => {
    const page = await newPage();
    await signIn(page);
    await page.locator('[data-backend="eagle"] a', { hasText: 'device map' }).click();
    await page.getByRole('heading', { name: 'eagle', exact: true }).waitFor();
    await page.locator('[data-qubit="126"]').waitFor();
    expect(await page.locator('[data-qubit]').count()).toBe(127);
    expect(await page.locator('[data-coupler]').count()).toBe(144);
    // The calibration's own date (brisbane's snapshot of 26 February 2025), in the page's locale.
    expect(await page.getByTestId('calibration-date').textContent()).toMatch(/2\/26\/2025/);
    // Eagle's lattice: bridge qubit 14 sits between qubits 0 and 18, straight down.
    const centre = async (q: number) => {
      const c = page.locator(`[data-qubit="${q}"] circle`);
      return [Number(await c.getAttribute('cx')), Number(await c.getAttribute('cy'))];
    };
    const [q0, q14, q18] = [await centre(0), await centre(14), await centre(18)];
    expect(q14[0]).toBe(q0[0]);
    expect(q18[0]).toBe(q0[0]);
    expect((q14[1] ?? 0) - (q0[1] ?? 0)).toBe((q18[1] ?? 0) - (q14[1] ?? 0));
    // Qubits by T1 first; by readout error when chosen, its scale in percent.
    await page.getByTestId('scale-t1').getByText(/µs/).first().waitFor();
    const fillBefore = await page.locator('[data-qubit="0"] circle').getAttribute('fill');
    await page.getByLabel('Colour qubits by').selectOption({ label: 'Readout error' });
    await page.getByTestId('scale-readoutError').getByText(/%/).first().waitFor();
    expect(await page.locator('[data-qubit="0"] circle').getAttribute('fill')).not.toBe(fillBefore);
    await page
      .getByTestId('scale-error')
      .getByText(/ecr error/)
      .waitFor();
    // Every figure is in the tables too (brisbane's qubit 0: T1 and readout error as published).
    const props = (await api('GET', '/api/v1/backends/eagle/properties')).body;
    const t1 = props.qubits[0].find((p: { name: string }) => p.name === 'T1').value as number;
    await page.getByText('Every qubit').click();
    const row0 = page.locator('tbody tr').first();
    expect(await row0.locator('td').nth(1).textContent()).toBe(`${t1.toFixed(0)} µs`);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-device.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('draws a job’s circuits: gates as called, controls as dots, only the active qubits; a phone scrolls the drawing, not the page', async () => {
    const wide =
      'OPENQASM 3.0; include "stdgates.inc"; bit[2] c; rz(pi/2) $3; sx $3; cx $3, $4; c[0] = measure $3; c[1] = measure $4;';
    const job = await submit({
      program_id: 'sampler',
      backend: 'fast',
      params: {
        pubs: [
          [BELL, null, 10],
          [wide, null, 10],
        ],
      },
    });
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await signIn(page);
    await go(page, `#/jobs/${job}`);
    const first = page.locator('[data-circuit="0"]');
    await first.locator('svg').waitFor();
    expect(await first.locator('summary').textContent()).toBe(
      'Circuit 0 · 2 active qubits of 2 · 4 operations',
    );
    expect(
      await first
        .locator('[data-gate]')
        .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-gate'))),
    ).toEqual(['h', 'cx']);
    // cx: a control dot on q[0], ⊕ on q[1]; two measurements.
    const cx = first.locator('[data-gate="cx"]');
    expect(await cx.locator('circle.circ-dot').count()).toBe(1);
    expect(await cx.locator('circle.circ-open').count()).toBe(1);
    expect(await first.locator('[data-op="measure"]').count()).toBe(2);
    // The ISA circuit: rows for $3 and $4 only, of the backend's 5.
    const second = page.locator('[data-circuit="1"]');
    await second.locator('summary').click();
    expect(await second.locator('summary').textContent()).toBe(
      'Circuit 1 · 2 active qubits of 5 · 5 operations',
    );
    expect(await second.locator('text.circ-label').allTextContents()).toEqual(['$3', '$4']);
    expect(await second.locator('[data-gate="rz"] text').textContent()).toBe('rz(π/2)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-circuit.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('shows the newest calibration a lab device’s worker published', async () => {
    const made = await api('POST', '/admin/keys', { name: 'rig-worker', worker_backends: ['rig'] });
    expect(made.status).toBe(201);
    const publish = async (date: string, t1: number) => {
      const param = (name: string, value: number, unit: string) => ({ name, value, unit, date });
      const res = await call(
        base,
        made.body.key as string,
        'POST',
        '/api/v1/workers/backends/rig/calibration',
        {
          properties: {
            backend_name: 'rig',
            backend_version: '1.0.0',
            last_update_date: date,
            qubits: Array.from({ length: 5 }, () => [
              param('T1', t1, 'us'),
              param('T2', t1 / 2, 'us'),
              param('readout_error', 0.02, ''),
              param('frequency', 5.1e9, 'Hz'),
            ]),
            gates: [
              [0, 1],
              [1, 2],
              [2, 3],
              [3, 4],
            ].map((qubits) => ({
              gate: 'cx',
              qubits,
              parameters: [param('gate_error', 0.01, '')],
            })),
            general: [],
          },
        },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await publish('2026-12-01T08:00:00Z', 80);
    const page = await newPage();
    await signIn(page);
    await go(page, '#/backends/rig');
    await page.getByRole('heading', { name: 'rig', exact: true }).waitFor();
    await page
      .getByTestId('calibration-date')
      .getByText(/12\/1\/2026/)
      .waitFor();
    expect(await page.locator('[data-qubit]').count()).toBe(5);
    await page.getByText('Every qubit').click();
    const row0 = page.locator('tbody tr').first();
    expect(await row0.locator('td').nth(1).textContent()).toBe('80 µs');
    // Frequencies in Hz read as GHz.
    expect(await row0.locator('td').nth(4).textContent()).toBe('5.100 GHz');
    await publish('2026-12-07T08:00:00Z', 120);
    await page.getByRole('button', { name: 'Read the calibration again' }).click();
    await page
      .getByTestId('calibration-date')
      .getByText(/12\/7\/2026/)
      .waitFor();
    expect(await row0.locator('td').nth(1).textContent()).toBe('120 µs');
    await page.close();
  }, 60_000);

  it('shows every instance at once by default, and one when chosen', async () => {
    const res = await call(base, KEY, 'POST', '/api/v1/sessions', {
      mode: 'batch',
      backend: 'lab',
    });
    expect(res.status).toBe(200);
    const b = await fetch(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'service-crn': 'team-b',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ mode: 'batch', backend: 'fast' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const page = await newPage();
    await signIn(page);
    await go(page, '#/sessions');
    // All instances: both sessions, each with its instance.
    await page.locator(`a[href="#/sessions/${res.body.id}"]`).waitFor();
    await page.locator(`a[href="#/sessions/${b.id}"]`).waitFor();
    const rowOf = (id: string) =>
      page.locator('tbody tr', { has: page.locator(`a[href="#/sessions/${id}"]`) });
    expect(await rowOf(b.id).locator('td').last().textContent()).toBe('team-b');
    expect(await rowOf(res.body.id).locator('td').last().textContent()).toBe('default');
    await page.getByLabel('Instance').selectOption({ label: 'team-b' });
    await page.waitForFunction(
      (id) => !document.querySelector(`a[href="#/sessions/${id}"]`),
      res.body.id,
    );
    expect(await page.locator(`a[href="#/sessions/${b.id}"]`).count()).toBe(1);
    expect(await page.evaluate(() => sessionStorage.getItem('berth.instance'))).toBe(TEAM_B);
    await page.getByLabel('Instance').selectOption({ label: 'All instances' });
    await page.locator(`a[href="#/sessions/${res.body.id}"]`).waitFor();
    await page.close();
  }, 60_000);

  it('shows an administrator a student’s dedicated session from any instance: its holder, jobs and paused countdown', async () => {
    const asB = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${KEY}`,
          'service-crn': 'team-b',
          'content-type': 'application/json',
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
        .then((r) => r.text())
        .then((t): any => (t ? JSON.parse(t) : null));
    const session = await asB('POST', '/api/v1/sessions', { mode: 'dedicated', backend: 'queue' });
    const job = await asB('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'queue',
      session_id: session.id,
      params: { pubs: [[BELL, null, 10]] },
    });
    for (
      let i = 0;
      i < 100 && (await asB('GET', `/api/v1/jobs/${job.id}`)).status !== 'Running';
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const page = await newPage();
    await signIn(page);
    await page.getByRole('heading', { name: 'Backends' }).waitFor();
    const holder = page.locator('[data-backend="queue"] [data-testid="holder"]');
    await page.waitForFunction(() =>
      /team-b/.test(
        document.querySelector('[data-backend="queue"] [data-testid="holder"]')?.textContent ?? '',
      ),
    );
    expect(await holder.textContent()).toContain(`dedicated session ${session.id.slice(0, 8)}`);
    expect(await page.locator('[data-backend="queue"] .instance-legend').textContent()).toContain(
      'team-b',
    );
    await go(page, `#/sessions/${session.id}`);
    await page.locator(`tr[data-job="${job.id}"]`).waitFor();
    expect(await page.getByTestId('idle-countdown').textContent()).toMatch(
      /^paused while jobs run or wait/,
    );
    await asB('DELETE', `/api/v1/sessions/${session.id}/close`);
    await asB('DELETE', `/api/v1/jobs/${job.id}`);
    await page.close();
  }, 60_000);

  it('creates a key, shown once, and revokes it from the admin page', async () => {
    const page = await newPage();
    await signIn(page);
    await go(page, '#/admin');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('student-7');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('[data-testid="new-key"]').textContent()) ?? '';
    expect(key.length).toBeGreaterThanOrEqual(16);
    // The new key works, until it is revoked from the page.
    expect((await call(base, key, 'GET', '/api/v1/sessions')).status).toBe(200);
    const row = page.locator('tr', { hasText: 'student-7' });
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/^revoked /).waitFor();
    expect((await call(base, key, 'GET', '/api/v1/sessions')).status).toBe(401);
    expect(await row.getByTestId('key-instances').textContent()).toBe('default');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows an administrator each instance’s share, limit and usage, and each user’s part', async () => {
    // A student's key in team-b runs a job there; the administrator's jobs are in default.
    const made = await api('POST', '/admin/keys', {
      name: 'student-9',
      user_id: 'student-9',
      instances: [TEAM_B],
    });
    const job = await call(base, made.body.key as string, 'POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'fast',
      params: { pubs: [[BELL, null, 10]] },
    });
    expect(job.status).toBe(200);
    await untilStatus(job.body.id as string, 'Completed');
    const page = await newPage();
    await signIn(page);
    await go(page, '#/admin');
    const teamB = page.locator('[data-testid="admin-instances"] tr[data-instance="team-b"]');
    await teamB.waitFor();
    const cells = await teamB.locator('td').allTextContents();
    // Name, CRN, share (1 of 2), usage, limit, users.
    expect(cells.slice(0, 3)).toEqual(['team-b', TEAM_B, '1 (50 %)']);
    expect(cells[4]).toBe('none');
    // The administrator also ran jobs in team-b (earlier tests): both users are listed.
    expect(cells[5]).toMatch(/\bstudent-9 (< 1|\d+) s\b/);
    const defaults = page.locator('[data-testid="admin-instances"] tr[data-instance="default"]');
    expect(await defaults.locator('td').last().textContent()).toMatch(/\badmin (< 1|\d+) s/);
    // The usage page: the administrator sees every user of each instance.
    await go(page, '#/usage');
    const table = page.locator(`[data-instance="${TEAM_B}"] [data-testid="usage-by-user"]`);
    await table.waitFor();
    expect(await table.getByRole('cell', { name: 'student-9', exact: true }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 60_000);
});
