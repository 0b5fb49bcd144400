import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  candidateRadius,
  variantRadius,
  directQueryKeys,
  variantQueryKeys,
  compare,
  DEFAULT_NEAR_THRESHOLDS,
  detectFormat,
  fingerprint,
  hammingDistance,
  ImageDecodeError,
  indexKeys,
  pixelDigest,
  sha256,
  shapeKey,
  type Fingerprint,
} from '../../daemon/hash';
import {
  centralHash,
  dct16,
  dihedralHashes,
  flatness,
  gradients,
  median256,
  quality,
  threshold,
  transformCoeffs,
  transformImage,
  N,
} from '../../daemon/hash/pdq';
import { encode, iconSvg, makeIcon, makePhoto, makeSvg, tempDir } from '../fixtures/images';

const T = DEFAULT_NEAR_THRESHOLDS;

/** The grouping pipeline for one pair: a candidate (some query key of one within the radius of some index key of the other) and verified. */
function nearPair(a: Fingerprint, b: Fingerprint): number | undefined {
  const r = candidateRadius(T);
  const rv = variantRadius(T);
  const near = (keys: Uint8Array[], y: Fingerprint, radius: number): boolean =>
    keys.some((q) => indexKeys(y).some((k) => hammingDistance(q, k) <= radius));
  const within = (x: Fingerprint, y: Fingerprint): boolean =>
    near(directQueryKeys(x), y, r) || near(variantQueryKeys(x), y, rv) || near(indexKeys(x), y, r);
  if (!within(a, b) && !within(b, a)) return undefined;
  return compare(a, b, T);
}

