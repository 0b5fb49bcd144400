/**
 * The detail check on the kinds of false near-duplicates found in real web repositories (issue 9): two
 * close shades of one thin icon, the colour skins of one sprite, another glyph inside a small SVG icon,
 * screenshots of a busy page with other numbers — and the pairs that must stay grouped next to them:
 * retina sprites, a cut-out screenshot and its copy on white.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { atOneSize, DEFAULT_NEAR_THRESHOLDS, fingerprint, isGraphic, isLightScreen, needsDetail } from '../../daemon/hash';
import { photoPixels } from '../fixtures/images';
import { verdict } from './verdict';

const T = DEFAULT_NEAR_THRESHOLDS;

/** A thin "close" cross in one stroke colour (one file per shade, as design systems ship them). */
function closeIcon(colour: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="15" height="15" viewBox="0 0 15 15"><path fill="none" stroke="${colour}" stroke-linecap="round" stroke-width="2" d="M0 13L13 0M13 13L0 0" transform="translate(1 1)"/></svg>`,
  );
}

/**
 * A checkbox and radio sprite like iCheck's skins: ten 20 px cells with grey frames, one colour for the
 * hovered frame and ring, the check mark and the radio dot. Most of the ink is the shared grey. `scale` 2 is
 * the @2x file.
 */
async function sprite(colour: string, scale = 1): Promise<Buffer> {
  const cells: string[] = [];
  for (let i = 0; i < 5; i++) {
    const x = i * 20;
    const cx = 100 + x + 10;
    const frame = i === 1 ? colour : '#b4b4b4';
    cells.push(`<rect x="${x + 1.5}" y="1.5" width="17" height="17" fill="none" stroke="${frame}" stroke-width="1"/>`);
    cells.push(`<circle cx="${cx}" cy="10" r="8.5" fill="none" stroke="${frame}" stroke-width="1"/>`);
    if (i === 2) {
      cells.push(`<path d="M${x + 5} 9 L${x + 9} 13 L${x + 15} 6" fill="none" stroke="${colour}" stroke-width="4"/>`);
      cells.push(`<circle cx="${cx}" cy="10" r="4" fill="${colour}"/>`);
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${200 * scale}" height="${20 * scale}" viewBox="0 0 200 20">${cells.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A small "user interview" icon: a speech bubble holding `glyph`, and a person; thin strokes. */
function interviewIcon(glyph: 'lines' | 'heart', size: number): Buffer {
  const inside =
    glyph === 'lines'
      ? '<path d="M11 12h12M11 18h12" stroke-width="3"/>'
      : '<path d="M17 21 l-5-5 a3 3 0 0 1 5-4 a3 3 0 0 1 5 4z" stroke-width="3"/>';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 56 56"><g fill="none" stroke="#1a6895" stroke-linecap="round" stroke-linejoin="round"><path d="M17 3a14 13 0 1 0 7 25l8 3-3-8a14 13 0 0 0-12-20z" stroke-width="2.5"/>${inside}<circle cx="40" cy="33" r="7" stroke-width="2.5"/><path d="M27 54v-3a6 6 0 0 1 6-6h14a6 6 0 0 1 6 6v3" stroke-width="2.5"/></g></svg>`,
  );
}

/** A screenshot of a busy dashboard (a photo-like backdrop, not flat) with a figure panel; lossless PNG. */
async function dashboard(figure: string, width = 480): Promise<Buffer> {
  const height = (width * 5) / 8;
  const panel = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 480 300"><rect x="150" y="100" width="180" height="70" fill="#fff"/><text x="240" y="150" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="34" font-weight="bold" fill="#112e51">${figure}</text></svg>`,
  );
  return sharp(photoPixels(42, width, height), { raw: { width, height, channels: 3 } })
    .composite([{ input: panel }])
    .png()
    .toBuffer();
}

/**
 * A busy screenshot (photo-like backdrop, not flat) with a table of 13 rows on a white panel, 480×300, as a
 * lossless PNG; `badge` adds a red notification dot of radius 4 beside the table: 0.38 of one detail tile,
 * as two states of one books app (linkerd/website, a banner and two more rows) changed 0.44.
 */
