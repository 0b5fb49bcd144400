/**
 * Faint edits of one canvas (a design system's "do" and "don't" pictures, GouvernementFR/dsfr, Shopify/polaris):
 * one component drawn twice at one size, once with a light grey border 2 px wide. It moves a channel by 25–34
 * levels, under what the local-edit check counts as drawn between resampled or exported copies
 * (hash/local-edit.ts), so only its faint pass, for two stored rasters of exactly one size, can tell them apart.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeExact, fingerprint, isLocalEdit, localEdit, mayBeLocalEdit } from '../../daemon/hash';
import { MAX_FAINT_TILE, oneCanvas } from '../../daemon/hash/local-edit';
import { verdict } from './verdict';

const FONT = 'font-family="DejaVu Sans, sans-serif"';

/** A 768×464 picture of one tile component on a light page; `bordered` draws its light grey outline. */
function tile(bordered: boolean, scale = 1): string {
  const border = bordered ? `<rect x="94" y="66" width="512" height="297" fill="none" stroke="#dddddd" stroke-width="2"/>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${768 * scale}" height="${464 * scale}" viewBox="0 0 768 464">` +
    `<rect width="768" height="464" fill="#f6f6f6"/><rect x="93" y="65" width="514" height="299" fill="#ffffff"/>${border}` +
    `<rect x="93" y="358" width="514" height="6" fill="#000091"/>` +
    `<rect x="140" y="115" width="66" height="60" fill="none" stroke="#000091" stroke-width="3"/><path d="M150 130h46M150 145h46" stroke="#e1000f" stroke-width="3"/>` +
    `<rect x="254" y="108" width="104" height="28" rx="4" fill="#fee7fc"/><text x="264" y="128" ${FONT} font-size="16" font-weight="bold" fill="#6e445a">LIBELLÉ</text>` +
    `<text x="254" y="192" ${FONT} font-size="26" font-weight="bold" fill="#000091">Titre lorem</text>` +
    `<text x="254" y="242" ${FONT} font-size="24" fill="#3a3a3a">Description</text>` +
    `<text x="254" y="302" ${FONT} font-size="19" fill="#666666">Détail</text>` +
    `<path d="M538 298h20m-7 -7l7 7l-7 7" fill="none" stroke="#000091" stroke-width="2.5"/></svg>`
  );
}

const png = (svg: string): Promise<Buffer> => sharp(Buffer.from(svg)).png().toBuffer();

describe('faint edits of one canvas', function () {
  it('tells apart one component drawn with and without a light grey border', async () => {
    const [plain, bordered] = await Promise.all([png(tile(false)), png(tile(true))]);
    const [fa, fb] = await Promise.all([fingerprint(plain), fingerprint(bordered)]);
    assert.ok(mayBeLocalEdit(fa, fb), 'compared pixel for pixel');
    const edit = localEdit(await decodeExact(plain), await decodeExact(bordered), 'stored')!;
    assert.equal(edit.changedTile, 0, `no pixel moves past the drawn threshold (${JSON.stringify(edit)})`);
    assert.ok(edit.faintTile! > MAX_FAINT_TILE && isLocalEdit(edit, 'stored'), `a faint edit (${JSON.stringify(edit)})`);
    assert.ok(!oneCanvas(edit, 'stored'), 'not one canvas unedited');

    const v = await verdict(plain, bordered);
    assert.ok(v.cheap !== undefined && v.detail, 'the thumbnails and the detail check see one picture');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('keeps one component made at one size by two resamplers, which differ faintly along every edge', async () => {
    const twice = await sharp(Buffer.from(tile(true, 2)))
      .png()
      .toBuffer();
    const [lanczos, mitchell] = await Promise.all(
      (['lanczos3', 'mitchell'] as const).map((kernel) => sharp(twice).resize(768, 464, { kernel }).png().toBuffer()),
    );
    const edit = localEdit(await decodeExact(lanczos), await decodeExact(mitchell), 'stored')!;
    assert.ok(edit.unequalShare! > 0, `their pixels differ (${JSON.stringify(edit)})`);
    assert.ok(edit.faintTile !== undefined && edit.faintTile <= MAX_FAINT_TILE, `no faint edit (${JSON.stringify(edit)})`);
    assert.ok((await verdict(lanczos, mitchell)).verified !== undefined, 'one picture');
  });
});
