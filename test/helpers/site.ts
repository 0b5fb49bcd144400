/** Writes a small site of generated images into a folder: the shared fixture of CLI and daemon tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode, makePhoto, makeIcon } from '../fixtures/images';

export async function write(dir: string, rel: string, bytes: Buffer | string): Promise<string> {
  const file = path.join(dir, rel);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, bytes);
  return file;
}

/**
 * assets/photo-a.png      canonical of an exact + pixel + near group
 * copies/photo-a.png      exact copy
 * copies/photo-a-z9.png   same pixels, other PNG compression (pixel)
 * copies/photo-a-small.jpg  resized to half, JPEG (near)
 * assets/photo-b.png      a different picture, no duplicate
 * assets/icon-1.png / icon-2.png   one icon family, two glyphs: not duplicates
 */
export async function writeBasicSite(dir: string): Promise<void> {
  const a = await makePhoto(1, 320, 240);
  await write(dir, 'assets/photo-a.png', a);
  await write(dir, 'copies/photo-a.png', a);
  await write(dir, 'copies/photo-a-z9.png', await encode(a, 'png', { compressionLevel: 9 }));
  await write(dir, 'copies/photo-a-small.jpg', await encode(a, 'jpeg', { width: 160, quality: 80 }));
  await write(dir, 'assets/photo-b.png', await makePhoto(2, 320, 240));
  await write(dir, 'assets/icon-1.png', await makeIcon(3, 64, 0));
  await write(dir, 'assets/icon-2.png', await makeIcon(3, 64, 1));
}
