/**
 * Screens of one app captured at 4K and 5K (directus/docs): other pages share the sidebar, the header and
 * the page's layout, so their thumbnails agree, and the detail check at 512 px sees their small text change
 * under a tile's threshold. Three kinds were grouped: a lossy light page and a lossy page that is neither
 * light nor a graphic (verify.ts screenAndDrawing), two 5K captures past the size compared pixel for pixel
 * (halved alike as they are decoded, decode.ts decodeExact), and a 4K capture with a 1080p one of another
 * page (verify.ts lossyScreens, doubleSize). Copies of one page stay one picture, and two lossy screens the
 * detail check tells apart cost no full decode (verify.ts pixelsAgree).
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  decodeDetail,
  decodeExact,
  decodeFine,
  DEFAULT_MAX_PIXELS,
  DEFAULT_NEAR_THRESHOLDS,
  fingerprint,
  isGraphic,
  isLightScreen,
  localEditSize,
  MAX_LOCAL_EDIT_PIXELS,
  mayBeLocalEdit,
  needsDetail,
  pixelsAgree,
  type PixelSource,
} from '../../daemon/hash';
import { verdict } from './verdict';

const text = (x: number, y: number, content: string, size: number, fill = '#172940', weight = 'normal'): string =>
  `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${size}" font-weight="${weight}" fill="${fill}">${content}</text>`;

interface Page {
  /** The title of the drawer open on the right, and the labels of its fields. */
  drawer?: { title: string; fields: string[] };
  /** A 3 px frame drawn around the first card (a hover state). */
  hovered?: boolean;
  /** Dim the page behind the drawer, as the app does. */
  dimmed?: boolean;
  /** Which items the cards list (another page of the collection). */
  firstItem?: number;
  /** A faint mottled backdrop, as a capture's gradients and noise leave: fewer flat cells (flatness 0.14, no graphic). */
  mottled?: boolean;
}

/**
 * A 1 920×1 080 admin page (a dark rail, a light navigation, a header, a grid of cards with text) drawn at
 * `width`, with a drawer of fields over it.
 */
function appPage(page: Page, width = 1920): Buffer {
  const cards = Array.from({ length: 6 }, (_, i) => {
    const [x, y] = [330 + (i % 3) * 500, 160 + Math.floor(i / 3) * 420];
    const frame =
      page.hovered && i === 0
        ? `<rect x="${x - 4}" y="${y - 4}" width="468" height="388" fill="none" stroke="#6644ff" stroke-width="3"/>`
        : '';
    const lines = Array.from({ length: 8 }, (_, j) =>
      text(x + 24, y + 90 + 34 * j, `Item ${(page.firstItem ?? 0) + i * 8 + j} · updated ${(i * 7 + j * 3) % 28} days ago`, 17, '#4f5464'),
    ).join('');
    return `${frame}<rect x="${x}" y="${y}" width="460" height="380" rx="8" fill="#fff" stroke="#e4eaf1" stroke-width="2"/>${text(x + 24, y + 48, `Collection ${i + 1}`, 24, '#172940', 'bold')}${lines}`;
  }).join('');
  const navigation = Array.from({ length: 9 }, (_, i) =>
    text(90, 120 + 44 * i, ['Content', 'Users', 'Files', 'Insights', 'Settings', 'Flows', 'Roles', 'Extensions', 'Logs'][i], 18),
  ).join('');
  const dim = page.dimmed ? `<rect width="1920" height="1080" fill="#000" fill-opacity="0.2"/>` : '';
  const mottle = page.mottled
    ? `<filter id="m"><feTurbulence type="fractalNoise" baseFrequency="0.03" numOctaves="3"/></filter><rect width="1920" height="1080" filter="url(#m)" opacity="0.06"/>`
    : '';
  const drawer = page.drawer
    ? `<rect x="1100" width="820" height="1080" fill="#fff"/>${text(1160, 90, page.drawer.title, 34, '#172940', 'bold')}` +
      page.drawer.fields
        .map(
          (label, i) =>
            `${text(1160, 190 + 130 * i, label, 19, '#172940', 'bold')}<rect x="1160" y="${210 + 130 * i}" width="700" height="60" rx="6" fill="#fff" stroke="#d3dae4" stroke-width="2"/>` +
            text(1180, 250 + 130 * i, `The ${label.toLowerCase()} of this operation, as last saved`, 22, '#4f5464'),
        )
        .join('')
    : '';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${(width * 1080) / 1920}" viewBox="0 0 1920 1080">` +
      `<rect width="1920" height="1080" fill="#f6f8fb"/><rect width="60" height="1080" fill="#0e1c2f"/>` +
      `<rect x="60" width="230" height="1080" fill="#f0f4f9"/>${navigation}${text(330, 90, 'Content', 34, '#172940', 'bold')}${cards}${mottle}${dim}${drawer}</svg>`,
  );
}

const webp = (svg: Buffer, width?: number): Promise<Buffer> => {
  const image = sharp(svg);
  return (width ? image.resize(width) : image).webp({ quality: 90 }).toBuffer();
};

