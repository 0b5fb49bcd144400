/** Shared by the dashboard tests: the site, headless Chromium (playwright-core + Debian's chromium), artifacts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { encode, makeIcon, makePhoto, makeSvg, tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { waitFor } from '../helpers/wait';

export const CHROMIUM = process.env.DOUBLON_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/dashboard');

/**
 * The basic site (one near group of 4: assets/photo-a.png and its exact, pixel and near copies) plus:
 * - shared/photo-c.png + copies/photo-c-copy.png     exact, 2 files
 * - assets/logo.svg + copies/logo-copy.svg           exact SVG, 2 files (rasterised thumbnails)
 * - assets/badge.png + copies/badge-z9.png           pixel (same icon, other PNG compression)
 */
export async function writeDashboardSite(dir: string): Promise<void> {
  await writeBasicSite(dir);
  const c = await makePhoto(5, 400, 300);
  await write(dir, 'shared/photo-c.png', c);
  await write(dir, 'copies/photo-c-copy.png', c);
  const svg = makeSvg(7);
  await write(dir, 'assets/logo.svg', svg);
  await write(dir, 'copies/logo-copy.svg', svg);
  const badge = await makeIcon(9, 128, 2);
  await write(dir, 'assets/badge.png', badge);
  await write(dir, 'copies/badge-z9.png', await encode(badge, 'png', { compressionLevel: 9 }));
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh profile each time; fails (never skips) when the browser is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run .ci/install-apt.sh (installs Debian's chromium), or set DOUBLON_CHROMIUM to its executable`,
    );
  }
  const profile = tempDir('doublon-chromium-');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    profile.cleanup();
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      profile.cleanup();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * Polls a browser-side expression until it is truthy (bounded), and returns its value. The expression is a
 * string (the tests compile without the DOM library) run through the DevTools protocol, so the page's CSP
 * (no eval) does not apply to it.
 */
export async function waitUntil<T>(page: Page, expression: string, timeoutMs = 30_000): Promise<T> {
  return waitFor(expression, async () => ((await page.evaluate(expression)) as T) || undefined, timeoutMs);
}

/** Scrolls lazy thumbnails into view until every one has loaded (bounded); returns their count. */
export async function waitForThumbnails(page: Page, selector: string, timeoutMs = 30_000): Promise<number> {
  const count = await waitUntil<number>(
    page,
    `(() => {
    const images = Array.from(document.querySelectorAll(${JSON.stringify(selector)}));
    const pending = images.find((img) => !(img.complete && img.naturalWidth > 0));
    if (!pending) return images.length;
    pending.scrollIntoView({ block: 'center' });
    return 0;
  })()`,
    timeoutMs,
  );
  await page.evaluate('window.scrollTo(0, 0)');
  return count;
}

/** Runs a browser-side expression (a string: the tests compile without the DOM library). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}
