/**
 * The local-edit check (hash/local-edit.ts): two lossless images of (nearly) one size that are one canvas
 * edited in a few places — a blog banner with another part number (falco-website), a diagram with one label
 * translated (opentelemetry.io), two captures of one dialog filled in otherwise (spinnaker.io) — are two
 * pictures, though the detail check at DETAIL_MAX px sees one. One drawing exported or captured twice stays one.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeExact, fingerprint, isLocalEdit, localEdit, mayBeLocalEdit, type ExactRaster } from '../../daemon/hash';
import { MAX_RASTER_LOCAL_EDIT_SHARE, oneCanvas } from '../../daemon/hash/local-edit';
import { halve } from '../../daemon/hash/halving';
import { recaptured } from '../../daemon/hash/canvas-size';
import { photoPixels } from '../fixtures/images';
import { verdict } from './verdict';

/**
 * A 2 400×1 300 blog banner: a photo-like backdrop, a white title card and a part number of 64 px — a
 * fifth of that at the detail raster's 512 px, where "1" and "2" change 0.2 of a tile.
 */
function banner(part: string, dx = 0): Promise<Buffer> {
  const width = 2400,
    height = 1300;
  const card = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${200 + dx}" y="300" width="2000" height="700" rx="40" fill="#fff"/>` +
      `<text x="${1200 + dx}" y="600" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="150" font-weight="bold" fill="#00aec7">Tracing system calls</text>` +
      `<text x="${1200 + dx}" y="850" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="64" fill="#333">Part ${part}</text></svg>`,
  );
  return sharp(photoPixels(7, width, height), { raw: { width, height, channels: 3 } })
    .composite([{ input: card }])
    .png()
    .toBuffer();
}

/**
 * A 1 600×800 diagram of two services and four spans (SVG), labels in 28 px type as opentelemetry.io's
 * (9 px at the detail raster's 512); `service` and `span` are the words its translation changed.
 */
function diagram(service: string, span: number): Buffer {
  const box = (x: number, y: number, label: string, fill: string): string =>
    `<rect x="${x}" y="${y}" width="320" height="200" rx="12" fill="${fill}" stroke="#7a6fd0"/>` +
    `<text x="${x + 160}" y="${y + 50}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#5b4fc0">${label}</text>` +
    `<text x="${x + 160}" y="${y + 100}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#5b4fc0">Trace ID: "a08..."</text>` +
    `<text x="${x + 160}" y="${y + 150}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#5b4fc0">Parent ID: -</text>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="800"><rect width="1600" height="800" fill="#fff"/>` +
      `<rect x="200" y="20" width="560" height="760" rx="16" fill="#eef0f3" stroke="#888"/><rect x="1000" y="20" width="560" height="760" rx="16" fill="#eef0f3" stroke="#888"/>` +
      `<text x="480" y="60" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#333">${service}: Frontend</text>` +
      `<text x="1280" y="60" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#333">${service}: Product Catalog</text>` +
      box(320, 150, 'Span #1', '#d9d2ff') +
      box(320, 450, `Span #${span}`, '#ffe2c2') +
      box(1120, 150, 'Span #3', '#d9d2ff') +
      box(1120, 450, 'Span #4', '#ffe2c2') +
      `<path d="M0 250H320M650 250H1120M0 550H320M650 550H1120" stroke="#7a6fd0" stroke-width="4"/></svg>`,
  );
}

/**
 * A 1 810×1 120 capture of a form dialog (spinnaker.io's "Expected Artifact"): twelve labelled fields in
 * 16 px type, one holding `value`; cropped at (left, top) to width×height, as two captures of one screen are.
 */
function dialog(value: string, left: number, top: number, width: number, height: number): Promise<Buffer> {
  const fields = Array.from({ length: 12 }, (_, i) => {
    const y = 150 + 70 * i;
    const text = i === 7 ? value : `field value ${i + 1}`;
    return (
      `<text x="300" y="${y + 22}" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#333">Setting ${i + 1}</text>` +
      `<rect x="520" y="${y}" width="700" height="34" fill="#fff" stroke="#bbb"/>` +
      `<text x="530" y="${y + 23}" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#222">${text}</text>`
    );
  }).join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1810" height="1120"><rect width="1810" height="1120" fill="#e8eaed"/>` +
    `<rect x="250" y="60" width="1300" height="1000" fill="#f7f7f7" stroke="#999"/><rect x="250" y="60" width="1300" height="50" fill="#2c4b73"/>` +
    `<text x="280" y="95" font-family="DejaVu Sans, sans-serif" font-size="22" fill="#fff">Expected Artifact</text>${fields}</svg>`;
  return sharp(Buffer.from(svg)).extract({ left, top, width, height }).png().toBuffer();
}

