/**
 * No open endpoint: without the token the page's data, events and thumbnails are refused (401), the shell
 * says so; thumbnails refuse paths outside the roots (403) and are cached by content with an ETag.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import sharp from 'sharp';
import { encode, makePhoto, tempDir } from '../fixtures/images';
import { startDaemonProcess, type DaemonHandle } from '../helpers/daemon';
import { write } from '../helpers/site';
import { inPage, launchBrowser, screenshot, waitUntil, writeDashboardSite, type Browser } from './support';

describe('dashboard: access and thumbnails', function () {
  this.timeout(90_000);
  const site = tempDir('doublon-dash-access-');
  const index = tempDir('doublon-dash-access-index-');
  const outside = tempDir('doublon-dash-outside-');
  let daemon: DaemonHandle | undefined;
  let base: string;
  let token: string;

  before(async function () {
    await writeDashboardSite(site.path);
    // An image outside the roots, and a link inside a root pointing at it.
    const secret = await write(
      outside.path,
      'secret.png',
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
        .png()
        .toBuffer(),
    );
    fs.symlinkSync(secret, path.join(site.path, 'assets', 'link-out.png'));
    // A landscape picture stored with EXIF orientation 6 (shown rotated 90°: portrait).
    await write(site.path, 'assets/rotated.jpg', await encode(await makePhoto(11, 320, 240), 'jpeg', { orientation: 6 }));
    daemon = await startDaemonProcess(site.path, index.path);
    await daemon.idle();
    base = `http://127.0.0.1:${daemon.info.port}`;
    token = daemon.info.token;
  });

  after(async function () {
    await daemon?.stop();
    site.cleanup();
    index.cleanup();
    outside.cleanup();
  });

  const thumb = (p: string, extra = ''): string => `${base}/thumbs?path=${encodeURIComponent(p)}&size=160${extra}`;

  it('refuses the API, the events and the thumbnails without the right token (401)', async function () {
    const rpc = (headers: Record<string, string>) =>
      fetch(`${base}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'doublon/groups' }),
      });
    assert.equal((await rpc({})).status, 401);
    assert.equal((await rpc({ authorization: `Bearer ${'0'.repeat(64)}` })).status, 401);
    assert.equal((await rpc({ authorization: `Bearer ${token}` })).status, 200);
    assert.equal(
      (await fetch(`${base}/rpc?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
      401,
      'POST takes no ?token=',
    );
    assert.equal((await fetch(`${base}/events`)).status, 401);
    assert.equal((await fetch(thumb('assets/photo-a.png'))).status, 401);
    assert.equal((await fetch(thumb('assets/photo-a.png', '&token=wrong-token-wrong-token'))).status, 401);
    const ok = await fetch(thumb('assets/photo-a.png', `&token=${token}`));
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  });

  it('serves the page shell without the token, and the page says the token is missing', async function () {
    const shell = await fetch(`${base}/`);
    assert.equal(shell.status, 200);
    assert.match(shell.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(await shell.text(), /photo-a/, 'the shell holds no data');
    // (fetch cannot set Host: node:http can.)
    const rebound = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: daemon!.info.port, path: '/', headers: { host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    assert.equal(rebound, 403, 'the Host check still applies to the shell');

    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = browser.page;
      const refused: string[] = [];
      page.on('response', (response) => {
        if (response.status() === 401) refused.push(new URL(response.url()).pathname);
      });
      await page.goto(`${base}/`);
      await waitUntil(page, "document.querySelector('#auth-error') !== null", 15_000);
      assert.match(await page.locator('#auth-error').innerText(), /Missing or wrong token/);
      assert.equal(await page.locator('#groups > li.group').count(), 0);
      await screenshot(page, 'missing-token');

      await page.goto(`${base}/?token=${'f'.repeat(64)}`);
      await waitUntil(page, "document.querySelector('#auth-error') !== null", 15_000);
      assert.match(await page.locator('#auth-error').innerText(), /Wrong token/);
      assert.ok(refused.includes('/rpc'), `the API refused the wrong token (${refused.join(', ')})`);
      assert.equal(await inPage(page, "sessionStorage.getItem('doublon.token')"), null, 'a refused token is forgotten');
    } finally {
      await browser?.close();
    }
  });

  it('refuses thumbnails of paths outside the roots (403), even through a link', async function () {
    for (const p of [
      '../outside.png',
      '../../../../etc/passwd',
      '/etc/hostname',
      path.join(outside.path, 'secret.png'),
      'assets/link-out.png',
    ]) {
      const response = await fetch(thumb(p, `&token=${token}`));
      assert.equal(response.status, 403, `${p} → ${response.status}`);
      assert.equal(((await response.json()) as { error: string }).error, 'outside_roots');
    }
    const index = await fetch(thumb(path.join(daemon!.info.indexDir, 'daemon.json'), `&token=${token}`));
    assert.ok(index.status === 403 || index.status === 404, `the index folder is not served (${index.status})`);
    await index.arrayBuffer();
    const notImage = await fetch(thumb('missing.png', `&token=${token}`));
    assert.equal(notImage.status, 404);
    await notImage.arrayBuffer();
  });

  it('serves a small WebP (SVG rasterised, EXIF applied), cached by content, with an ETag and private caching', async function () {
    const first = await fetch(thumb('assets/logo.svg', `&token=${token}`));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'image/webp');
    assert.match(first.headers.get('cache-control') ?? '', /^private, max-age=\d+/);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const meta = await sharp(Buffer.from(await first.arrayBuffer())).metadata();
    assert.equal(meta.format, 'webp');
    assert.ok(meta.width <= 160 && meta.height <= 160 && meta.width > 0);

    const cached = fs
      .readdirSync(path.join(daemon!.info.indexDir, 'thumbs'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('-160.webp'));
    assert.ok(cached.length >= 1, 'the thumbnail is cached under <indexDir>/thumbs');

    const again = await fetch(thumb('assets/logo.svg', `&token=${token}`), { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    // The same content at another path shares the ETag (content-addressed).
    const copy = await fetch(thumb('copies/logo-copy.svg', `&token=${token}`));
    assert.equal(copy.headers.get('etag'), etag);
    await copy.arrayBuffer();
    // A URL naming the content is immutable.
    const sha = (await daemon!.http.request<{ sha256: string }>('doublon/fileInfo', { path: 'assets/logo.svg' })).sha256;
    const named = await fetch(thumb('assets/logo.svg', `&v=${sha.slice(0, 12)}&token=${token}`));
    assert.match(named.headers.get('cache-control') ?? '', /immutable/);
    await named.arrayBuffer();

    const rotated = await fetch(thumb('assets/rotated.jpg', `&token=${token}`));
    assert.equal(rotated.status, 200);
    const turned = await sharp(Buffer.from(await rotated.arrayBuffer())).metadata();
    assert.deepEqual([turned.width, turned.height], [120, 160], 'the EXIF orientation is applied');

    const bad = await fetch(`${base}/thumbs?path=assets/logo.svg&size=99999&token=${token}`);
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();
  });
});
