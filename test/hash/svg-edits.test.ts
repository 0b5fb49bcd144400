/**
 * Local edits of two SVGs drawn at one size (hash/local-edit.ts, `rendered` sources): one renderer and no
 * resample stand between them, so they are held like two stored rasters, and an edit spread thin over many
 * tiles counts too — dotted connectors added to one step of a diagram (spinnaker.io), a white outline added to
 * a logo (vitess).
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeExact, isLocalEdit, localEdit } from '../../daemon/hash';
import { verdict } from './verdict';

/**
 * An 810×344 pipeline diagram (spinnaker.io's artifact steps, SVG): five stages, one of them dashed; `later`
 * adds what the next step of the figure adds — three dotted connectors back to the first stage — and dashes
 * another stage. Thin lines over many tiles: no tile changes by much.
 */
function pipelineStep(later: boolean): Buffer {
  const stage = (x: number, y: number, label: string, dashed: boolean): string =>
    `<rect x="${x}" y="${y}" width="106" height="90" rx="14" fill="#cfe2f3" stroke="#2a5d8f" stroke-width="${dashed ? 2 : 1}"${dashed ? ' stroke-dasharray="8 5"' : ''}/>` +
    `<text x="${x + 53}" y="${y + 51}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="16">${label}</text>`;
  const dotted = later
    ? `<path d="M680 160C600 20 260 20 150 60M510 300C420 360 200 360 150 170M680 160C560 40 480 30 470 60" fill="none" stroke="#333" stroke-width="1" stroke-dasharray="2 3"/>`
    : '';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="810" height="344"><rect width="810" height="344" fill="#fff"/>` +
      `<path d="M138 80h90v90h-90z" fill="#cfe2f3" stroke="#2a5d8f"/>` +
      stage(292, 72, 'A', false) +
      stage(462, 72, 'B', !later) +
      stage(632, 72, 'C', later) +
      stage(462, 210, 'D', true) +
      `<path d="M228 118H292M398 118H462M568 118H632M398 118C440 118 420 255 462 255" fill="none" stroke="#000"/>${dotted}</svg>`,
  );
}

/**
 * A 320×320 logo mark (vitess's V, SVG): blue facets on a transparent page; `outlined` adds the white outline
 * its other file has, which shows only on a dark page.
 */
function logoMark(outlined: boolean): Buffer {
  const facets = [
    ['M20 20L100 20L130 120Z', '#3b8fd6'],
    ['M100 20L160 160L130 120Z', '#1f5f96'],
    ['M130 120L160 160L160 300Z', '#27557f'],
    ['M300 20L220 20L190 120Z', '#183d5d'],
    ['M220 20L160 160L190 120Z', '#4aa3e8'],
    ['M190 120L160 160L160 300Z', '#0f2f4b'],
  ]
    .map(([d, fill]) => `<path d="${d}" fill="${fill}"/>`)
    .join('');
  const outline = outlined ? '<path d="M20 20L100 20L160 160L220 20L300 20L160 300Z" fill="none" stroke="#fff" stroke-width="12"/>' : '';
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320">${outline}${facets}</svg>`);
}

describe('local edits of two SVGs drawn at one size', function () {
  this.timeout(120_000);

  it('tells apart two steps of one SVG diagram whose edit is spread thin (dotted connectors added)', async () => {
    const [one, two] = [pipelineStep(false), pipelineStep(true)];
    const v = await verdict(one, two);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'the detail check alone sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
    const edit = localEdit(await decodeExact(one), await decodeExact(two))!;
    assert.ok(edit.changedTile! <= 0.3 && !isLocalEdit(edit), `no tile changes much (${JSON.stringify(edit)})`);
    assert.ok(isLocalEdit(edit, 'rendered'), `but ${edit.changedShare} of the pixels do`);
    const pngOne = await sharp(one).png().toBuffer();
    assert.ok((await verdict(one, pngOne)).verified !== undefined, 'an SVG and its PNG stay one picture');
    const reordered = Buffer.from(one.toString().replace('<svg ', '<svg version="1.1" ').replace(/></g, '>\n<'));
    assert.ok((await verdict(one, reordered)).verified !== undefined, 'and one SVG saved otherwise');
  });

  it('tells apart a logo from the same with a white outline, as two SVGs of one size', async () => {
    const [plain, outlined] = [logoMark(false), logoMark(true)];
    const edit = localEdit(await decodeExact(plain), await decodeExact(outlined), 'rendered')!;
    assert.ok(edit.differingShare > 0.01 && isLocalEdit(edit, 'rendered'), `past an export's share, measured (${JSON.stringify(edit)})`);
    assert.equal(localEdit(await decodeExact(plain), await decodeExact(outlined))?.changedTile, undefined, 'an SVG and a PNG would not be');
    assert.equal((await verdict(plain, outlined)).verified, undefined, 'two pictures');
    const resaved = Buffer.from(plain.toString().replace(/"\/>/g, '" />'));
    assert.ok((await verdict(plain, resaved)).verified !== undefined, 'one SVG saved otherwise is one picture');
  });
});
