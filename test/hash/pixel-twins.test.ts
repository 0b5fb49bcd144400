import * as assert from 'node:assert/strict';
import { fingerprint, hammingDistance, mayBePixelTwins, pixelDigest } from '../../daemon/hash';
import { encode, makePhoto } from '../fixtures/images';

// Lossless copies of one photo show the same pixels, yet their thumbnail hashes may differ (libvips shrinks a
// WebP on load with libwebp's scaler): the verification must still decode them fully before any detail check.
describe('pixel twins', function () {
  this.timeout(60000);

  it('a PNG and a lossless WebP of one photo may be twins, and their digests agree', async () => {
    let nearHashes = 0;
    for (const seed of [3, 11, 29]) {
      const png = await makePhoto(seed, 1024, 683);
      const webp = await encode(png, 'webp', { lossless: true });
      const [fa, fb] = await Promise.all([fingerprint(png), fingerprint(webp)]);
      if (hammingDistance(fa.hash, fb.hash) > 0) nearHashes++;
      assert.ok(mayBePixelTwins(fa, fb), `seed ${seed}: ${hammingDistance(fa.hash, fb.hash)} bits apart`);
      assert.equal(await pixelDigest(png), await pixelDigest(webp));
    }
    // At least one pair exercises the near-hash case (else the test would only repeat the equal-hash one).
    assert.ok(nearHashes > 0, 'every pair had equal hashes');
  });

  it('a lossy copy or another size is not a twin candidate unless its hash is the same', async () => {
    const png = await makePhoto(5, 640, 480);
    const jpeg = await encode(png, 'jpeg', { quality: 70 });
    const smaller = await encode(png, 'png', { width: 320, height: 240 });
    const [fp, fj, fs] = await Promise.all([fingerprint(png), fingerprint(jpeg), fingerprint(smaller)]);
    assert.equal(mayBePixelTwins(fp, fj), hammingDistance(fp.hash, fj.hash) === 0);
    assert.equal(mayBePixelTwins(fp, fs), false);
  });

  it('two different photos of one size are not twin candidates', async () => {
    const [a, b] = await Promise.all([makePhoto(1, 320, 240), makePhoto(2, 320, 240)]);
    const webp = await encode(b, 'webp', { lossless: true });
    assert.equal(mayBePixelTwins(await fingerprint(a), await fingerprint(webp)), false);
  });

  it('two JPEGs of other quantization tables, or two lossy codecs, are not twin candidates; a metadata-only copy is', async () => {
    const png = await makePhoto(7, 640, 480);
    const [q90, q60] = await Promise.all([encode(png, 'jpeg', { quality: 90 }), encode(png, 'jpeg', { quality: 60 })]);
    // A comment segment after SOI: other bytes, the same coding tables, the same pixels.
    const comment = Buffer.from([0xff, 0xfe, 0x00, 0x07, 0x63, 0x6f, 0x70, 0x79, 0x21]);
    const commented = Buffer.concat([q90.subarray(0, 2), comment, q90.subarray(2)]);
    const [f90, f60, fc, fp] = await Promise.all([fingerprint(q90), fingerprint(q60), fingerprint(commented), fingerprint(png)]);
    assert.ok(f90.jpegTables && f60.jpegTables, 'JPEG fingerprints name their tables');
    assert.equal(fp.jpegTables, undefined);
    // Even with equal hashes (forced here), other tables mean no full decode; the same tables still get one.
    assert.equal(mayBePixelTwins(f90, { ...f60, hash: f90.hash }), false);
    assert.equal(mayBePixelTwins(f90, fc), true);
    assert.equal(await pixelDigest(q90), await pixelDigest(commented));
    assert.notEqual(await pixelDigest(q90), await pixelDigest(q60));
    // A PNG and a JPEG of one size and hash are still worth the decode (a PNG saved from a decoded JPEG).
    assert.equal(mayBePixelTwins(fp, { ...f90, hash: fp.hash }), true);
    // Two lossy codecs lose differently: a lossy WebP is no JPEG's twin, but may be a PNG's.
    const fw = await fingerprint(await encode(png, 'webp', { quality: 90 }));
    assert.equal(mayBePixelTwins(f90, { ...fw, hash: f90.hash }), false);
    assert.equal(mayBePixelTwins(fp, { ...fw, hash: fp.hash }), true);
  });
});