async function rejects(bytes: Buffer, pattern: RegExp): Promise<void> {
  await assert.rejects(fingerprint(bytes, { maxPixels: 100_000_000 }), (error: unknown) => {
    assert.ok(error instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('hash', function () {
  let dir: { path: string; cleanup(): void };
  let photo: Buffer;
  let original: Fingerprint;
  beforeEach(async function () {
    dir = tempDir('doublon-hash-');
    photo = await makePhoto(11, 480, 360);
    original = await fingerprint(photo);
  });
  afterEach(function () {
    dir.cleanup();
  });

  /** Writes bytes to the temp dir and reads them back, as the scanner does. */
  function roundTrip(name: string, bytes: Buffer): Buffer {
    const file = path.join(dir.path, name);
    fs.writeFileSync(file, bytes);
    return fs.readFileSync(file);
  }

  describe('format detection', function () {
    it('detects each format from bytes, not the name', async function () {
      const formats = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;
      for (const f of formats) assert.equal(detectFormat(roundTrip(`x-${f}.jpg`, await encode(photo, f))), f);
      assert.equal(detectFormat(roundTrip('vector.png', makeSvg(1))), 'svg');
      assert.equal(detectFormat(roundTrip('notes.jpg', Buffer.from('hello, I am text\n'))), undefined);
    });
    it('a PNG named .jpg decodes as PNG; text named .jpg is rejected', async function () {
      const fp = await fingerprint(roundTrip('photo.jpg', photo));
      assert.equal(fp.format, 'png');
      await rejects(roundTrip('readme.jpg', Buffer.from('# Not an image\nJust text.\n')), /^not an image \(unknown format/);
    });
  });

  describe('decoding', function () {
    it('every format decodes to a near-identical fingerprint', async function () {
      for (const f of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
        const fp = await fingerprint(roundTrip(`p.${f}`, await encode(photo, f)));
        assert.equal(fp.format, f);
        assert.deepEqual([fp.width, fp.height], [480, 360]);
        assert.equal(fp.hash.length, 32);
        assert.ok(nearPair(original, fp) !== undefined, `${f} copy not found`);
      }
    });
    it('SVG is rasterised; transparent icons composite on white', async function () {
      const fp = await fingerprint(makeSvg(3));
      assert.equal(fp.format, 'svg');
      assert.equal(fp.lossless, true);
      assert.deepEqual([fp.width, fp.height], [200, 150]);
      const icon = await fingerprint(await makeIcon(2, 64, 0));
      assert.equal(icon.transparent, true);
      const onWhite = await fingerprint(
        await sharp(await makeIcon(2, 64, 0))
          .flatten({ background: '#ffffff' })
          .png()
          .toBuffer(),
      );
      assert.ok(hammingDistance(icon.hash, onWhite.hash) <= 12, `distance ${hammingDistance(icon.hash, onWhite.hash)}`);
      const fromSvg = await fingerprint(Buffer.from(iconSvg(2, 0, 64)));
      assert.ok(nearPair(icon, fromSvg) !== undefined);
    });
    it('honours EXIF orientation (a JPEG tagged 6 matches the upright original)', async function () {
      const stored = await sharp(photo).rotate(-90).png().toBuffer(); // what a camera stores
      const tagged = await encode(stored, 'jpeg', { orientation: 6, quality: 90 });
      const fp = await fingerprint(tagged);
      assert.deepEqual([fp.width, fp.height], [480, 360]);
      assert.ok(hammingDistance(fp.hash, original.hash) <= 16, `distance ${hammingDistance(fp.hash, original.hash)}`);
      const untagged = await fingerprint(await encode(stored, 'jpeg', { quality: 90 }));
      assert.ok(hammingDistance(untagged.hash, original.hash) > 60);
    });
    it('the fingerprint is small and survives a structured clone', async function () {
      const clone = structuredClone(original);
      assert.deepEqual(clone, original);
      for (const fp of [original, await fingerprint(await makeIcon(2, 64, 0))]) {
        const size = Object.values(fp).reduce<number>((s, v) => s + (v instanceof Uint8Array ? v.length : 8), 0);
        assert.ok(size <= 2048, `${size} bytes`);
        assert.deepEqual(structuredClone(fp), fp);
      }
    });
    it('the 8 dihedral variants equal the hashes of the transformed images', function () {
      const luma = new Float64Array(N * N).map((_, i) => ((i * 7919) % 251) + (i % 64) * 2);
      const c = dct16(luma);
      for (let d = 0; d < 8; d++) {
        const direct = dct16(transformImage(luma, N, d));
        const viaSigns = transformCoeffs(c, d);
        for (let k = 0; k < 256; k++) assert.ok(Math.abs(direct[k] - viaSigns[k]) < 1e-6, `d=${d} k=${k}`);
      }
    });
  });

  describe('fast paths equal the plain definitions, bit for bit', function () {
    // Plain definitions: DCT (and crop-resample) projections as triple loops, the median by a full sort.
    const K = 16;
    const dctRow = (i: number, j: number): number => Math.sqrt(2 / N) * Math.cos((Math.PI / (2 * N)) * (i + 1) * (2 * j + 1));
    const plainProject = (x: Float64Array, m: Float64Array): Float64Array => {
      const tmp = new Float64Array(K * N);
      for (let i = 0; i < K; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < N; k++) {
            const w = m[i * N + k];
            if (w !== 0) s += w * x[k * N + j];
          }
          tmp[i * N + j] = s;
        }
      const out = new Float64Array(K * K);
      for (let i = 0; i < K; i++)
        for (let j = 0; j < K; j++) {
          let s = 0;
          for (let k = 0; k < N; k++) s += tmp[i * N + k] * m[j * N + k];
          out[i * K + j] = s;
        }
      return out;
    };
    const plainThreshold = (c: Float64Array): Uint8Array => {
      const sorted = Float64Array.from(c).sort();
      const median = (sorted[127] + sorted[128]) / 2;
      const h = new Uint8Array(32);
      for (let k = 0; k < 256; k++) if (c[k] > median) h[k >> 3] |= 0x80 >> (k & 7);
      return h;
    };
    const dctM = new Float64Array(K * N).map((_, q) => dctRow(Math.floor(q / N), q % N));
    const centralM = (f: number): Float64Array => {
      const size = N * f,
        off = (N - size) / 2,
        r = new Float64Array(N * N);
      for (let y = 0; y < N; y++) {
        const sy = Math.min(N - 1, Math.max(0, off + ((y + 0.5) * size) / N - 0.5));
        const iy = Math.min(N - 2, Math.floor(sy)),
          fy = sy - iy;
        r[y * N + iy] += 1 - fy;
        r[y * N + iy + 1] += fy;
      }
      const m = new Float64Array(K * N);
      for (let i = 0; i < K; i++)
        for (let y = 0; y < N; y++) {
          const d = dctM[i * N + y];
          for (let k = 0; k < N; k++) m[i * N + k] += d * r[y * N + k];
        }
      return m;
    };
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const images: Float64Array[] = [
      new Float64Array(N * N).fill(255), // flat: every coefficient is rounding noise
      new Float64Array(N * N).fill(37.5),
      new Float64Array(N * N).map((_, i) => (i % N < 32 ? 0 : 255)), // half/half: many exact ties
      new Float64Array(N * N).map(() => Math.round(rand() * 255)),
      new Float64Array(N * N).map((_, i) => 0.299 * ((i * 13) % 256) + 0.587 * ((i * 7) % 256) + 0.114 * (i % 256)),
    ];
    it('DCT, dihedral variants, crop keys', function () {
      for (const [n, img] of images.entries()) {
        const c = dct16(img);
        assert.deepEqual(c, plainProject(img, dctM), `image ${n}: dct16`);
        for (let d = 0; d < 8; d++)
          assert.deepEqual(
            dihedralHashes(c).subarray(32 * d, 32 * d + 32),
            plainThreshold(transformCoeffs(c, d)),
            `image ${n}: variant ${d}`,
          );
        for (const f of [0.9, 0.8])
          assert.deepEqual(centralHash(img, f), plainThreshold(plainProject(img, centralM(f))), `image ${n}: crop ${f}`);
        assert.deepEqual(gradients(img), { quality: quality(img), flatness: flatness(img) });
      }
    });
    it('the median by quickselect equals the sorted median, with ties and signed zeros', function () {
      const cases: Float64Array[] = [
        new Float64Array(256),
        new Float64Array(256).map((_, i) => (i % 3) - 1),
        new Float64Array(256).map((_, i) => (i % 2 ? -0 : 0)),
        new Float64Array(256).map((_, i) => 255 - i),
        new Float64Array(256).map((_, i) => i),
        ...Array.from({ length: 50 }, () => new Float64Array(256).map(() => Math.round((rand() - 0.5) * 20))),
        ...Array.from({ length: 50 }, () => new Float64Array(256).map(() => (rand() - 0.5) * 1e-13)),
      ];
      for (const c of cases) {
        const sorted = Float64Array.from(c).sort();
        assert.ok(median256(c) === (sorted[127] + sorted[128]) / 2); // -0 and +0 alike: they threshold alike
        assert.deepEqual(threshold(c), plainThreshold(c));
      }
    });
  });

  describe('exact and pixel identity', function () {
    it('sha256 is hex of the bytes', function () {
      assert.equal(sha256(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
    it('PNG re-encoded with another compression has the same pixel digest; one changed pixel does not', async function () {
      const a = await encode(photo, 'png', { compressionLevel: 1 });
      const b = await encode(photo, 'png', { compressionLevel: 9 });
      assert.notEqual(sha256(a), sha256(b));
      assert.equal(await pixelDigest(a), await pixelDigest(b));
      const raw = await sharp(photo).raw().toBuffer({ resolveWithObject: true });
      raw.data[1000] ^= 1;
      const changed = await sharp(raw.data, { raw: { width: raw.info.width, height: raw.info.height, channels: raw.info.channels } })
        .png()
        .toBuffer();
      assert.notEqual(await pixelDigest(changed), await pixelDigest(a));
      const lossless = await encode(photo, 'webp', { lossless: true });
      assert.equal(await pixelDigest(lossless), await pixelDigest(a));
      assert.equal((await fingerprint(lossless)).lossless, true);
      assert.equal((await fingerprint(await encode(photo, 'webp'))).lossless, false);
    });
  });

  describe('near duplicates', function () {
    const cases: [string, (p: Buffer) => Promise<Buffer>][] = [
      ['resize 50 %', (p) => encode(p, 'jpeg', { width: 240 })],
      ['JPEG q30', (p) => encode(p, 'jpeg', { quality: 30 })],
      ['WebP', (p) => encode(p, 'webp')],
      ['flip', (p) => sharp(p).flop().png().toBuffer()],
      ['rotate 90', (p) => sharp(p).rotate(90).png().toBuffer()],
      ['crop 10 %', (p) => sharp(p).extract({ left: 30, top: 12, width: 432, height: 324 }).jpeg({ quality: 90 }).toBuffer()],
    ];
    for (const [name, make] of cases) {
      it(`finds ${name}`, async function () {
        const copy = await fingerprint(roundTrip('copy', await make(photo)));
        const s = nearPair(original, copy);
        assert.ok(s !== undefined && s >= T.nearSimilarity && s <= 1, `${name}: ${s}`);
      });
    }
    it('rejects different photos', async function () {
      for (let seed = 20; seed < 26; seed++) {
        const other = await fingerprint(await makePhoto(seed, 480, 360));
        assert.equal(nearPair(original, other), undefined, `seed ${seed}`);
      }
    });
    it('matches one icon at two sizes, rejects two glyphs of one family', async function () {
      const a = await fingerprint(await makeIcon(4, 64, 1));
      const big = await fingerprint(await makeIcon(4, 128, 1));
      assert.ok(nearPair(a, big) !== undefined);
      for (const g of [0, 2, 3]) assert.equal(nearPair(a, await fingerprint(await makeIcon(4, 64, g))), undefined, `glyph ${g}`);
    });
  });

  describe('graphics (icons, flags)', function () {
    /** A flat folder icon (transparent background) in `colour`, with an optional white glyph, drawn at `size` px. */
    function folder(colour: string, size: number, glyph = ''): Promise<Buffer> {
      const glyphs: Record<string, string> = {
        note: '<rect x="24" y="28" width="16" height="20" fill="#ffffff"/>',
        disc: '<circle cx="32" cy="39" r="9" fill="#ffffff"/>',
      };
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">` +
        `<path d="M6 12 h20 l6 6 h26 v38 h-52 z" fill="${colour}"/><rect x="6" y="22" width="52" height="34" fill="${colour}" opacity="0.85"/>` +
        `${glyphs[glyph] ?? ''}</svg>`;
      return sharp(Buffer.from(svg)).png().toBuffer();
    }

    it('one icon at 48 and 32 px is a near duplicate (found through the shape key)', async function () {
      const big = await fingerprint(await folder('#5294e2', 48, 'note'));
      const small = await fingerprint(await folder('#5294e2', 32, 'note'));
      assert.ok(shapeKey(big) && shapeKey(small));
      assert.ok(nearPair(big, small) !== undefined);
      assert.ok(nearPair(small, big) !== undefined);
    });
    it('two icons differing only in hue are not near duplicates', async function () {
      const indigo = await fingerprint(await folder('#5c6bc0', 48));
      const violet = await fingerprint(await folder('#8e6bc0', 48));
      assert.equal(nearPair(indigo, violet), undefined);
      const pink = await fingerprint(await folder('#ec407a', 48));
      const red = await fingerprint(await folder('#e53935', 48));
      assert.equal(nearPair(pink, red), undefined);
    });
    it('a grey "symbolic" version of a coloured icon is not a near duplicate', async function () {
      const red = await fingerprint(await folder('#d70751', 48));
      const grey = await fingerprint(await folder('#6f6f6f', 48));
      assert.equal(nearPair(red, grey), undefined);
    });
    it('same-size icons that differ only in their glyph are not near duplicates', async function () {
      const note = await fingerprint(await folder('#5294e2', 48, 'note'));
      const disc = await fingerprint(await folder('#5294e2', 48, 'disc'));
      assert.equal(nearPair(note, disc), undefined);
    });
    it('opaque images have no shape key and no alpha grid', async function () {
      assert.equal(shapeKey(original), undefined);
      assert.equal(original.alpha?.length, 0);
      assert.equal(original.chroma8?.length, 128);
    });
  });

  describe('bad input', function () {
    it('empty, corrupt, truncated and text files give a plain ImageDecodeError', async function () {
      await rejects(roundTrip('empty.png', Buffer.alloc(0)), /^empty file \(0 bytes\)$/);
      const jpeg = await encode(photo, 'jpeg');
      await rejects(roundTrip('cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2))), /^truncated JPEG$/);
      const png = await encode(photo, 'png');
      await rejects(roundTrip('cut.png', png.subarray(0, Math.floor(png.length / 2))), /PNG/);
      const garbage = Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(5000, 0x55)]);
      await rejects(roundTrip('garbage.jpg', garbage), /JPEG/);
      await rejects(roundTrip('zeros.png', Buffer.alloc(100)), /^not an image \(unknown format\)$/);
    });
    it('refuses decompression bombs before decoding, with the size in the message', async function () {
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      const bomb = Buffer.from(png);
      bomb.writeUInt32BE(60000, 16); // IHDR width
      bomb.writeUInt32BE(60000, 20); // IHDR height
      await rejects(bomb, /^image is 60000×60000 = 3\.6 Gpx, above the limit of 100 Mpx$/);
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="50000" height="50000"><rect width="10" height="10"/></svg>');
      await rejects(svg, /^image is 50000×50000 = 2\.5 Gpx, above the limit of 100 Mpx$/);
      await assert.rejects(fingerprint(photo, { maxPixels: 1000 }), /above the limit of 1000 px/);
      await assert.rejects(pixelDigest(bomb), /above the limit/);
    });
    it('under concurrency, every error lands on the file that caused it', async function () {
      const jpeg = await encode(photo, 'jpeg');
      const inputs: { name: string; bytes: Buffer; bad: boolean }[] = [];
      for (let i = 0; i < 48; i++) {
        if (i % 3 === 0) inputs.push({ name: `bad-${i}.jpg`, bytes: jpeg.subarray(0, 300 + i * 37), bad: true });
        else inputs.push({ name: `good-${i}.png`, bytes: await makePhoto(100 + i, 160, 120), bad: false });
      }
      for (const x of inputs) fs.writeFileSync(path.join(dir.path, x.name), x.bytes);
      const results = await Promise.allSettled(inputs.map((x) => fingerprint(fs.readFileSync(path.join(dir.path, x.name)))));
      const expected = await Promise.all(inputs.filter((x) => !x.bad).map((x) => fingerprint(x.bytes)));
      let k = 0;
      results.forEach((r, i) => {
        if (inputs[i].bad) {
          assert.equal(r.status, 'rejected', inputs[i].name);
          assert.ok(
            r.status === 'rejected' && r.reason instanceof ImageDecodeError && /JPEG/.test(r.reason.message),
            `${inputs[i].name}: ${r.status === 'rejected' ? String(r.reason) : 'ok'}`,
          );
        } else {
          assert.equal(r.status, 'fulfilled', `${inputs[i].name}: ${r.status === 'rejected' ? String(r.reason) : ''}`);
          assert.ok(r.status === 'fulfilled' && r.value.format === 'png');
          assert.deepEqual(r.status === 'fulfilled' ? r.value.hash : undefined, expected[k++].hash, inputs[i].name);
        }
      });
    });
  });
});
