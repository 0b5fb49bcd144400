/** `doublon check --format html --output FILE`: one self-contained file that opens offline in Chromium. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScanReport } from '../../protocol/report';
import { tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';
import { launchBrowser, screenshot, waitForThumbnails, waitUntil, writeDashboardSite, type Browser } from './support';

describe('static HTML report', function () {
  this.timeout(90_000);
  const site = tempDir('doublon-html-report-');
  let browser: Browser | undefined;

  before(async function () {
    await writeDashboardSite(site.path);
  });

  after(async function () {
    await browser?.close();
    site.cleanup();
  });

  it('needs --output', async function () {
    const result = await runCli(site.path, 'check', '--format', 'html', '--no-daemon', '--no-progress');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--format html .*--output/);
  });

  it('writes one self-contained file that shows every group with its images offline', async function () {
    const json = await runCli(site.path, 'scan', '--json', '--no-daemon', '--no-progress');
    const expected = JSON.parse(json.stdout) as ScanReport;
    assert.equal(expected.groups.length, 4);

    const result = await runCli(site.path, 'check', '--format', 'html', '--output', 'report.html', '--no-daemon', '--no-progress');
    assert.equal(result.code, 1, `duplicates fail the check as with every format: ${result.stderr}`);
    const file = path.join(site.path, 'report.html');
    const html = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="(?!data:)/i, 'no external script, stylesheet or image');
    assert.match(html, /data:image\/webp;base64,/);
    const size = Buffer.byteLength(html);
    assert.ok(size < 400_000, `the report stays small (${size} bytes)`);

    browser = await launchBrowser();
    const page = browser.page;
    const requests: string[] = [];
    await page.route('**', (route) => {
      const url = route.request().url();
      requests.push(url);
      return url.startsWith('file:') ? route.continue() : route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await waitUntil(page, `document.querySelectorAll('#groups > li.group').length === ${expected.groups.length}`);
    for (const group of expected.groups) {
      const item = page.locator(`#groups > li.group[data-group="${group.id}"]`);
      assert.equal(await item.locator('.member').count(), group.members.length);
      assert.equal(await item.locator('.member.is-canon').getAttribute('data-path'), group.canonical);
    }
    const images = await waitForThumbnails(page, '#groups .thumb img');
    assert.equal(
      images,
      expected.groups.reduce((n, g) => n + g.members.length, 0),
    );
    assert.equal(await page.locator('#groups button:has-text("Make canonical")').count(), 0, 'read-only: no actions');
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
      [],
      'no network request',
    );
    await screenshot(page, 'static-report');

    // The client-side search and filters work offline too.
    await page.locator('#f-search').fill('badge');
    await waitUntil(page, "document.querySelectorAll('#groups > li.group').length === 1", 10_000);
    await page.locator('#f-search').fill('');
    await page.locator('input[name=class][value=near]').uncheck();
    await waitUntil(page, "document.querySelectorAll('#groups > li.group').length === 3", 10_000);
  });
});
