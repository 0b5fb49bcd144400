/**
 * The replaced-content check (hash/replaced-content.ts) and its place in verification (hash/verify.ts), on
 * generated blog covers built like linkerd/website's: one template (rays, a title, a figure, a badge) with a
 * portrait and a name in a pill. Another portrait and name is another picture; the same cover re-encoded,
 * resized, cropped or watermarked is one. Real sharp, real JPEG files; the real CLI for the whole scan.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ScanReport } from '../../protocol/report';
import {
  DEFAULT_MAX_PIXELS,
  DEFAULT_NEAR_THRESHOLDS,
  MIN_REPLACED_TILES,
  decodeFine,
  fingerprint,
  mayHaveReplacedContent,
  replacedTiles,
} from '../../daemon/hash';
import { makePhoto, rng, tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';
import { verdict } from './verdict';

const T = DEFAULT_NEAR_THRESHOLDS;
const WIDTH = 1600;
const HEIGHT = 900;

const FONT = 'font-family="DejaVu Sans, sans-serif" font-weight="bold"';

/** The template every cover shares: a ray background, a title, a figure and a badge. */
function template(): string {
  const rays = Array.from({ length: 24 }, (_, i) => {
    const a0 = (i * Math.PI) / 12;
    const a1 = a0 + Math.PI / 24;
    return `<polygon points="800,450 ${800 + 2000 * Math.cos(a0)},${450 + 2000 * Math.sin(a0)} ${800 + 2000 * Math.cos(a1)},${450 + 2000 * Math.sin(a1)}" fill="#2f6fe0"/>`;
  }).join('');
  return (
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#2a62d6"/>${rays}` +
    `<text x="80" y="220" ${FONT} font-size="64" fill="#fff">THIS MONTH'S</text>` +
    `<text x="80" y="340" ${FONT} font-size="96" fill="#fff" stroke="#10204a" stroke-width="4">HERO</text>` +
    '<path d="M700 330 L900 330 L980 800 L620 800 Z" fill="#1f8f8a" stroke="#0b2a3a" stroke-width="8"/>' +
    '<polygon points="1250,380 1450,380 1500,470 1350,640 1200,470" fill="#0b2a3a" stroke="#4be3b0" stroke-width="12"/>'
  );
}

/** A portrait drawn in a few strokes (hair, brows, eyes, mouth) where this seed puts them. */
function portrait(seed: number): Buffer {
  const r = rng(seed);
  const strokes = Array.from({ length: 6 }, () => {
    const [x1, y1, cx, cy, x2, y2] = [r(), r(), r(), r(), r(), r()].map((v, i) => Math.round(40 + v * (i % 2 ? 280 : 250)));
    return `<path d="M${x1} ${y1} Q${cx} ${cy} ${x2} ${y2}" fill="none" stroke="#2b1a10" stroke-width="${Math.round(4 + r() * 6)}"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="330" height="360"><ellipse cx="165" cy="185" rx="150" ry="170" fill="#e8b896"/>${strokes}</svg>`,
  );
}

/** The cover of one person: the template, their portrait, their name. */
async function cover(seed: number, name: string): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${template()}` +
    '<rect x="1150" y="150" width="400" height="90" rx="45" fill="#fff"/>' +
    `<text x="1350" y="210" text-anchor="middle" ${FONT} font-size="44" fill="#10204a">${name}</text></svg>`;
  return sharp(Buffer.from(svg))
    .composite([{ input: portrait(seed), left: 635, top: 40 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The benchmark's watermark (bench/corpus.ts): white text at 70 %, outlined, in the bottom right corner. */
function watermark(width: number, height: number): Buffer {
  const size = Math.round(height / 12);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${width - size / 2}" y="${height - size / 2}" text-anchor="end" font-family="sans-serif" font-weight="bold" font-size="${size}" fill="white" fill-opacity="0.7" stroke="black" stroke-opacity="0.4">© Doublon 2025</text></svg>`,
  );
}

async function tiles(a: Buffer, b: Buffer): Promise<number | undefined> {
  const [fa, fb] = await Promise.all([decodeFine(a, DEFAULT_MAX_PIXELS), decodeFine(b, DEFAULT_MAX_PIXELS)]);
  return replacedTiles(fa, fb);
}

