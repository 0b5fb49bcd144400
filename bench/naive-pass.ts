/**
 * The naive baseline of bench/scan-e2e.ts as a process of its own, like the scan it is compared with: every
 * image file under a folder through `sharp(bytes).greyscale().resize(32, 32).raw()`, 4 in flight.
 *
 *   node out/bench/naive-pass.js DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

const IMAGE = /\.(png|jpe?g|jfif|gif|webp|avif|tiff?|svg)$/i;

function imagesUnder(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.doublon') imagesUnder(p, out);
    } else if (IMAGE.test(entry.name)) out.push(p);
  }
  return out;
}

async function main(dir: string): Promise<void> {
  const files = imagesUnder(dir);
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < files.length) {
        const file = files[next++];
        try {
          await sharp(await fs.promises.readFile(file))
            .greyscale()
            .resize(32, 32)
            .raw()
            .toBuffer();
        } catch {
          failed++;
        }
      }
    }),
  );
  console.log(JSON.stringify({ files: files.length, failed }));
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