describe('screens of one app', function () {
  this.timeout(120_000);

  it('checks a lossy light page with a lossy page dimmed behind a drawer in detail, and tells them apart', async () => {
    const light = await webp(appPage({ mottled: true }));
    const dimmed = await webp(
      appPage({ dimmed: true, drawer: { title: 'Create Flow', fields: ['Name', 'Icon', 'Color', 'Description'] } }),
    );
    const [fl, fd] = [await fingerprint(light), await fingerprint(dimmed)];
    assert.ok(isLightScreen(fl) && !isGraphic(fl, DEFAULT_NEAR_THRESHOLDS), 'the light page is a light screen, no graphic');
    assert.ok(!isLightScreen(fd) && isGraphic(fd, DEFAULT_NEAR_THRESHOLDS), 'the dimmed page is a graphic, no light screen');
    assert.ok(needsDetail(fl, fd, DEFAULT_NEAR_THRESHOLDS), 'the pair is checked in detail');
    const v = await verdict(light, dimmed);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('asks for no full decode of two lossy screens the detail check tells apart', async () => {
    const [light, dimmed] = [
      await webp(appPage({})),
      await webp(appPage({ dimmed: true, drawer: { title: 'Create Flow', fields: ['Name'] } })),
    ];
    const [fl, fd] = [await fingerprint(light), await fingerprint(dimmed)];
    assert.ok(mayBeLocalEdit(fl, fd, DEFAULT_NEAR_THRESHOLDS), 'two lossy graphics of one size: the local-edit check applies');
    let exactDecodes = 0;
    const source = (bytes: Buffer): PixelSource => ({
      detail: () => decodeDetail(bytes, DEFAULT_MAX_PIXELS),
      exact: () => {
        exactDecodes++;
        return decodeExact(bytes);
      },
      fine: () => decodeFine(bytes, DEFAULT_MAX_PIXELS),
    });
    assert.equal(await pixelsAgree(fl, fd, DEFAULT_NEAR_THRESHOLDS, source(light), source(dimmed)), false, 'two pictures');
    assert.equal(exactDecodes, 0, 'told apart by the detail check first');
  });

  it('keeps a light page with its copies as JPEG and as a smaller WebP', async () => {
    const page = await webp(appPage({ drawer: { title: 'Edit Operation', fields: ['Name', 'Key', 'User'] } }));
    for (const copy of [await sharp(page).jpeg({ quality: 80 }).toBuffer(), await sharp(page).resize(1600).webp().toBuffer()]) {
      const v = await verdict(page, copy);
      assert.ok(v.verified !== undefined && v.verified === v.cheap, 'one picture');
    }
  });

  it('compares two 5K captures of one size halved, and finds a frame drawn on hover', async () => {
    const plain = await sharp(appPage({}, 5760)).png().toBuffer();
    const hovered = await sharp(appPage({ hovered: true }, 5760))
      .png()
      .toBuffer();
    const v = await verdict(plain, hovered);
    assert.ok(v.cheap !== undefined && v.detail, 'the thumbnails and the detail check see one picture');
    assert.equal(v.verified, undefined, 'the pixels at half size do not');
    const again = await sharp(plain).png({ compressionLevel: 2, palette: false }).toBuffer();
    assert.ok((await verdict(plain, again)).verified !== undefined, 'the same capture saved again is one picture');
  });

  it('decodes the exact pixels halved until they fit, upright, and keeps smaller ones whole', async () => {
    const plain = (width: number, height: number): sharp.Sharp =>
      sharp({ create: { width, height, channels: 3, background: { r: 30, g: 90, b: 200 } } });
    const capture = await decodeExact(await plain(5760, 3240).png().toBuffer());
    assert.deepEqual([capture.width, capture.height], [2880, 1620], 'a 5K capture halved once');
    assert.equal(capture.rgba.length, 2880 * 1620 * 4);
    assert.deepEqual([...capture.rgba.subarray(0, 4)], [30, 90, 200, 255], 'its colours kept');
    const fits = await decodeExact(await plain(4096, 2048).png().toBuffer());
    assert.deepEqual([fits.width, fits.height], [4096, 2048], 'MAX_LOCAL_EDIT_PIXELS itself is kept whole');
    // Stored 4 000 × 2 200 with EXIF orientation 6: upright 2 200 × 4 000, halved to 1 100 × 2 000.
    const rotated = await decodeExact(await plain(4000, 2200).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    assert.deepEqual([rotated.width, rotated.height], [1100, 2000], 'halved upright');
    assert.deepEqual(localEditSize(12001, 8001), { width: 3000, height: 2000 }, 'halved twice, odd rows dropped');
    assert.ok(6000 * 4000 > MAX_LOCAL_EDIT_PIXELS && 3000 * 2000 <= MAX_LOCAL_EDIT_PIXELS);
  });

  it('compares a 4K capture with a 1080p one halved, and tells other pages apart', async () => {
    const flow = appPage({ drawer: { title: 'Updating Flow', fields: ['Method', 'Asynchronous', 'Response Body', 'Cache'] } }, 3840);
    const revision = appPage({ firstItem: 48, drawer: { title: 'Item Revision', fields: ['Title', 'Updates Made', 'Preview', 'Author'] } });
    const large = await webp(flow);
    const v = await verdict(large, await webp(revision));
    assert.ok(v.cheap !== undefined && v.detail, 'the thumbnails and the detail check see one picture');
    assert.equal(v.verified, undefined, 'the 4K capture halved does not');
    const halved = await webp(flow, 1920);
    assert.ok((await verdict(large, halved)).verified !== undefined, 'its own halved copy is one picture');
  });
});
