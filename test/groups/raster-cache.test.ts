/**
 * The raster caches (detail rasters, exact pixels) are bounded by the bytes of the rasters they keep, not by
 * their number: real photos decoded by sharp from a temp folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detailCache, exactCache } from '../../daemon/groups/raster-cache';
import { makePhoto, tempDir } from '../fixtures/images';

describe('raster caches', function () {
  this.timeout(60_000);
  const dir = tempDir('doublon-raster-cache-');
  const files: string[] = [];
  /** 320×240 photos: 307 200 bytes of RGBA each. */
  const RASTER = 320 * 240 * 4;

  before(async () => {
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir.path, `p${i}.jpg`);
      fs.writeFileSync(file, await makePhoto(i, 320, 240));
      files.push(file);
    }
  });
  after(() => dir.cleanup());

  it('keeps the most recently used rasters that fit in its budget', async () => {
    const detail = detailCache(1e8, 2 * RASTER + 1000);
    const first = await detail('a', files[0]);
    assert.ok(first);
    assert.equal(first.rgba.byteLength, RASTER);
    assert.equal(await detail('a', files[0]), first, 'a hit is the same raster');
    await detail('b', files[1]);
    assert.equal(await detail('a', files[0]), first, 'two rasters fit');
    // A third raster does not fit: the least recently used (b) goes, a stays.
    await detail('c', files[2]);
    assert.equal(await detail('a', files[0]), first);
    const b = await detail('b', files[1]);
    assert.ok(b);
    // b was decoded again, and c (now least recently used) went for it.
    const c1 = await detail('c', files[2]);
    const c2 = await detail('c', files[2]);
    assert.equal(c1, c2);
    assert.notEqual(await detail('a', files[0]), first, 'a was evicted when b and c came back');
  });

  it('keeps a raster larger than the whole budget while it is the one in use', async () => {
    const detail = detailCache(1e8, 1000);
    const raster = await detail('a', files[0]);
    assert.ok(raster);
    assert.equal(await detail('a', files[0]), raster);
    await detail('b', files[1]);
    assert.notEqual(await detail('a', files[0]), raster);
  });

  it('keeps exact pixels the same way, at the full size of the image', async () => {
    const exact = exactCache({}, RASTER + 1000);
    const first = await exact('a', files[0]);
    assert.ok(first);
    assert.deepEqual([first.width, first.height, first.rgba.byteLength], [320, 240, RASTER]);
    assert.equal(await exact('a', files[0]), first, 'a hit is the same pixels');
    await exact('b', files[1]);
    assert.notEqual(await exact('a', files[0]), first, 'one raster fits: a was evicted by b');
    assert.equal(await exact('gone', path.join(dir.path, 'missing.png')), undefined);
  });

  it('drops every raster on clear (an idle daemon holds no pixels)', async () => {
    const detail = detailCache(1e8);
    const first = await detail('a', files[0]);
    assert.equal(await detail('a', files[0]), first);
    detail.clear();
    const again = await detail('a', files[0]);
    assert.ok(again);
    assert.notEqual(again, first, 'decoded anew after clear');
  });

  it('gives undefined for a file that cannot be read or decoded', async () => {
    const detail = detailCache(1e8);
    assert.equal(await detail('gone', path.join(dir.path, 'missing.png')), undefined);
    const junk = path.join(dir.path, 'junk.png');
    fs.writeFileSync(junk, 'not an image');
    assert.equal(await detail('junk', junk), undefined);
  });
});
