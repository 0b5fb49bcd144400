import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { pixelDigest, sha256 } from '../../daemon/hash';
import { jpegPixelSource } from '../../daemon/hash/jpeg-source';
import { encode, makePhoto } from '../fixtures/images';

/** A segment: marker, then its length (2 bytes, itself included) and payload. */
function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** An APP1 EXIF block, little-endian, its first IFD holding `entries` (tag, type, count, value). */
function exif(entries: [number, number, number, number][], byteOrder = 'II'): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 * entries.length + 4);
  tiff.write(byteOrder, 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], k) => {
    const e = 10 + 12 * k;
    tiff.writeUInt16LE(tag, e);
    tiff.writeUInt16LE(type, e + 2);
    tiff.writeUInt32LE(count, e + 4);
    tiff.writeUInt16LE(value, e + 8);
  });
  return segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));
}

/** The JPEG with these segments inserted right after its SOI marker. */
function withSegments(jpeg: Buffer, ...segments: Buffer[]): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

const ORIENTATION = 0x0112;
const SHORT = 3;

describe('JPEG pixel source (a metadata-only copy is not decoded again for its pixel digest)', function () {
  let jpeg: Buffer;
  before(async function () {
    jpeg = await encode(await makePhoto(31, 240, 160), 'jpeg', { quality: 85 });
  });

  it('is the same for copies that differ only in comments, EXIF without orientation and XMP, and so is the digest', async function () {
    const copies = [
      withSegments(jpeg, segment(0xfe, Buffer.from('a comment'))),
      withSegments(jpeg, exif([[0x010f, 2, 1, 0]])),
      withSegments(jpeg, exif([[ORIENTATION, SHORT, 1, 1]]), segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x/>'))),
    ];
    const source = jpegPixelSource(jpeg);
    assert.ok(source);
    const digest = await pixelDigest(jpeg);
    for (const copy of copies) {
      assert.notEqual(sha256(copy), sha256(jpeg));
      assert.equal(jpegPixelSource(copy), source);
      assert.equal(await pixelDigest(copy), digest);
    }
  });

  it('differs with the orientation, and the digest is the rotated pixels’ (never the upright copy’s)', async function () {
    const upright = await pixelDigest(jpeg);
    const rotated = withSegments(jpeg, exif([[ORIENTATION, SHORT, 1, 6]]));
    assert.notEqual(jpegPixelSource(rotated), jpegPixelSource(jpeg));
    const digest = await pixelDigest(rotated);
    assert.notEqual(digest, upright);
    const turned = await sharp(jpeg).rotate(90).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(
      digest,
      sha256(Buffer.concat([Buffer.from(`${turned.info.width}x${turned.info.height}x${turned.info.channels}\n`), turned.data])),
    );
  });

  it('differs when the image data, its tables or its colour segments differ', async function () {
    const source = jpegPixelSource(jpeg);
    assert.notEqual(jpegPixelSource(await encode(await makePhoto(31, 240, 160), 'jpeg', { quality: 60 })), source);
    assert.notEqual(jpegPixelSource(withSegments(jpeg, segment(0xe2, Buffer.from('ICC_PROFILE\0\x01\x01')))), source);
    assert.notEqual(jpegPixelSource(withSegments(jpeg, segment(0xee, Buffer.from('Adobe\0\x64\0\0\0\0\x01')))), source);
    const flipped = Buffer.from(jpeg);
    flipped[flipped.length - 10] ^= 0x55;
    assert.notEqual(jpegPixelSource(flipped), source);
  });

  it('is not given for what it does not read plainly: such a file is decoded as usual', async function () {
    const unread: [string, Buffer][] = [
      ['two EXIF blocks', withSegments(jpeg, exif([]), exif([]))],
      ['an EXIF byte order it does not know', withSegments(jpeg, exif([[ORIENTATION, SHORT, 1, 6]], 'XX'))],
      ['an orientation of another type', withSegments(jpeg, exif([[ORIENTATION, 4, 1, 6]]))],
      ['an orientation out of range', withSegments(jpeg, exif([[ORIENTATION, SHORT, 1, 9]]))],
      [
        'two orientations',
        withSegments(
          jpeg,
          exif([
            [ORIENTATION, SHORT, 1, 1],
            [ORIENTATION, SHORT, 1, 6],
          ]),
        ),
      ],
      ['a segment running past the end', jpeg.subarray(0, 40)],
      ['a PNG', await encode(await makePhoto(31, 64, 48), 'png')],
    ];
    for (const [name, bytes] of unread) assert.equal(jpegPixelSource(bytes), undefined, name);
    // Decoded as usual: it still gets a digest.
    const digest = await pixelDigest(unread[0][1]);
    assert.match(digest, /^[0-9a-f]{64}$/);
  });

  it('a copy whose first decode failed is decoded for its own error', async function () {
    const truncated = jpeg.subarray(0, jpeg.length - 200);
    const copy = withSegments(truncated, segment(0xfe, Buffer.from('copy')));
    assert.equal(jpegPixelSource(copy), jpegPixelSource(truncated));
    await assert.rejects(pixelDigest(truncated), /truncated JPEG/);
    await assert.rejects(pixelDigest(copy), /truncated JPEG/);
  });
});
