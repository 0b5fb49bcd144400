/**
 * An SVG's declared size stands in for librsvg's answer only when it is the same answer, and the square render
 * given that size (a density instead of a second read of the size) has the same pixels as sharp's own.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { declaredSvgSize } from '../../daemon/hash/svg-size';
import { renderSvg } from '../../daemon/hash/svg-render';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const drawing = '<circle cx="20" cy="12" r="9" fill="#c33"/><rect x="2" y="2" width="12" height="5" fill="#33c"/>';
const svg = (attributes: string, prolog = ''): Buffer => Buffer.from(`${prolog}<svg ${NS} ${attributes}>${drawing}</svg>`);

async function librsvgSize(bytes: Buffer): Promise<{ width?: number; height?: number }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, height: meta.height };
}

describe('declared SVG size', () => {
  it('reads whole pixel sizes as librsvg does, after an XML declaration, comments and a DOCTYPE', async () => {
    const cases = [
      svg('width="48" height="48"'),
      svg("width='65px' height='50px' viewBox=\"0 0 10 10\""),
      svg('viewBox="0 0 24 24" width=" 24 " height="36"', '<?xml version="1.0"?>\n<!-- <svg width="1" height="1"> -->\n'),
      svg(
        'width="612" height="792"',
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n',
      ),
    ];
    for (const bytes of cases) {
      const declared = declaredSvgSize(bytes);
      assert.ok(declared, bytes.toString());
      assert.deepEqual(declared, await librsvgSize(bytes), bytes.toString());
    }
  });

  it('leaves to librsvg what is not a plain pixel size', () => {
    const cases = [
      svg('viewBox="0 0 24 24"'),
      svg('width="100%" height="100%" viewBox="0 0 24 24"'),
      svg('width="2in" height="1in"'),
      svg('width="12.5" height="12.5"'),
      svg('width="0" height="10"'),
      svg('width="10" width="20" height="10"'),
      svg('width="&w;" height="10"', '<!DOCTYPE svg [<!ENTITY w "30">]>'),
      Buffer.from(`<g ${NS}><svg width="10" height="10"/></g>`),
      Buffer.from('not an svg'),
    ];
    for (const bytes of cases) assert.equal(declaredSvgSize(bytes), undefined, bytes.toString());
  });

  it("renders a square from the declared size with sharp's own pixels, square or not", async function () {
    this.timeout(30_000);
    for (const attributes of ['width="48" height="48"', 'width="65" height="30" viewBox="0 0 30 30"', 'width="20" height="90"']) {
      const bytes = svg(attributes);
      assert.ok(declaredSvgSize(bytes));
      const rendered = await renderSvg(bytes, { target: { square: 64 }, maxPixels: 1e8 });
      const own = await sharp(bytes).resize(64, 64, { fit: 'fill' }).raw().toBuffer();
      assert.deepEqual({ width: rendered.width, height: rendered.height }, await librsvgSize(bytes));
      assert.ok(rendered.raw?.data.equals(own), `${attributes}: other pixels than sharp's own render`);
    }
  });
});