function busyScreen(badge: boolean): Promise<Buffer> {
  const width = 480,
    height = 300;
  const rows = Array.from(
    { length: 13 },
    (_, i) =>
      `<text x="160" y="${80 + 14 * i}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#112e51">Book ${i + 1} — Author ${i + 1}</text>`,
  ).join('');
  const dot = badge ? '<circle cx="390" cy="150" r="4" fill="#e02020"/>' : '';
  const panel = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="150" y="60" width="260" height="198" fill="#fff"/>${rows}${dot}</svg>`,
  );
  return sharp(photoPixels(42, width, height), { raw: { width, height, channels: 3 } })
    .composite([{ input: panel }])
    .png()
    .toBuffer();
}

/**
 * A flat app screenshot (window bar, sidebar, three cards), 640×400 PNG; `arrow` adds a thin red arrow in a
 * corner, as docs annotate one screen several times (ionic-docs `ss-new-terminal.png`, `ss-page-index.png`).
 * At one size it changes 0.36 of one detail tile: under MAX_CHANGED_TILE, over MAX_CHANGED_TILE_AT_ONE_SIZE.
 */
function appScreen(arrow: boolean): Promise<Buffer> {
  const annotation = arrow
    ? '<path d="M60 330 L60 380" stroke="#e02020" stroke-width="2.5"/><path d="M54 374 L60 382 L66 374" fill="none" stroke="#e02020" stroke-width="2.5"/>'
    : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"><rect width="640" height="400" fill="#1e1f22"/><rect width="640" height="24" fill="#2b2d31"/><rect y="24" width="120" height="376" fill="#26272b"/><text x="140" y="60" font-family="DejaVu Sans, sans-serif" font-size="20" fill="#fff">Views</text><rect x="540" y="36" width="50" height="18" rx="3" fill="#3a3c42"/><rect x="140" y="110" width="120" height="160" fill="#3a3c42"/><rect x="280" y="110" width="120" height="160" fill="#fff"/><rect x="420" y="110" width="120" height="160" fill="#fff"/>${annotation}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** One step of an architecture diagram (react-native-website's render pipeline): later steps add labels. */
function diagramStep(step: 1 | 2, quality: number): Promise<Buffer> {
  const labels =
    step === 2
      ? ['[x, y, width, height]', '[x, y, width, height]', '[x, y, width, height]']
          .map((t, i) => `<text x="330" y="${94 + 60 * i}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#333">${t}</text>`)
          .join('')
      : '';
  const nodes = [0, 1, 2]
    .map(
      (i) =>
        `<circle cx="90" cy="${90 + 60 * i}" r="12" fill="#eee" stroke="#888"/><circle cx="290" cy="${90 + 60 * i}" r="12" fill="#f0a830" stroke="#888"/><path d="M110 ${90 + 60 * i}H260" stroke="#666" stroke-width="2"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="560" height="300"><rect width="560" height="300" fill="#fff"/><rect x="4" y="4" width="552" height="292" fill="none" stroke="#999"/><path d="M180 30V290M420 30V290" stroke="#999" stroke-dasharray="4 4"/><text x="60" y="40" font-family="DejaVu Sans, sans-serif" font-size="15" fill="#222">REACT.JS</text><text x="230" y="40" font-family="DejaVu Sans, sans-serif" font-size="15" fill="#222">REACT NATIVE</text>${nodes}${labels}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality }).toBuffer();
}

/**
 * A large architecture diagram like react-native-website's (2 206 and 2 117 px wide exports): columns, nodes
 * and arrows in thin strokes. `added` is the later step: a dashed box and three small labels, whose strokes
 * are under half a pixel wide at the detail raster's 512 px.
 */
