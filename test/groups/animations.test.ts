/**
 * Animations (Fingerprint.animated): a GIF, WebP or APNG of several frames is fingerprinted on its first frame,
 * and two screen recordings or two loading animations often start on the same frame (react-native-website's
 * `with-transitions.gif` / `without-transitions.gif` were `near` at 100 %). One is a copy only of its own bytes.
 * Real sharp encodes the animations; the real CLI scans them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import type { ScanReport } from '../../protocol/report';
import { fingerprint } from '../../daemon/hash';
import { tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';

const SIDE = 96;

/** One frame: a grey page with a dark bar at `bar` (0..1 of the width). */
function frame(bar: number): Buffer {
  const px = Buffer.alloc(SIDE * SIDE * 3, 235);
  const x0 = Math.round(bar * (SIDE - 16));
  for (let y = 30; y < 66; y++) for (let x = x0; x < x0 + 16; x++) px.fill(40, 3 * (y * SIDE + x), 3 * (y * SIDE + x) + 3);
  return px;
}

/** An animation of these frames, as GIF or WebP. */
function animation(frames: Buffer[], format: 'gif' | 'webp'): Promise<Buffer> {
  const stacked = sharp(Buffer.concat(frames), { raw: { width: SIDE, height: SIDE * frames.length, channels: 3, pageHeight: SIDE } });
  return (format === 'gif' ? stacked.gif({ delay: frames.map(() => 100) }) : stacked.webp({ lossless: true })).toBuffer();
}

/** A PNG with an acTL chunk (APNG's animation control: `frames` frames) inserted before its first IDAT. */
function withAnimationControl(png: Buffer, frames: number): Buffer {
  const body = Buffer.alloc(12);
  body.write('acTL', 0, 'latin1');
  body.writeUInt32BE(frames, 4);
  body.writeUInt32BE(0, 8); // plays forever
  const chunk = Buffer.alloc(20);
  chunk.writeUInt32BE(8, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(zlib.crc32(body), 16);
  const idat = png.indexOf('IDAT', 8, 'latin1') - 4;
  return Buffer.concat([png.subarray(0, idat), chunk, png.subarray(idat)]);
}

describe('animations are copies only of their own bytes', () => {
  it('marks GIF, WebP and APNG animations, and only them', async () => {
    const still = await sharp(frame(0), { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png()
      .toBuffer();
    assert.equal((await fingerprint(still)).animated, undefined);
    assert.equal((await fingerprint(await animation([frame(0), frame(1)], 'gif'))).animated, true);
    assert.equal((await fingerprint(await animation([frame(0), frame(1)], 'webp'))).animated, true);
    assert.equal((await fingerprint(await animation([frame(0)], 'gif'))).animated, undefined, 'a one-frame GIF is still');
    const apng = await fingerprint(withAnimationControl(still, 2));
    assert.equal(apng.animated, true);
    assert.equal(apng.width, SIDE);
  });

  it('groups two animations that start on the same frame only when their bytes are the same', async () => {
    const dir = tempDir('doublon-animations-');
    try {
      const first = frame(0);
      const write = async (name: string, bytes: Promise<Buffer> | Buffer): Promise<void> =>
        fs.writeFileSync(path.join(dir.path, name), await bytes);
      await write('with-transitions.gif', animation([first, frame(0.5), frame(1)], 'gif'));
      await write('without-transitions.gif', animation([first, frame(1)], 'gif'));
      fs.copyFileSync(path.join(dir.path, 'with-transitions.gif'), path.join(dir.path, 'copy-of-with-transitions.gif'));
      await write('loading-1.webp', animation([first, frame(0.3)], 'webp'));
      await write('loading-2.webp', animation([first, frame(0.7)], 'webp'));
      // The first frame alone, as a still image: not a copy of the animations either.
      await write(
        'poster.png',
        sharp(first, { raw: { width: SIDE, height: SIDE, channels: 3 } })
          .png()
          .toBuffer(),
      );
      await write(
        'poster-copy.webp',
        sharp(first, { raw: { width: SIDE, height: SIDE, channels: 3 } })
          .webp({ lossless: true })
          .toBuffer(),
      );

      const result = await runCli(dir.path, 'scan', '--json', '--no-daemon');
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ScanReport;
      const groups = report.groups.map((g) => ({ class: g.class, members: g.members.map((m) => m.path).sort() }));
      assert.deepEqual(
        groups.sort((a, b) => a.members[0].localeCompare(b.members[0])).map((g) => g.members),
        [
          ['copy-of-with-transitions.gif', 'with-transitions.gif'],
          // The stills are still compared with each other.
          ['poster-copy.webp', 'poster.png'],
        ],
      );
      assert.equal(groups.find((g) => g.members.includes('with-transitions.gif'))?.class, 'exact');
    } finally {
      dir.cleanup();
    }
  });
});