/**
 * A 1 800×1 000 capture of a dashboard listing 24 applications of `project` (linkerd/website's GitOps pages
 * show the same screen for linkerd and for cert-manager): every name and time in 15 px type, 4 px at the
 * detail raster's 512; the statuses are the same.
 */
function dashboard(project: string): Promise<Buffer> {
  const parts = ['control-plane', 'viz', 'jaeger', 'multicluster'];
  const rows = Array.from({ length: 24 }, (_, i) => {
    const y = 140 + 34 * i;
    const synced = i % 3 !== 0;
    return (
      `<text x="320" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="15" fill="#333">${project}-${parts[i % 4]}-${i + 1}</text>` +
      `<text x="760" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="15" fill="${synced ? '#18be94' : '#e96d76'}">${synced ? 'Synced' : 'OutOfSync'}</text>` +
      `<text x="980" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="15" fill="#555">${project === 'linkerd' ? 'main' : `release-1.${i}`} · ${(i * 7) % 60} minutes ago</text>`
    );
  }).join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="1000"><rect width="1800" height="1000" fill="#f4f5f7"/>` +
    `<rect width="260" height="1000" fill="#0f2b3b"/><rect x="260" width="1540" height="70" fill="#fff"/>` +
    `<text x="300" y="45" font-family="DejaVu Sans, sans-serif" font-size="24" fill="#333">Applications</text>` +
    `<rect x="290" y="100" width="1480" height="860" fill="#fff" stroke="#ddd"/>${rows}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * A capture of a dark code editor, 1 400×875 at `scale` 1 or 2 (a retina screen), with a small grey marker
 * on the terminal tab or on the first file (ionic-docs' captures of its Studio, at 2x and 1x, are annotated in
 * other places). At the detail raster's 512 px the marker is 4 px: the detail check does not see it move.
 */
function editor(scale: 1 | 2, badge: 'terminal' | 'file'): Promise<Buffer> {
  const files = Array.from(
    { length: 14 },
    (_, i) =>
      `<text x="20" y="${110 + 26 * i}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#ccc">src/pages/page-${i + 1}.tsx</text>`,
  ).join('');
  const colours = ['#9cdcfe', '#ce9178', '#c586c0', '#dcdcaa'];
  const code = Array.from(
    { length: 20 },
    (_, i) =>
      `<text x="${300 + 16 * (i % 5)}" y="${110 + 18 * i}" font-family="DejaVu Sans Mono, monospace" font-size="12" fill="${colours[i % 4]}">const value${i} = compute(${i});</text>`,
  ).join('');
  const [x, y] = badge === 'terminal' ? [720, 26] : [240, 112];
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${1400 * scale}" height="${875 * scale}"><g transform="scale(${scale})">` +
    `<rect width="1400" height="875" fill="#1e1e1e"/><rect width="260" height="875" fill="#252526"/><rect width="1400" height="52" fill="#333"/>` +
    `<text x="700" y="32" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#fff">Terminal</text>${files}${code}` +
    `<rect x="${x - 6}" y="${y - 6}" width="12" height="12" fill="#c8c8c8"/></g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * A 1 200×800 diagram on white with one small picture of random colours (80×80, a screenshot inside the
 * figure): reduced to 16 colours, the picture changes whole tiles and nothing else does.
 */
async function diagramWithPicture(): Promise<Buffer> {
  const noise = Buffer.alloc(80 * 80 * 3);
  let seed = 7;
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = seed >> 23;
  }
  const picture = await sharp(noise, { raw: { width: 80, height: 80, channels: 3 } })
    .png()
    .toBuffer();
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><rect width="1200" height="800" fill="#fff"/>` +
    `<rect x="100" y="100" width="1000" height="600" fill="none" stroke="#345" stroke-width="3"/>` +
    `<text x="200" y="300" font-family="DejaVu Sans, sans-serif" font-size="40" fill="#123">Architecture overview</text></svg>`;
  return sharp(Buffer.from(svg))
    .composite([{ input: picture, left: 900, top: 500 }])
    .png()
    .toBuffer();
}

/**
 * A 700×370 capture of a dark code editor, every line `fn(...)` in 16 px type from edge to edge: cropped by a
 * few pixels, each line moves by 1.5 px at the detail raster's 512.
 */
function codeScreen(fn: string): Buffer {
  const colours = ['#9cdcfe', '#ce9178', '#c586c0', '#dcdcaa'];
  const lines = Array.from(
    { length: 18 },
    (_, i) =>
      `<text x="${4 + (i % 7) * 6}" y="${(i + 1) * 20}" font-family="DejaVu Sans Mono, monospace" font-size="16" fill="${colours[i % 4]}">const value${i} = ${fn}(${i}, "${'abcdefghij'.repeat(8)}");</text>`,
  ).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="700" height="370"><rect width="700" height="370" fill="#1e1e1e"/>${lines}</svg>`,
  );
}

function raster(width: number, height: number, rgba: [number, number, number, number]): ExactRaster {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < pixels.length; i += 4) pixels.set(rgba, i);
  return { width, height, rgba: pixels };
}

/** A white page with a scattered grey texture: any shift of it disagrees, so the alignment is the page's own. */
function page(width: number, height: number): ExactRaster {
  const r = raster(width, height, [255, 255, 255, 255]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
      if (h >>> 29 === 0) r.rgba.set([120, 120, 120, 255], 4 * (y * width + x));
    }
  }
  return r;
}

function paint(r: ExactRaster, x0: number, y0: number, size: number, rgba: [number, number, number, number]): void {
  for (let y = y0; y < Math.min(r.height, y0 + size); y++)
    for (let x = x0; x < Math.min(r.width, x0 + size); x++) r.rgba.set(rgba, 4 * (y * r.width + x));
}

describe('local edits of one canvas, at its own resolution', function () {
  this.timeout(120_000);

  it('tells apart two banners with another part number, which the detail check at 512 px takes for one', async () => {
    const [one, two] = await Promise.all([banner('1'), banner('2')]);
    const v = await verdict(one, two);
    assert.ok(v.cheap !== undefined && v.cheap > 0.95, `the thumbnails agree (${v.cheap})`);
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    const edit = localEdit(await decodeExact(one), await decodeExact(two))!;
    assert.ok(edit.differingShare < 0.001 && edit.changedTile! > 0.5, JSON.stringify(edit));
  });

  it('tells apart a diagram from its translation (one word per box, another span number), as SVGs', async () => {
    const en = diagram('Service', 2);
    const pt = diagram('Serviço', 1);
    const [fa, fb] = await Promise.all([fingerprint(en), fingerprint(pt)]);
    assert.ok(mayBeLocalEdit(fa, fb), 'two lossless images of one size');
    const v = await verdict(en, pt);
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('tells apart two captures of one dialog, cropped a few pixels apart, with another value in one field', async () => {
    const [a, b] = await Promise.all([dialog('us-east-1', 2, 3, 1796, 1108), dialog('eu-west-2', 4, 1, 1795, 1107)]);
    const v = await verdict(a, b);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    const [again, other] = await Promise.all([dialog('us-east-1', 4, 1, 1795, 1107), dialog('us-east-1', 0, 0, 1810, 1120)]);
    assert.ok((await verdict(a, again)).verified !== undefined, 'one screen captured twice, cropped apart');
    const [fa, fb] = await Promise.all([fingerprint(a), fingerprint(other)]);
    assert.ok(mayBeLocalEdit(fa, fb), 'a crop of 1.6 % of the area still shares enough to align');
    assert.equal(isLocalEdit(localEdit(await decodeExact(a), await decodeExact(other))!), false);
  });

  it('tells apart two PNG captures of one dashboard listing other applications, though they differ in 2 % of their pixels', async () => {
    const [a, b] = await Promise.all([dashboard('linkerd'), dashboard('cert-manager')]);
    const v = await verdict(a, b);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    const [ea, eb] = await Promise.all([decodeExact(a), decodeExact(b)]);
    const edit = localEdit(ea, eb, 'stored')!;
    assert.ok(edit.differingShare > 0.01 && edit.differingShare < 0.05, `more than an SVG's export may differ (${edit.differingShare})`);
    assert.equal(isLocalEdit(localEdit(ea, eb)!), false, 'held to the share of a rendered SVG, it would pass');
    const resized = await sharp(a).resize(1782).png().toBuffer();
    assert.ok((await verdict(a, resized)).verified !== undefined, 'the same capture resized to 99 % stays one picture');
    const resampled = localEdit(ea, await decodeExact(resized), 'stored')!;
    // Compared unresized it differs past the 1 % a resampled pair may, along every edge; resized back to one
    // size (resampledEdit) it differs in far fewer pixels and is no edit.
    assert.ok(
      resampled.resampled === true && resampled.differingShare < 0.01 && !isLocalEdit(resampled, 'stored'),
      `resampled, it is compared resized (${JSON.stringify(resampled)})`,
    );
  });

  it('tells apart two captures of one dashboard cropped otherwise, which no resample gives, and keeps one capture cropped', async () => {
    // Cropped 8 rows shorter, as two captures of one query screen are (opentelemetry.io: 3444×732 and 3444×724).
    const crop = (png: Buffer): Promise<Buffer> => sharp(png).extract({ left: 0, top: 0, width: 1800, height: 992 }).png().toBuffer();
    const [a, b, same] = await Promise.all([dashboard('linkerd'), dashboard('cert-manager').then(crop), dashboard('linkerd').then(crop)]);
    const v = await verdict(a, b);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    const [ea, eb] = await Promise.all([decodeExact(a), decodeExact(b)]);
    assert.ok(recaptured(ea, eb), 'one side kept, the other cropped');
    const edit = localEdit(ea, eb, 'stored')!;
    assert.ok(edit.differingShare > 0.01 && isLocalEdit(edit), `measured past 1 % of the pixels (${JSON.stringify(edit)})`);
    assert.ok((await verdict(a, same)).verified !== undefined, 'one screen captured twice, cropped apart, stays one picture');
  });

  it('keeps one capture cropped a few pixels otherwise, which the detail check alone splits', async () => {
    const crop = (png: Buffer): Promise<Buffer> => sharp(png).extract({ left: 2, top: 1, width: 695, height: 367 }).png().toBuffer();
    const screen = await sharp(codeScreen('compute')).png().toBuffer();
    const cropped = await crop(screen);
    const v = await verdict(screen, cropped);
    assert.equal(v.detail, false, 'misregistered by the crop, the detail check sees two drawings');
    assert.ok(v.verified !== undefined, 'one picture');
    const edit = localEdit(await decodeExact(screen), await decodeExact(cropped), 'stored')!;
    assert.ok(edit.unequalShare === 0 && oneCanvas(edit, 'stored'), JSON.stringify(edit));
    const other = await crop(await sharp(codeScreen('measure')).png().toBuffer());
    assert.equal((await verdict(screen, other)).verified, undefined, 'another screen cropped so stays apart');
  });

  it('tells apart a 2x capture from the 1x of one screen badged elsewhere, and keeps its own 1x', async () => {
    const [twice, once, badgedElsewhere] = await Promise.all([editor(2, 'terminal'), editor(1, 'terminal'), editor(1, 'file')]);
    const [fa, fb] = await Promise.all([fingerprint(twice), fingerprint(badgedElsewhere)]);
    assert.ok(mayBeLocalEdit(fa, fb), 'a lossless image and another of half its size');
    const v = await verdict(twice, badgedElsewhere);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    assert.ok((await verdict(twice, once)).verified !== undefined, 'one screen at 2x and 1x');
    const pointSampled = await sharp(twice).resize(1400, 875, { kernel: 'nearest' }).png().toBuffer();
    assert.ok((await verdict(twice, pointSampled)).verified !== undefined, 'and its 1x made by keeping one pixel of four');
  });

  it('keeps together one drawing exported with a one-pixel shift, and an SVG with its PNG', async () => {
    const [a, shifted] = await Promise.all([banner('1'), banner('1', 1)]);
    const edit = localEdit(await decodeExact(a), await decodeExact(shifted))!;
    assert.equal(isLocalEdit(edit), false, `the card moved by a pixel, which is no change (${JSON.stringify(edit)})`);
    assert.ok((await verdict(a, shifted)).verified !== undefined, 'one drawing, exported twice');

    const svg = diagram('Service', 2);
    const png = await sharp(svg).png().toBuffer();
    assert.ok((await verdict(svg, png)).verified !== undefined, 'an SVG and its PNG');
  });

  it('does not take a palette reduction (PNG-8, GIF) of an image for an edit of it', async () => {
    const original = await diagramWithPicture();
    const reduced = await sharp(original).png({ palette: true, colours: 16 }).toBuffer();
    const [a, b] = await Promise.all([decodeExact(original), decodeExact(reduced)]);
    assert.equal(localEdit(a, b), undefined, 'a copy of at most 256 colours, fewer than the original, is not measured');
    const fewer = await sharp(original).png({ palette: true, colours: 16 }).gif().toBuffer();
    assert.equal(localEdit(a, await decodeExact(fewer)), undefined, 'nor its GIF');
  });

  it('measures only what shows, per tile, and only between two images of nearly one size', () => {
    const a = raster(20, 12, [10, 20, 30, 0]);
    const b = raster(20, 12, [200, 100, 0, 0]);
    assert.deepEqual(
      localEdit(a, b),
      { differingShare: 0, changedTile: 0, changedShare: 0, unequalShare: 0 },
      'the colour of a transparent pixel is not seen',
    );

    const sixth = page(20, 12);
    paint(sixth, 16, 8, 4, [0, 0, 0, 255]);
    const sixthEdit = localEdit(page(20, 12), sixth)!;
    assert.ok(
      sixthEdit.differingShare > 0.01 && sixthEdit.changedTile === undefined,
      'a sixth of the picture: past the local share, no tile is measured',
    );
    assert.equal(isLocalEdit(localEdit(page(20, 12), sixth)!), false, 'and it is not a local edit');
    const asRasters = localEdit(page(20, 12), sixth, 'stored')!;
    assert.deepEqual(
      asRasters,
      { differingShare: 16 / 240, changedTile: 1, changedShare: 16 / 240, unequalShare: 16 / 240 },
      'two rasters: a sixth is still local',
    );
    assert.equal(isLocalEdit(asRasters), true);
    const third = page(20, 12);
    paint(third, 0, 0, 12, [0, 0, 0, 255]);
    const most = localEdit(page(20, 12), third, 'stored')!;
    assert.ok(most.differingShare > MAX_RASTER_LOCAL_EDIT_SHARE && most.changedTile === undefined, 'past a quarter, not measured');
    assert.equal(isLocalEdit(most), false, 'nor a local edit');

    const corner = page(204, 100);
    paint(corner, 200, 96, 4, [0, 0, 0, 255]); // the corner tile is 4×4: the edit fills it
    assert.deepEqual(localEdit(page(204, 100), corner), {
      differingShare: 16 / 20400,
      changedTile: 1,
      changedShare: 16 / 20400,
      unequalShare: 16 / 20400,
    });

    const dot = page(200, 100);
    paint(dot, 40, 40, 4, [0, 0, 0, 255]);
    const small = localEdit(page(200, 100), dot)!;
    assert.equal(small.changedTile, 16 / 64);
    assert.equal(isLocalEdit(small), false, 'a quarter of a tile is under the threshold');
    paint(dot, 44, 40, 4, [0, 0, 0, 255]);
    assert.equal(isLocalEdit(localEdit(page(200, 100), dot)!), true, 'half of a tile, in 0.16 % of the picture');

    assert.equal(localEdit(raster(20, 12, [0, 0, 0, 255]), raster(12, 20, [0, 0, 0, 255])), undefined, 'no shared region');
    const twice = raster(5, 2, [0, 0, 0, 0]);
    twice.rgba.set([200, 100, 0, 255, 0, 0, 0, 0], 0); // half of the first 2×2 block: one opaque orange pixel
    twice.rgba.set([100, 100, 100, 255], 4 * 5);
    assert.deepEqual(
      halve(twice),
      { width: 2, height: 1, rgba: Uint8Array.from([150, 100, 50, 128, 0, 0, 0, 0]) },
      'alpha-weighted, odd column dropped',
    );
    assert.equal(localEdit(raster(100, 100, [0, 0, 0, 255]), raster(100, 94, [0, 0, 0, 255])), undefined, 'a crop of 6 % is a part');
    assert.ok(localEdit(raster(100, 100, [0, 0, 0, 255]), raster(100, 96, [0, 0, 0, 255])), 'one of 4 % is measured');
  });
});
