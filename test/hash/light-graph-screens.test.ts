/**
 * Light screenshots are checked in detail whatever their flatness (verify.ts isLightScreen): two Prometheus
 * graph pages of other queries, saved as JPEG at two heights (openyurt.io), pass the thumbnails at 0.89, and
 * a faint grid behind the chart leaves so few flat cells (flatness 0.09) that a flatness floor took them for
 * photographs. One page saved again, or resized, stays one picture.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, isLightScreen, needsDetail } from '../../daemon/hash';
import { verdict } from './verdict';

const text = (x: number, y: number, content: string, size: number, fill = '#333'): string =>
  `<text x="${x}" y="${y}" font-family="DejaVu Sans Mono, monospace" font-size="${size}" fill="${fill}">${content}</text>`;

/** A step line from `base`, rising `rise` at the steps `seed` picks. */
function series(seed: number, colour: string, base: number, rise: number): string {
  let d = `M70 ${base}`;
  let y = base;
  for (let x = 70; x < 1760; x += 37) {
    if ((x * seed) % 7 === 0) y -= rise;
    d += `H${x}V${y}`;
  }
  return `<path d="${d}H1760" fill="none" stroke="${colour}" stroke-width="2"/>`;
}

/**
 * A 1 800×`height` graph page, as JPEG: the query, the chart with its axes and series, the legend, over a faint
 * minor grid. `byPod`: the memory of one pod (one series) instead of its four containers.
 */
function graphPage(byPod: boolean, height: number, quality: number): Promise<Buffer> {
  const [top, bottom] = [150, height - 120];
  const axes =
    Array.from({ length: 7 }, (_, i) => {
      const y = top + ((bottom - top) * i) / 6;
      return (
        `<path d="M70 ${y}H1760" stroke="#e4e4e4"/>` + text(20, y + 4, String((byPod ? 950 : 300) - i * (byPod ? 75 : 50)), 12, '#666')
      );
    }).join('') +
    Array.from({ length: 11 }, (_, i) => {
      const x = 70 + 169 * i;
      return (
        `<path d="M${x} ${top}V${bottom}" stroke="#e4e4e4"/>` + text(x - 16, bottom + 20, `22:${(byPod ? 20 : 52) + 2 * i}`, 12, '#666')
      );
    }).join('');
  const lines = byPod
    ? series(3, '#e8b33c', bottom - 200, 9)
    : series(5, '#d9363e', top + 230, 5) +
      series(2, '#9fd0ef', top + 330, 4) +
      `<path d="M70 ${bottom - 2}H1760" stroke="#3a9d3a" stroke-width="3"/>`;
  const legend = (
    byPod
      ? ['{pod="pool-coordinator"}']
      : ['{container="POD"}', '{container="etcd"}', '{container="kube-apiserver"}', '{container="kubectl"}']
  )
    .map((label, i) => text(90, bottom + 50 + 18 * i, label, 12))
    .join('');
  // The minor grid: at 64×64 a cell holds a line or not, a grey level or two apart from its neighbours.
  const minor = Array.from({ length: 36 }, (_, i) => `<path d="M${23 + 53 * i} 0V${height}M0 ${23 + 53 * i}H1800" stroke="#f1f1f1"/>`).join(
    '',
  );
  const query = `sum(container_memory_working_set_bytes{pod='pool-coordinator'}) by (${byPod ? 'pod' : 'container'}) / (1024 * 1024)`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="${height}"><rect width="1800" height="${height}" fill="#fff"/>${minor}` +
    `<rect x="20" y="20" width="1760" height="44" fill="#fff" stroke="#ccc"/>${text(40, 48, query, 15, '#1d4e89')}` +
    `<rect x="1690" y="24" width="86" height="36" fill="#1a80e0"/>${text(1700, 48, 'Execute', 14, '#fff')}${text(30, 100, 'Table   Graph', 15)}` +
    `${axes}${lines}${legend}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality }).toBuffer();
}

describe('light graph screens', function () {
  this.timeout(60_000);

  it('tells apart two graph pages with other series, saved as JPEG, that have few flat cells', async () => {
    const [containers, pod] = [await graphPage(false, 790, 100), await graphPage(true, 740, 100)];
    const [fa, fb] = [await fingerprint(containers), await fingerprint(pod)];
    assert.ok(fa.flatness < 0.1, `few flat cells (${fa.flatness}): no flatness tells this page from a photograph`);
    assert.ok(isLightScreen(fa) && isLightScreen(fb), 'both are light screens');
    assert.ok(needsDetail(fa, fb, DEFAULT_NEAR_THRESHOLDS), 'checked in detail though both are JPEGs');
    const v = await verdict(containers, pod);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, false, 'the detail check sees other series');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('keeps one graph page saved at another quality, and resized', async () => {
    const page = await graphPage(false, 790, 100);
    const copies: [string, Buffer][] = [
      ['JPEG quality 85', await graphPage(false, 790, 85)],
      ['resized to 1 200 px, JPEG quality 85', await sharp(page).resize(1200).jpeg({ quality: 85 }).toBuffer()],
      ['resized to 900 px, PNG', await sharp(page).resize(900).png().toBuffer()],
    ];
    for (const [what, copy] of copies) {
      const v = await verdict(page, copy);
      assert.ok(v.verified !== undefined && v.verified === v.cheap, `${what}: one picture`);
    }
  });
});