const PEOPLE: Array<[number, string, number, string]> = [
  [1, 'Ada Lovelace', 2, 'Grace Hopper'],
  [5, 'Naveen Nalam', 6, 'Krzysztof Dryś'],
  [9, 'Alan Turing', 10, 'Edsger Dijkstra'],
];

describe('replaced content: one template with another portrait and name', function () {
  this.timeout(120_000);

  it('tells two covers of one template apart, though their thumbnails agree', async () => {
    for (const [seedA, nameA, seedB, nameB] of PEOPLE) {
      const [a, b] = await Promise.all([cover(seedA, nameA), cover(seedB, nameB)]);
      const [fa, fb] = await Promise.all([fingerprint(a), fingerprint(b)]);
      const v = await verdict(a, b);
      // The thumbnails take them for one picture: only the pixel checks can tell.
      assert.ok(v.cheap !== undefined, `${nameA} / ${nameB}: the thumbnails agree`);
      assert.ok(mayHaveReplacedContent(fa, fb, T), `${nameA} / ${nameB}: partly drawn, lossy, one orientation`);
      const n = await tiles(a, b);
      assert.ok(n !== undefined && n >= MIN_REPLACED_TILES, `${nameA} / ${nameB}: ${n} replaced tiles`);
      assert.equal(v.verified, undefined, `${nameA} / ${nameB}`);
    }
  });

  it('keeps a cover with its re-encoded, resized, cropped and watermarked copies', async () => {
    const original = await cover(1, 'Ada Lovelace');
    const copies: Record<string, Buffer> = {
      'JPEG quality 70': await sharp(original).jpeg({ quality: 70 }).toBuffer(),
      'resized to 1 200 px': await sharp(original).resize(1200).jpeg({ quality: 90 }).toBuffer(),
      'cropped by 5 %': await sharp(original).extract({ left: 40, top: 20, width: 1520, height: 855 }).jpeg({ quality: 90 }).toBuffer(),
      watermarked: await sharp(original)
        .composite([{ input: watermark(WIDTH, HEIGHT) }])
        .jpeg({ quality: 90 })
        .toBuffer(),
      brightened: await sharp(original).modulate({ brightness: 1.15 }).jpeg({ quality: 90 }).toBuffer(),
    };
    for (const [edit, copy] of Object.entries(copies)) {
      const n = await tiles(original, copy);
      assert.ok(n === undefined || n < MIN_REPLACED_TILES, `${edit}: ${n} replaced tiles`);
      assert.ok((await verdict(original, copy)).verified !== undefined, edit);
    }
  });

  it('asks nothing of a flipped copy (not edge-aligned) nor of photographs (no flat areas)', async () => {
    const original = await cover(5, 'Naveen Nalam');
    const flipped = await sharp(original).flop().jpeg({ quality: 90 }).toBuffer();
    const [fo, ff] = await Promise.all([fingerprint(original), fingerprint(flipped)]);
    assert.equal(mayHaveReplacedContent(fo, ff, T), false, 'flipped');
    const photo = await makePhoto(3, 640, 480);
    const [p, q] = await Promise.all([fingerprint(photo), fingerprint(await sharp(photo).jpeg({ quality: 60 }).toBuffer())]);
    assert.equal(mayHaveReplacedContent(p, q, T), false, 'a photograph and its re-encoding');
  });

  it('keeps two covers apart in a scan, and a cover with its copy together', async () => {
    const dir = tempDir('doublon-covers-');
    try {
      for (const folder of ['2024/ada', '2024/grace', 'static']) fs.mkdirSync(path.join(dir.path, folder), { recursive: true });
      const ada = await cover(1, 'Ada Lovelace');
      fs.writeFileSync(path.join(dir.path, '2024/ada/cover.jpg'), ada);
      fs.writeFileSync(path.join(dir.path, '2024/grace/cover.jpg'), await cover(2, 'Grace Hopper'));
      fs.writeFileSync(path.join(dir.path, 'static/ada-cover.jpg'), await sharp(ada).resize(1200).jpeg({ quality: 80 }).toBuffer());
      const result = await runCli(dir.path, 'scan', '--json', '--no-daemon');
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ScanReport;
      assert.deepEqual(
        report.groups.map((g) => g.members.map((m) => m.path).sort()),
        [['2024/ada/cover.jpg', 'static/ada-cover.jpg']],
      );
    } finally {
      dir.cleanup();
    }
  });
});
