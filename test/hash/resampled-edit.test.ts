/**
 * A diagram re-exported at nearly its size with one label changed (strimzi.github.io: "HTTP Bridge" became
 * "Kafka Bridge", 1 522 and 1 520 px wide) differs along every edge where compared unresized, past what a
 * local edit may have, and at the detail check's 512 px the word is a few pixels: only once the larger is
 * resized to the smaller's size (local-edit.ts resampledEdit) does the changed label show. One export at the two
 * sizes stays one picture; so does the area mean itself, a resample of nothing.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { resizeByAreaMean } from '../../daemon/hash/raster-resize';
import { decodeExact, isLocalEdit, localEdit } from '../../daemon/hash';
import { verdict } from './verdict';

/** A 1 522×758 diagram of labelled boxes and arrows, the bridge's label given, rendered at `width` px. */
async function diagram(bridge: string, width: number): Promise<Buffer> {
  const box = (x: number, y: number, label: string, fill = '#e8e8e8', ink = '#151515'): string =>
    `<rect x="${x}" y="${y}" width="250" height="100" fill="${fill}" stroke="#0066cc" stroke-width="2"/>` +
    `<text x="${x + 125}" y="${y + 57}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="22" fill="${ink}">${label}</text>`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1522" height="758" viewBox="0 0 1522 758"><rect width="1522" height="758" fill="#fff"/>` +
    box(0, 160, 'Clients') +
    box(0, 300, 'HTTP Clients') +
    box(300, 300, bridge, '#0066cc', '#fff') +
    box(300, 440, 'Kafka Exporter') +
    box(700, 40, 'Data Source') +
    box(1050, 40, 'Data Source') +
    box(700, 440, 'Kafka Cluster', '#dbe8f6') +
    box(700, 600, 'Kafka MirrorMaker') +
    box(1200, 600, 'Source Cluster') +
    `<path d="M250 350 H300 M550 350 H700 V440 M250 210 H640 V460 H700 M825 140 V440 M1175 140 V300 H950 M950 650 V540 M1200 650 H950" stroke="#151515" stroke-width="2" fill="none"/></svg>`;
  return sharp(Buffer.from(svg)).resize(width).png().toBuffer();
}

describe('local edits of a copy resampled to nearly its size', function () {
  this.timeout(60_000);

  it('tells apart one diagram with another label, re-exported at 99.9 % of its width', async () => {
    const [http, kafka] = [await diagram('HTTP Bridge', 1522), await diagram('Kafka Bridge', 1520)];
    const v = await verdict(http, kafka);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'at 512 px the detail check sees one drawing');
    const [a, b] = [await decodeExact(http), await decodeExact(kafka)];
    const edit = localEdit(a, b, 'stored');
    assert.ok(edit?.resampled && isLocalEdit(edit, 'stored'), `resized to one size, the label changes a tile: ${JSON.stringify(edit)}`);
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('keeps one diagram exported at the two sizes', async () => {
    const [large, small] = [await diagram('HTTP Bridge', 1522), await diagram('HTTP Bridge', 1520)];
    const edit = localEdit(await decodeExact(large), await decodeExact(small), 'stored');
    assert.equal(edit?.resampled, true, 'compared resized');
    assert.ok((await verdict(large, small)).verified !== undefined, 'one picture');
  });

  it('averages each output pixel over the area it covers, alpha weighted', () => {
    // A 3×1 raster of opaque black, transparent (its red unseen) and opaque white, resized to 2×1: each output
    // pixel covers one and a half input pixels.
    const rgba = new Uint8Array([0, 0, 0, 255, 255, 0, 0, 0, 255, 255, 255, 255]);
    const out = resizeByAreaMean({ width: 3, height: 1, rgba }, 2, 1);
    assert.deepEqual([...out.rgba], [0, 0, 0, 170, 255, 255, 255, 170]);
    const same = resizeByAreaMean({ width: 3, height: 1, rgba }, 3, 1);
    assert.deepEqual([...same.rgba.slice(0, 4)], [0, 0, 0, 255], 'at its own size, a pixel is itself');
  });
});