function largeDiagram(width: number, added: boolean): Promise<Buffer> {
  const nodes = [0, 1, 2]
    .map(
      (i) =>
        `<circle cx="160" cy="${200 + 90 * i}" r="14" fill="#eee" stroke="#888"/><circle cx="520" cy="${200 + 90 * i}" r="14" fill="#f0a830" stroke="#888"/><path d="M180 ${200 + 90 * i}H495" stroke="#666"/><text x="40" y="${205 + 90 * i}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#333">&lt;View ${i}&gt;</text>`,
    )
    .join('');
  const step = added
    ? '<rect x="760" y="170" width="260" height="240" fill="none" stroke="#777" stroke-dasharray="6 4"/>' +
      [0, 1, 2]
        .map(
          (i) =>
            `<text x="790" y="${205 + 90 * i}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#555">[RootView ${i}]</text>`,
        )
        .join('')
    : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.round((width * 530) / 1100)}" viewBox="0 0 1100 530"><rect width="1100" height="530" fill="#fff"/><rect x="2" y="2" width="1096" height="526" fill="none" stroke="#999"/><path d="M330 60V520M700 60V520" stroke="#999" stroke-dasharray="4 4"/><path d="M2 60H1098" stroke="#999"/><text x="110" y="40" font-family="DejaVu Sans, sans-serif" font-size="18" fill="#222">Javascript</text><text x="700" y="40" font-family="DejaVu Sans, sans-serif" font-size="18" fill="#222">Mobile Platform</text>${nodes}${step}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * A light trace view (opentelemetry.io's Jaeger screenshots): a white page, a grey header, 30 rows of span
 * names and timings with a bar each, 1 200×720 at `width` 1 200. `trace` 0 and 1 are two traces: other names,
 * numbers and bars in the same layout. Busy enough not to be a graphic (flatness about 0.14–0.23).
 */
function traceScreen(trace: 0 | 1, width = 1200): sharp.Sharp {
  const text = (x: number, y: number, size: number, fill: string, content: string): string =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="${fill}">${content}</text>`;
  const rows = Array.from({ length: 30 }, (_, i) => {
    const depth = (i * 7 + trace) % 5;
    const start = 40 + ((i * 37 + trace * 13) % 300);
    const length = 60 + ((i * 53 + trace * 29) % 400);
    const y = 118 + 22 * i;
    return (
      text(20 + depth * 14, y, 12, '#333', `${trace ? 'checkout' : 'frontend'}-service-${(i * 17 + trace * 5) % 97} GET /api/v${i % 3}`) +
      text(330, y, 11, '#666', `${(i * 7 + trace * 3) % 50}.${i % 10} ms, span ${(i * 31 + trace) % 1000}`) +
      `<rect x="${640 + start}" y="${y - 12}" width="${length}" height="12" fill="${i % 4 ? '#5fb0a8' : '#e8b95c'}"/><path d="M0 ${y + 6}H1200" stroke="#eee"/>`
    );
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.round(width * 0.6)}" viewBox="0 0 1200 720"><rect width="1200" height="720" fill="#fff"/><rect width="1200" height="36" fill="#f2f2f2"/>${text(16, 24, 14, '#222', trace ? 'Trace 7f3a91c2: POST /checkout' : 'Trace c4b2e018: GET /cart')}<rect y="48" width="1200" height="40" fill="#fafafa"/><path d="M0 60H1200M0 76H1200" stroke="#ddd"/>${rows}<path d="M630 90V720" stroke="#ccc"/></svg>`;
  return sharp(Buffer.from(svg));
}

/**
 * A photograph of a building under a sky gradient, as a lossless PNG; `gain` scales every colour (1.02: 2 %
 * lighter, which moves where the gradient crosses the ink threshold by a few rows).
 */
function skyPhoto(gain: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a78c8"/><stop offset="1" stop-color="#c9d8ee"/></linearGradient></defs><rect width="300" height="300" fill="url(#sky)"/><path d="M60 300V170H110V120A40 40 0 0 1 190 120V170H240V300Z" fill="#eae4da"/><rect y="250" width="300" height="50" fill="#4f7a3a"/></svg>`;
  return sharp(Buffer.from(svg)).linear(gain, 0).png().toBuffer();
}

async function assertApart(a: Buffer, b: Buffer, what: string): Promise<void> {
  const v = await verdict(a, b);
  assert.ok(v.cheap !== undefined, `${what}: the thumbnails call them near-duplicates (the case to catch)`);
  assert.equal(v.detail, false, `${what}: told apart in detail`);
  assert.equal(v.verified, undefined, `${what}: not verified`);
}

