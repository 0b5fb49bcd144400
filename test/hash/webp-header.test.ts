import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { fingerprint, readHeader } from '../../daemon/hash';
import { makePhoto } from '../fixtures/images';

/** What libvips says of a WebP: the size the decode path used before it read the header itself. */
async function libvipsSize(bytes: Buffer): Promise<{ width: number; height: number; orientation: number }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.pageHeight ?? meta.height ?? 0, orientation: meta.orientation ?? 1 };
}

describe('WebP header (size read without a metadata() call)', function () {
  it('gives the size libvips gives, for lossy, lossless, with alpha, odd and large sizes', async function () {
    const cases: [string, Buffer][] = [];
    for (const [width, height] of [
      [1, 1],
      [3, 517],
      [1023, 2],
      [16383, 4],
    ]) {
      const photo = await sharp(await makePhoto(width + height, Math.min(width, 640), Math.min(height, 640)))
        .resize(width, height, { fit: 'fill' })
        .toBuffer();
      cases.push([`lossy ${width}×${height}`, await sharp(photo).webp({ quality: 80 }).toBuffer()]);
      cases.push([`lossless ${width}×${height}`, await sharp(photo).webp({ lossless: true }).toBuffer()]);
      cases.push([`alpha ${width}×${height}`, await sharp(photo).ensureAlpha(0.5).webp().toBuffer()]);
    }
    for (const [name, bytes] of cases) {
      const header = readHeader(bytes, 'webp');
      assert.ok(header, name);
      assert.deepEqual({ width: header.width, height: header.height, orientation: header.orientation }, await libvipsSize(bytes), name);
    }
  });

  it('leaves animations and files with EXIF (their orientation) to libvips', async function () {
    const frame = await makePhoto(5, 40, 30);
    const animated = await sharp([frame, await makePhoto(6, 40, 30)], { join: { animated: true } })
      .webp()
      .toBuffer();
    assert.equal((await sharp(animated).metadata()).pages, 2);
    assert.equal(readHeader(animated, 'webp'), undefined);
    const oriented = await sharp(frame).webp().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal(readHeader(oriented, 'webp'), undefined);
    // Still decoded: the size and orientation come from libvips.
    const fp = await fingerprint(oriented);
    assert.deepEqual([fp.width, fp.height], [30, 40]);
  });

  it('refuses a header it does not understand (libvips is asked)', function () {
    const bytes = Buffer.alloc(40);
    bytes.write('RIFF', 0, 'latin1');
    bytes.write('WEBP', 8, 'latin1');
    for (const chunk of ['VP8 ', 'VP8L', 'ALPH']) {
      bytes.write(chunk, 12, 'latin1');
      assert.equal(readHeader(bytes, 'webp'), undefined, chunk);
    }
  });
});
