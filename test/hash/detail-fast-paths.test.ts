/**
 * The fast paths of the detail check (hash/detail.ts, hash/ink-colour.ts) against the plain per-pixel code they
 * replace, kept here as the reference: the Lab planes of a region are the same to the bit, and the ink colour
 * measures give the same verdicts (only which ink difference below 1 ΔE a pixel reports may move).
 */
import * as assert from 'node:assert/strict';
import {
  chroma,
  cielab,
  deltaE,
  deltaESquared,
  histogramMedian,
  MEDIAN_BINS,
  MEDIAN_STEPS,
  SRGB_TO_LINEAR,
  type LabImage,
} from '../../daemon/hash/colour-difference';
import { flatten } from '../../daemon/hash/detail';
import { blur3, labRegion, type Box, type Flat } from '../../daemon/hash/detail-lab';
import type { DetailRaster } from '../../daemon/hash/detail-raster';
import { inkColours, INK_DELTA, inkMask, RECOLOURED_DELTA } from '../../daemon/hash/ink-colour';
import { rng } from '../fixtures/images';

function referenceLabRegion(f: Flat, box: Box, w: number, h: number): LabImage {
  const px = new Float32Array(w * h * 3);
  const ink = new Float32Array(w * h * 3);
  const cover = new Float32Array(w * h);
  const sx = (box.x1 - box.x0) / w;
  const sy = (box.y1 - box.y0) / h;
  for (let y = 0; y < h; y++) {
    const ya = box.y0 + y * sy,
      yb = ya + sy;
    for (let x = 0; x < w; x++) {
      const xa = box.x0 + x * sx,
        xb = xa + sx;
      let cr = 0,
        cg = 0,
        cb = 0,
        area = 0,
        ir = 0,
        ig = 0,
        ib = 0,
        ia = 0;
      for (let py = Math.floor(ya); py < Math.ceil(yb) && py < f.h; py++) {
        const wy = Math.min(yb, py + 1) - Math.max(ya, py);
        for (let px0 = Math.floor(xa); px0 < Math.ceil(xb) && px0 < f.w; px0++) {
          const wgt = wy * (Math.min(xb, px0 + 1) - Math.max(xa, px0));
          const i = 3 * (py * f.w + px0);
          cr += wgt * f.rgb[i];
          cg += wgt * f.rgb[i + 1];
          cb += wgt * f.rgb[i + 2];
          ir += wgt * f.premultiplied[i];
          ig += wgt * f.premultiplied[i + 1];
          ib += wgt * f.premultiplied[i + 2];
          ia += wgt * f.alpha[py * f.w + px0];
          area += wgt;
        }
      }
      const o = y * w + x;
      cielab(cr / area, cg / area, cb / area, px, 3 * o);
      cover[o] = ia / area;
      if (ia > 0) cielab(ir / ia, ig / ia, ib / ia, ink, 3 * o);
    }
  }
  return { w, h, px, ink, cover };
}

/** The composite of every pixel on the page, opaque or not (flatten shares one plane for an opaque raster). */
function referenceFlatten(r: DetailRaster, bg: [number, number, number]): Flat {
  const rgb = new Float32Array(r.width * r.height * 3);
  const premultiplied = new Float32Array(r.width * r.height * 3);
  const alpha = new Float32Array(r.width * r.height);
  for (let i = 0, o = 0; i < r.rgba.length; i += 4, o += 3) {
    const a = r.rgba[i + 3] / 255;
    alpha[o / 3] = a;
    for (let c = 0; c < 3; c++) {
      premultiplied[o + c] = a * SRGB_TO_LINEAR[r.rgba[i + c]];
      rgb[o + c] = premultiplied[o + c] + (1 - a) * bg[c];
    }
  }
  return { w: r.width, h: r.height, rgb, premultiplied, alpha };
}

/** A flat drawing: bands of few colours in runs (what LabRuns and the ink mask's runs skip), `alpha` on its right half. */
function flatRaster(width: number, height: number, alpha: number): DetailRaster {
  const rgba = new Uint8Array(width * height * 4);
  const colours = [
    [255, 255, 255],
    [27, 27, 27],
    [0, 94, 184],
    [255, 119, 0],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const [r, g, b] = colours[((x >> 2) + (y >> 3)) % colours.length];
      rgba.set([r, g, b, x < width / 2 ? 255 : alpha], i);
    }
  }
  return { width, height, rgba, transparent: alpha < 250 };
}

