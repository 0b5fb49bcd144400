/**
 * The dashboard end to end: a real daemon process on a generated site, real HTTP, headless Chromium.
 * The tests run in order on one daemon and one page (each builds on the previous state).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page, Request } from 'playwright-core';
import type { GroupsResult } from '../../protocol/methods';
import { tempDir } from '../fixtures/images';
import { copyInto, startDaemonProcess, waitFor, type DaemonHandle } from '../helpers/daemon';
import { dashboardUrl } from '../../daemon/dashboard/serve';
import { inPage, launchBrowser, waitUntil, screenshot, waitForThumbnails, writeDashboardSite, type Browser } from './support';

const GROUP = '#groups > li.group';

async function groupCanonicals(page: Page): Promise<string[]> {
  return page
    .locator(`${GROUP} .member.is-canon`)
    .evaluateAll((items) => items.map((i) => (i as unknown as { dataset: { path: string } }).dataset.path));
}

async function waitForGroupCount(page: Page, count: number): Promise<void> {
  await waitUntil(page, `document.querySelectorAll(${JSON.stringify(GROUP)}).length === ${count}`);
}

function rpcCall(method: string) {
  return (request: Request): boolean => {
    if (!request.url().endsWith('/rpc') || request.method() !== 'POST') return false;
    try {
      return (request.postDataJSON() as { method?: string }).method === method;
    } catch {
      return false;
    }
  };
}

describe('dashboard: real daemon, headless Chromium', function () {
  this.timeout(90_000);
  const site = tempDir('doublon-dash-site-');
  const index = tempDir('doublon-dash-index-');
  let daemon: DaemonHandle | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url: string;
  const consoleErrors: string[] = [];

  before(async function () {
    await writeDashboardSite(site.path);
    daemon = await startDaemonProcess(site.path, index.path);
    await daemon.idle();
    url = dashboardUrl(daemon.info);
    browser = await launchBrowser();
    page = browser.page;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  after(async function () {
    await browser?.close();
    await daemon?.stop();
    site.cleanup();
    index.cleanup();
  });

  it('lists every group of the site with its thumbnails, and takes the token out of the address bar', async function () {
    const expected = await daemon!.http.request<GroupsResult>('doublon/groups', { limit: 100 });
    assert.equal(expected.total, 4, 'the site makes 4 groups');
    await page.goto(url);
    await waitForGroupCount(page, 4);
    assert.equal(new URL(page.url()).search, '', 'the token is removed from the address bar');
    assert.equal(await inPage(page, "sessionStorage.getItem('doublon.token')"), daemon!.info.token);
    // Every group, largest savings first, with every member and its thumbnail.
    assert.deepEqual(
      await groupCanonicals(page),
      expected.groups.map((g) => g.canonical),
    );
    for (const group of expected.groups) {
      const item = page.locator(`${GROUP}[data-group="${group.id}"]`);
      assert.deepEqual(
        await item.locator('.member').evaluateAll((m) => m.map((x) => (x as unknown as { dataset: { path: string } }).dataset.path)),
        group.members.map((m) => m.path),
      );
      const heading = await item.locator('h2').innerText();
      assert.match(heading, new RegExp(`${group.class}`));
      assert.match(heading, /reclaimable/);
      assert.match(await item.locator('.member.is-canon').innerText(), /rule: /);
    }
    const thumbs = await waitForThumbnails(page, `${GROUP} .thumb img`);
    assert.equal(
      thumbs,
      expected.groups.reduce((n, g) => n + g.members.length, 0),
    );
    const alts = await page.locator(`${GROUP} img`).evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt') ?? ''));
    assert.ok(
      alts.every((alt) => /^Image .+, \d+×\d+$/.test(alt)),
      `every image has alt text: ${alts.join(' | ')}`,
    );
    assert.match(await page.locator('#totals').innerText(), /4 groups · 6 duplicates · .* reclaimable in total/);
    await screenshot(page, 'list-1280x800');
  });

  it('filters by class, folder, minimum savings and path, and sorts by group size', async function () {
    await page.locator('input[name=class][value=near]').uncheck();
    await page.locator('input[name=class][value=pixel]').uncheck();
    await waitForGroupCount(page, 2);
    assert.deepEqual((await groupCanonicals(page)).sort(), ['assets/logo.svg', 'shared/photo-c.png']);
    await page.locator('input[name=class][value=near]').check();
    await page.locator('input[name=class][value=pixel]').check();
    await waitForGroupCount(page, 4);

    await page.locator('#f-folder').fill('shared');
    await waitForGroupCount(page, 1);
    assert.deepEqual(await groupCanonicals(page), ['shared/photo-c.png']);
    await page.locator('#f-folder').fill('');
    await waitForGroupCount(page, 4);

    await page.locator('#f-min').selectOption('102400');
    await waitForGroupCount(page, 2);
    await page.locator('#f-min').selectOption('0');
    await waitForGroupCount(page, 4);

    await page.locator('#f-search').fill('LOGO-copy');
    await waitForGroupCount(page, 1);
    assert.deepEqual(await groupCanonicals(page), ['assets/logo.svg']);
    await page.locator('#f-search').fill('');
    await waitForGroupCount(page, 4);

    await page.locator('#f-sort').selectOption('size');
    await waitUntil(page, `document.querySelector('${GROUP}').querySelectorAll('.member').length === 4`, 10_000);
    await page.locator('#f-sort').selectOption('path');
    await waitUntil(page, `document.querySelector('${GROUP} .member.is-canon').dataset.path === 'assets/logo.svg'`, 10_000);
    const byPath = await groupCanonicals(page);
    assert.deepEqual(byPath, [...byPath].sort());
    await page.locator('#f-sort').selectOption('bytes');
    assert.match(await page.locator('#summary').innerText(), /Showing 4 groups · 6 duplicates/);
  });

  it('compares two images (side by side, slider, difference) from the keyboard; Esc closes and focus returns', async function () {
    // Tab from the search box through the filters to the first Compare button (the tab order is the reading order).
    await page.locator('#f-search').focus();
    let presses = 0;
    while ((await inPage(page, 'document.activeElement.textContent')) !== 'Compare') {
      assert.ok(++presses < 40, 'Tab reaches a Compare button');
      await page.keyboard.press('Tab');
    }
    assert.ok(
      await inPage<boolean>(page, "getComputedStyle(document.activeElement).outlineStyle !== 'none'"),
      'the focused button shows an outline',
    );
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#compare');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    await waitForThumbnails(page, '#cmp-stage img');
    assert.equal(await page.locator('#cmp-stage img').count(), 2);
    await page.locator('input[name=cmp-mode][value=slider]').check();
    await waitForThumbnails(page, '#cmp-stage img');
    await page.locator('#cmp-slider').focus();
    await page.keyboard.press('ArrowLeft');
    assert.match(
      await page.locator('#cmp-stage img.top').evaluate((img) => (img as unknown as { style: { clipPath: string } }).style.clipPath),
      /inset\(0(px)? 0(px)? 0(px)? 49%\)/,
    );
    await screenshot(page, 'compare-slider');
    await page.locator('input[name=cmp-mode][value=diff]').check();
    await waitForThumbnails(page, '#cmp-stage img');
    assert.equal(await page.locator('#cmp-stage .cmp-over.diff').count(), 1);
    await screenshot(page, 'compare-difference');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await inPage(page, 'document.activeElement.textContent'), 'Compare', 'focus returns to the button that opened the view');
  });

  it('stays usable in a 400 px wide window', async function () {
    await page.setViewportSize({ width: 400, height: 800 });
    try {
      await waitUntil(page, 'document.documentElement.scrollWidth <= 400', 10_000);
      assert.ok(await page.locator('#f-search').isVisible());
      assert.ok(await page.locator(`${GROUP} button:has-text("Not duplicates")`).first().isVisible());
      await screenshot(page, 'list-400-wide');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('shows a group added on disk without a reload', async function () {
    await page.evaluate('window.__notReloaded = true');
    copyInto(site.path, 'assets/photo-b.png', 'copies/photo-b-copy.png');
    await waitForGroupCount(page, 5);
    await page.locator(`${GROUP} .member[data-path="copies/photo-b-copy.png"]`).waitFor({ timeout: 10_000 });
    assert.equal(await inPage(page, 'window.__notReloaded'), true, 'the page was not reloaded');
    await waitForThumbnails(page, `${GROUP} .thumb img`);
  });

  it('sets the canonical: sends doublon/setCanonical and shows the new canonical with its rule', async function () {
    const group = page.locator(`${GROUP}:has(.member[data-path="copies/photo-c-copy.png"])`);
    const sent = page.waitForRequest(rpcCall('doublon/setCanonical'), { timeout: 10_000 });
    await group.locator('.member[data-path="copies/photo-c-copy.png"] button:has-text("Make canonical")').click();
    const request = await sent;
    assert.deepEqual((request.postDataJSON() as { params: unknown }).params, { path: 'copies/photo-c-copy.png' });
    const canonical = page.locator(`${GROUP} .member.is-canon[data-path="copies/photo-c-copy.png"]`);
    await canonical.waitFor({ timeout: 10_000 });
    assert.match(await canonical.innerText(), /rule: preferred/);
    await waitForGroupCount(page, 5);
    const groups = await daemon!.http.request<GroupsResult>('doublon/groups', {});
    assert.equal(
      groups.groups.find((g) => g.members.some((m) => m.path === 'copies/photo-c-copy.png'))?.canonical,
      'copies/photo-c-copy.png',
    );
  });

  it('ignores a group: sends doublon/ignore with its files and the group disappears', async function () {
    const group = page.locator(`${GROUP}:has(.member[data-path="assets/logo.svg"])`);
    page.once('dialog', (dialog) => void dialog.accept());
    const sent = page.waitForRequest(rpcCall('doublon/ignore'), { timeout: 10_000 });
    await group.locator('button:has-text("Not duplicates")').focus();
    await page.keyboard.press('Space');
    const request = await sent;
    assert.deepEqual((request.postDataJSON() as { params: { paths: string[] } }).params.paths.sort(), [
      'assets/logo.svg',
      'copies/logo-copy.svg',
    ]);
    await waitForGroupCount(page, 4);
    assert.equal(await page.locator(`${GROUP} .member[data-path="assets/logo.svg"]`).count(), 0);
    const config = JSON.parse(fs.readFileSync(path.join(site.path, 'doublon.config.json'), 'utf8')) as { ignore: unknown[] };
    assert.equal(config.ignore.length, 1);
    await waitFor('the daemon to drop the group', async () => (await daemon!.http.request<GroupsResult>('doublon/groups', {})).total === 4);
    assert.deepEqual(consoleErrors, [], 'no errors on the page console');
  });

  it('replaces a group: shows the plan, applies it on confirmation, and the copy goes to the trash', async function () {
    // A page referencing both badges: the references tie, so the smaller file (the -z9 copy) is canonical.
    fs.mkdirSync(path.join(site.path, 'pages'), { recursive: true });
    fs.writeFileSync(
      path.join(site.path, 'pages/badge.html'),
      '<img src="../copies/badge-z9.png" alt="a">\n<img src="../assets/badge.png" alt="b">\n',
    );
    await waitFor('the reference to be indexed', async () => {
      const { groups } = await daemon!.http.request<GroupsResult>('doublon/groups', {});
      return (
        groups.find((g) => g.canonical === 'copies/badge-z9.png')?.members.find((m) => m.path === 'assets/badge.png')?.references === 1
      );
    });
    const group = page.locator(`${GROUP}:has(.member[data-path="assets/badge.png"])`);
    await group.locator('button:has-text("Replace copies")').waitFor({ timeout: 10_000 });
    let shown = '';
    page.once('dialog', (dialog) => {
      shown = dialog.message();
      void dialog.accept();
    });
    const applied = page.waitForRequest(rpcCall('doublon/replaceApply'), { timeout: 10_000 });
    await group.locator('button:has-text("Replace copies")').click();
    await applied;
    assert.match(shown, /pages\/badge\.html:2 {2}\.\.\/assets\/badge\.png → \.\.\/copies\/badge-z9\.png/);
    assert.match(shown, /remove assets\/badge\.png/);
    await waitFor(
      'the page rewritten and the copy moved to the trash',
      () =>
        fs.readFileSync(path.join(site.path, 'pages/badge.html'), 'utf8').includes('src="../copies/badge-z9.png" alt="b"') &&
        !fs.existsSync(path.join(site.path, 'assets/badge.png')),
    );
    await waitForGroupCount(page, 3);
    assert.ok(fs.readdirSync(path.join(index.path, 'trash')).length > 0, 'the removed file is kept in the trash');
    await screenshot(page, 'after-replace');
  });
});