async function assertTogether(a: Buffer, b: Buffer, what: string): Promise<void> {
  const v = await verdict(a, b);
  assert.equal(v.detail, true, `${what}: one drawing in detail`);
  assert.ok(v.verified !== undefined && v.verified === v.cheap, `${what}: verified with the thumbnail similarity`);
}

describe('detail verification on real-repository cases', function () {
  this.timeout(60_000);

  it('tells two close shades of a thin icon apart (the blurred ink of a 2 px stroke hides them)', async () => {
    await assertApart(closeIcon('#0096F4'), closeIcon('#0076D6'), 'blue 40v / 50v');
    const png = (svg: Buffer): Promise<Buffer> => sharp(svg).png().toBuffer();
    await assertApart(await png(closeIcon('#0096F4')), await png(closeIcon('#0076D6')), 'as PNG');
  });

  it('tells the colour skins of one sprite apart, where most of the ink is shared grey, and keeps each with its @2x', async () => {
    await assertApart(await sprite('#ff7700'), await sprite('#d54e21'), 'orange / rust skin');
    await assertApart(await sprite('#ff7700', 2), await sprite('#d54e21'), 'orange @2x / rust 1x');
    for (const colour of ['#ff7700', '#ffcc00', '#1f8ad3'])
      await assertTogether(await sprite(colour, 2), await sprite(colour), `${colour} @2x / 1x`);
  });

  it('tells another glyph inside a small SVG icon apart (drawn larger than its nominal size)', async () => {
    await assertApart(interviewIcon('heart', 66), interviewIcon('lines', 56), 'heart 66 px / lines 56 px');
    await assertTogether(interviewIcon('heart', 66), interviewIcon('heart', 56), 'one icon at 66 and 56 px');
  });

  it('checks lossless screenshots in detail even when they are not flat: other figures on one dashboard', async () => {
    const [a, b] = [await dashboard('140,868'), await dashboard('143,983')];
    const [fa, fb] = await Promise.all([fingerprint(a), fingerprint(b)]);
    assert.ok(needsDetail(fa, fb, T), 'two lossless screenshots are checked in detail');
    await assertApart(a, b, 'other figures');
    await assertTogether(await dashboard('140,868', 960), a, 'the same screenshot @2x');
  });

  it('holds two graphics of one size to differences no resampling explains: one screen annotated with an arrow', async () => {
    const [plain, annotated] = [await appScreen(false), await appScreen(true)];
    await assertApart(plain, annotated, 'the screen with an arrow drawn on it');
    const jpeg = await sharp(plain).jpeg({ quality: 90 }).toBuffer();
    await assertTogether(plain, jpeg, 'the same screen as PNG and as JPEG, one size');
  });

  it('holds two lossless screenshots of one size to the same, busy or not: a badge added beside a table', async () => {
    const [plain, badged] = [await busyScreen(false), await busyScreen(true)];
    const [fa, fb] = await Promise.all([fingerprint(plain), fingerprint(badged)]);
    assert.ok(!isGraphic(fa, T) && !isGraphic(fb, T), 'the screenshots are not flat: not graphics');
    assert.ok(atOneSize(fa, fb, T), 'held as one size');
    await assertApart(plain, badged, 'the screen with a badge');
    await assertTogether(plain, await sharp(plain).webp({ lossless: true }).toBuffer(), 'its lossless WebP');
    await assertTogether(plain, await sharp(plain).linear(1.02, 0).png().toBuffer(), 'its copy 2 % lighter');
  });

  it('checks two lossy graphics in detail: the steps of one diagram, saved as JPEG', async () => {
    const [first, second] = [await diagramStep(1, 90), await diagramStep(2, 90)];
    const [fa, fb] = await Promise.all([fingerprint(first), fingerprint(second)]);
    assert.ok(!fa.lossless && !fb.lossless && needsDetail(fa, fb, T), 'two JPEG graphics are checked in detail');
    await assertApart(first, second, 'the step that adds labels');
    await assertTogether(first, await diagramStep(1, 60), 'one step at JPEG quality 90 and 60');
  });

  it('checks two light screenshots in detail even as JPEGs: the trace views of two traces', async () => {
    const [first, second] = [await traceScreen(0).jpeg({ quality: 85 }).toBuffer(), await traceScreen(1).jpeg({ quality: 85 }).toBuffer()];
    const [fa, fb] = await Promise.all([fingerprint(first), fingerprint(second)]);
    assert.ok(!isGraphic(fa, T) && !isGraphic(fb, T), 'busy screens, not graphics');
    assert.ok(isLightScreen(fa) && isLightScreen(fb) && needsDetail(fa, fb, T), 'two light screens are checked in detail');
    await assertApart(first, second, 'the view of another trace');
    await assertTogether(first, await traceScreen(0).jpeg({ quality: 60 }).toBuffer(), 'one trace at JPEG quality 85 and 60');
    await assertTogether(first, await traceScreen(0, 800).png().toBuffer(), 'one trace as a smaller PNG');
    // A photograph with a sky is partly flat too, but coloured: not a screen.
    assert.equal(isLightScreen(await fingerprint(await skyPhoto(1))), false, 'the sky photograph');
  });

  it('tells the steps of a large diagram apart by the ink one adds on bare page, faint at the detail size', async () => {
    await assertApart(await largeDiagram(2206, true), await largeDiagram(2117, false), 'the step that adds a dashed box and labels');
    await assertTogether(await largeDiagram(2206, false), await largeDiagram(2117, false), 'one step exported at two sizes');
    await assertTogether(await largeDiagram(2206, true), await largeDiagram(1103, true), 'one step and its 1x export');
  });

  it('reads added ink only against pages of one colour: a copy whose corners read another page is not all ink added', async () => {
    // Corner colours are the pages ink is read against; a banner and its crop read their gradient's colours
    // there (fluxcd/website). Four grey corner pixels make the same drawing's white page "ink" of the copy.
    const drawing = await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="240"><rect width="400" height="240" fill="#fff"/><rect x="40" y="40" width="120" height="60" fill="none" stroke="#333" stroke-width="2"/><path d="M160 70H260" stroke="#333" stroke-width="2"/><circle cx="300" cy="70" r="30" fill="#f0a830"/><text x="60" y="180" font-family="DejaVu Sans, sans-serif" font-size="20" fill="#222">Render pipeline</text></svg>',
      ),
    )
      .png()
      .toBuffer();
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#9a9a9a' } })
      .png()
      .toBuffer();
    const corners = [
      [0, 0],
      [399, 0],
      [0, 239],
      [399, 239],
    ].map(([left, top]) => ({ input: dot, left, top }));
    await assertTogether(drawing, await sharp(drawing).composite(corners).png().toBuffer(), 'the copy with grey corner pixels');
  });

  it('keeps a lossless copy whose colours moved a little together, though its sky gradient crosses the ink threshold elsewhere', async () => {
    await assertTogether(await skyPhoto(1), await skyPhoto(1.02), 'one photograph, every colour 2 % lighter');
  });

  it('keeps a cut-out screenshot with a faint backdrop and its copy on white together', async () => {
    // The cut-out keeps part of its light grey backdrop (opaque at the top, transparent below).
    const svg = (backdrop: string): Buffer =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="210">${backdrop}<rect x="12" y="10" width="120" height="40" rx="4" fill="#b50909"/><rect x="150" y="10" width="100" height="40" rx="4" fill="#205493"/><rect x="270" y="10" width="118" height="40" rx="4" fill="#4aa564"/><rect x="12" y="70" width="376" height="50" rx="4" fill="#112e51"/><rect x="12" y="140" width="180" height="60" rx="30" fill="#fdb81e"/></svg>`,
      );
    const onWhite = await sharp(svg('<rect width="400" height="210" fill="#fff"/>')).png().toBuffer();
    const cutOut = await sharp(svg('<rect width="400" height="130" fill="#f9f9f9"/>')).png().toBuffer();
    await assertTogether(cutOut, onWhite, 'transparent cut-out with a #F9F9F9 backdrop / on white');
  });
});