function referenceNearestInk(p: LabImage, q: LabImage, x: number, y: number): number {
  const o = 3 * (y * p.w + x);
  let best = Infinity;
  for (let yy = Math.max(0, y - 1); yy <= Math.min(p.h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(p.w - 1, x + 1); xx++) {
      const j = yy * p.w + xx;
      if (q.cover[j] < 0.5) continue;
      best = Math.min(best, deltaE(p.ink[o], p.ink[o + 1], p.ink[o + 2], q.ink[3 * j], q.ink[3 * j + 1], q.ink[3 * j + 2]));
      if (best < 1) return best;
    }
  }
  return best;
}

function referenceInkColours(
  a: LabImage,
  b: LabImage,
  pageA: Float32Array,
  pageB: Float32Array,
): { inkColour: number; recolouredInk: number } {
  const histogram = new Uint32Array(MEDIAN_BINS + 1);
  let pixels = 0,
    recoloured = 0;
  for (let y = 0; y < a.h; y++) {
    for (let x = 0; x < a.w; x++) {
      const i = y * a.w + x;
      if (a.cover[i] < 0.5 || b.cover[i] < 0.5) continue;
      const o = 3 * i;
      const inkA = deltaE(a.px[o], a.px[o + 1], a.px[o + 2], pageA[0], pageA[1], pageA[2]) > INK_DELTA;
      if (!inkA && deltaE(b.px[o], b.px[o + 1], b.px[o + 2], pageB[0], pageB[1], pageB[2]) <= INK_DELTA) continue;
      const d = Math.max(referenceNearestInk(a, b, x, y), referenceNearestInk(b, a, x, y));
      histogram[Math.min(MEDIAN_BINS, Math.floor(d * MEDIAN_STEPS))]++;
      pixels++;
      if (d > RECOLOURED_DELTA) recoloured++;
    }
  }
  if (pixels < 12) return { inkColour: 0, recolouredInk: 0 };
  return { inkColour: histogramMedian(histogram, pixels), recolouredInk: recoloured / pixels };
}

function referenceBlur3(img: LabImage): Float32Array {
  const { w, h, px } = img;
  const out = new Float32Array(px.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sums = [0, 0, 0];
      let n = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
          for (let c = 0; c < 3; c++) sums[c] += px[3 * (yy * w + xx) + c];
          n++;
        }
      }
      for (let c = 0; c < 3; c++) out[3 * (y * w + x) + c] = sums[c] / n;
    }
  }
  return out;
}

/** A raster of soft shapes and noise; `transparent` gives it a ragged alpha; `shift` recolours part of it. */
function raster(seed: number, width: number, height: number, transparent: boolean, shift = 0): DetailRaster {
  const random = rng(seed);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const stripe = ((x >> 3) + (y >> 4)) & 1;
      rgba[i] = Math.min(255, 40 + stripe * 150 + Math.floor(random() * 12) + (x < width / 2 ? shift : 0));
      rgba[i + 1] = 90 + ((x * 3 + y) % 80);
      rgba[i + 2] = 200 - stripe * 120;
      rgba[i + 3] = transparent ? (x % 7 === 0 ? 0 : Math.min(255, 60 + ((x * y) % 200))) : 255;
    }
  }
  return { width, height, rgba, transparent };
}

const WHITE: [number, number, number] = [1, 1, 1];

function lab(page: [number, number, number]): Float32Array {
  const out = new Float32Array(3);
  cielab(page[0], page[1], page[2], out, 0);
  return out;
}

