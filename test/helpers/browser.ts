/**
 * A headless Chromium for browser tests, with no system package needed: Debian's
 * /usr/bin/chromium where it is installed, otherwise the one shipped inside the npm package
 * @sparticuz/chromium (a dev dependency), unpacked once per version under node_modules/.cache.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium as playwright } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a quiet browser on a machine without internet: without the background-networking
 * ones Chromium keeps trying hosts it cannot reach.
 */
const QUIET = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The package's recommended flags minus those that would change what the tests check: web
 * security and site isolation stay on, so a page on a disallowed origin really cannot read the
 * API (the CORS assertions).
 */
const WEAKENING = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
]);

interface PackagedChromium {
  executablePath(input?: string): Promise<string>;
  readonly args: string[];
}

let packaged: Promise<{ executablePath: string; args: string[] }> | undefined;

/**
 * The package unpacks into os.tmpdir() and reuses whatever `chromium` it finds there, even one
 * of another version (whose libraries then crash it). So each version gets a directory of its
 * own, filled in a private directory and renamed into place: parallel test files never see a
 * half-written browser.
 */
async function unpackPackaged(): Promise<{ executablePath: string; args: string[] }> {
  // The package exports only its entry point; its folder is the one above build/.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const pkgDir = entry.slice(0, entry.lastIndexOf(`${sep}build${sep}`));
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache');
  const final = join(root, `sparticuz-chromium-${version}`);
  const mod = (await import('@sparticuz/chromium')) as unknown as { default: PackagedChromium };
  const pkg = mod.default;
  const args = pkg.args.filter((a) => !WEAKENING.has(a));
  if (!existsSync(join(final, 'chromium'))) {
    mkdirSync(root, { recursive: true });
    const work = mkdtempSync(join(root, 'unpacking-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = work;
    try {
      await pkg.executablePath(join(pkgDir, 'bin'));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    try {
      renameSync(work, final);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another process got there first
    }
  }
  // Its libraries sit beside the binary. Its own fonts.conf names the folders of its Lambda
  // home (/tmp/fonts, /var/task…), not where its fonts were unpacked: with no font at all, a
  // glyph that needs a fallback (a password field's bullets) kills it. This one names them.
  const fontsConf = join(final, 'berth-fonts.conf');
  writeFileSync(
    fontsConf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(final, 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${join(final, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  process.env.FONTCONFIG_FILE ??= fontsConf;
  return { executablePath: join(final, 'chromium'), args };
}

/** Which Chromium the tests use, and with which flags. */
export async function chromiumLaunchOptions(): Promise<{
  executablePath: string;
  args: string[];
}> {
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: QUIET };
  packaged ??= unpackPackaged();
  const { executablePath, args } = await packaged;
  return { executablePath, args: [...new Set([...args, ...QUIET])] };
}

/** Launch headless Chromium (close it in afterAll). */
/** A headless Chromium; `env` replaces the environment it sees (LANG, for a locale test). */
export async function launchChromium(env?: Record<string, string | undefined>): Promise<Browser> {
  const options = await chromiumLaunchOptions();
  return playwright.launch({ ...options, headless: true, ...(env ? { env } : {}) });
}
