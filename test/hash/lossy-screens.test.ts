/**
 * Two lossy graphics of one size, or two captures of one screen cropped apart (verify.ts lossyScreens), are
 * compared pixel for pixel: two wizard screens of one console saved as JPEG (kubevirt.github.io: "Create
 * Virtual Machine Template" and "Create Virtual Machine", other fields) are two pictures, though the detail
 * check at 512 px sees one. One screen saved at two qualities, or captured twice a few rows apart, stays one.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { fingerprint, mayBeLocalEdit } from '../../daemon/hash';
import { verdict } from './verdict';

/** A 1 917×`height` console screen: a dark header, a menu, a wizard titled `title` with its fields, as JPEG. */
async function wizard(title: string, fields: string[], height: number, quality: number): Promise<Buffer> {
  const width = 1917;
  const menu = ['Home', 'Operators', 'Workloads', 'Pods', 'Virtualization', 'Deployments', 'Secrets', 'Networking', 'Storage', 'Builds'];
  const text = (x: number, y: number, s: string, size: number, fill = '#151515', weight = 'normal'): string =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${size}" font-weight="${weight}" fill="${fill}">${s}</text>`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#fff"/>` +
    `<rect width="${width}" height="76" fill="#151515"/>` +
    text(70, 48, 'Container Platform', 22, '#fff', 'bold') +
    `<rect y="76" width="280" height="${height - 76}" fill="#212427"/>` +
    menu.map((m, i) => text(20, 120 + 38 * i, m, 16, '#d2d2d2')).join('') +
    `<rect x="280" y="76" width="${width - 280}" height="30" fill="#0088ce"/>` +
    text(320, 190, title, 26, '#151515') +
    fields
      .map(
        (f, i) =>
          `<rect x="620" y="${250 + 62 * i}" width="760" height="34" fill="#fff" stroke="#8b8d8f"/>` + text(632, 274 + 62 * i, f, 15),
      )
      .join('') +
    `<rect x="620" y="${height - 110}" width="62" height="32" fill="#0066cc"/>` +
    text(632, height - 88, 'Next', 15, '#fff') +
    `</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality }).toBuffer();
}

const TEMPLATE = ['my-rhel-8', 'my-rhel-8 template', 'PXE', 'Red Hat Enterprise Linux 8.0', 'Large', 'desktop'];
const MACHINE = ['rhel8-vm', 'my rhel8-vm', 'my-rhel-8', 'Disk', 'Red Hat Enterprise Linux 8.0', 'Large', 'desktop'];

describe('two lossy screens', function () {
  this.timeout(60_000);

  it('tells apart two wizard screens of one console saved as JPEG, captured three rows apart', async () => {
    const [template, machine] = [
      await wizard('Create Virtual Machine Template', TEMPLATE, 946, 90),
      await wizard('Create Virtual Machine', MACHINE, 943, 80),
    ];
    const [fa, fb] = [await fingerprint(template), await fingerprint(machine)];
    assert.ok(mayBeLocalEdit(fa, fb), 'two lossy graphics recaptured: compared pixel for pixel');
    const v = await verdict(template, machine);
    assert.ok(v.cheap !== undefined, 'the thumbnails agree');
    assert.equal(v.detail, true, 'at 512 px the detail check sees one drawing');
    assert.equal(v.verified, undefined, 'two pictures');
  });

  it('keeps one screen saved at two qualities, and captured twice a few rows apart', async () => {
    const screen = await wizard('Create Virtual Machine', MACHINE, 946, 90);
    const lower = await wizard('Create Virtual Machine', MACHINE, 946, 60);
    // The same screen captured again two rows lower and one shorter, saved by another encoder setting.
    const shorter = await sharp(await wizard('Create Virtual Machine', MACHINE, 946, 95))
      .extract({ left: 0, top: 2, width: 1917, height: 943 })
      .jpeg({ quality: 75 })
      .toBuffer();
    assert.ok(mayBeLocalEdit(await fingerprint(screen), await fingerprint(lower)), 'compared pixel for pixel');
    assert.ok((await verdict(screen, lower)).verified !== undefined, 'at another quality: one picture');
    assert.ok((await verdict(screen, shorter)).verified !== undefined, 'captured a few rows shorter: one picture');
  });
});