describe('detail check fast paths (hash/detail, hash/ink-colour)', () => {
  it('gives the Lab planes of the per-pixel reference to the bit, opaque or not, at the own size or resampled', () => {
    for (const transparent of [false, true]) {
      const f = flatten(raster(7, 61, 43, transparent), WHITE);
      const boxes: Box[] = [
        { x0: 0, y0: 0, x1: 61, y1: 43 },
        { x0: 3, y0: 5, x1: 50, y1: 40 },
        // A crop alignment's region: fractional edges, a whole number of pixels wide (once read as a copy, NaN).
        { x0: 2.5, y0: 4.25, x1: 52.5, y1: 39.25 },
      ];
      for (const box of boxes) {
        for (const [w, h] of [
          [box.x1 - box.x0, box.y1 - box.y0],
          [29, 17],
        ]) {
          const fast = labRegion(f, box, w, h);
          const reference = referenceLabRegion(f, box, w, h);
          assert.ok(!fast.px.some(Number.isNaN), 'every pixel a number');
          assert.deepEqual(fast.px, reference.px);
          assert.deepEqual(fast.ink, reference.ink);
          assert.deepEqual(fast.cover, reference.cover);
        }
      }
    }
  });

  it('gives the reference planes to the bit on flat drawings: opaque, nearly opaque (alpha 252), translucent', () => {
    for (const alpha of [255, 252, 128]) {
      const r = flatRaster(53, 37, alpha);
      const fast = flatten(r, WHITE);
      const reference = referenceFlatten(r, WHITE);
      assert.deepEqual(fast.rgb, reference.rgb);
      assert.deepEqual(fast.premultiplied, reference.premultiplied);
      assert.deepEqual(fast.alpha, reference.alpha);
      for (const [box, w, h] of [
        [{ x0: 0, y0: 0, x1: 53, y1: 37 }, 53, 37],
        [{ x0: 4, y0: 2, x1: 50, y1: 33 }, 23, 15],
      ] as const) {
        const image = labRegion(fast, box, w, h);
        const expected = referenceLabRegion(reference, box, w, h);
        assert.deepEqual(image.px, expected.px);
        assert.deepEqual(image.ink, expected.ink);
        assert.deepEqual(image.cover, expected.cover);
        assert.deepEqual(blur3(image), referenceBlur3(image));
        const page = lab([0.2, 0.4, 0.9]);
        const mask = inkMask(image, page);
        for (let i = 0; i < w * h; i++) {
          const o = 3 * i;
          const ink = deltaE(image.px[o], image.px[o + 1], image.px[o + 2], page[0], page[1], page[2]) > INK_DELTA;
          assert.equal(mask[i], ink ? 1 : 0);
        }
      }
    }
  });

  it('blurs like the nine-pixel reference, to the bit, borders included', () => {
    for (const [w, h] of [
      [37, 23],
      [1, 5],
      [6, 1],
    ]) {
      const f = flatten(raster(3, w, h, true), WHITE);
      const image = labRegion(f, { x0: 0, y0: 0, x1: w, y1: h }, w, h);
      assert.deepEqual(blur3(image), referenceBlur3(image));
    }
  });

  it('gives the reference verdicts on the ink colours: the same recoloured share, the same median above 1 ΔE', () => {
    let aboveOne = 0;
    for (const [seedB, shift, transparent] of [
      [7, 0, false],
      [8, 0, false],
      [7, 40, false],
      [7, 90, true],
      [9, 0, true],
    ] as const) {
      const fa = flatten(raster(7, 48, 40, transparent), WHITE);
      const fb = flatten(raster(seedB, 48, 40, transparent, shift), WHITE);
      const box = { x0: 0, y0: 0, x1: 48, y1: 40 };
      const a = labRegion(fa, box, 48, 40);
      const b = labRegion(fb, box, 48, 40);
      const page = lab(WHITE);
      const fast = inkColours(a, b, page, page);
      const reference = referenceInkColours(a, b, page, page);
      assert.equal(fast.recolouredInk, reference.recolouredInk);
      if (reference.inkColour >= 1 || fast.inkColour >= 1) {
        aboveOne++;
        assert.equal(fast.inkColour, reference.inkColour);
      } else assert.ok(fast.inkColour <= reference.inkColour);
    }
    assert.ok(aboveOne > 0, 'no case had an ink median above 1');
  });

  it('takes the root of the squared ΔE to the same bits, and marks ink as the per-pixel ΔE does', () => {
    const random = rng(11);
    for (let k = 0; k < 10_000; k++) {
      const [l1, a1, b1, l2, a2, b2] = [
        100 * random(),
        256 * random() - 128,
        256 * random() - 128,
        100 * random(),
        256 * random() - 128,
        256 * random() - 128,
      ];
      assert.equal(Math.sqrt(deltaESquared(l1, a1, b1, chroma(a1, b1), l2, a2, b2, chroma(a2, b2))), deltaE(l1, a1, b1, l2, a2, b2));
    }
    let inkPixels = 0;
    for (const transparent of [false, true]) {
      const image = labRegion(flatten(raster(5, 40, 30, transparent), WHITE), { x0: 0, y0: 0, x1: 40, y1: 30 }, 40, 30);
      const page = lab([0.9, 0.5, 0.2]);
      const mask = inkMask(image, page);
      for (let i = 0; i < 40 * 30; i++) {
        const o = 3 * i;
        const ink = deltaE(image.px[o], image.px[o + 1], image.px[o + 2], page[0], page[1], page[2]) > INK_DELTA;
        assert.equal(mask[i], ink ? 1 : 0);
        inkPixels += mask[i];
      }
    }
    assert.ok(inkPixels > 0 && inkPixels < 2 * 40 * 30, 'the page colour should leave some pixels ink and some not');
  });
});
