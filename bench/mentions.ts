/**
 * Mention scan benchmark (daemon/replace/mentions.ts, the safety net of `replace --delete`).
 *
 *   node out/bench/mentions.js [--files N] [--images N] [--rounds N]
 *
 * Writes a deterministic tree in a temp dir: N (default 10 000) text files (HTML, CSS, JS, Markdown, a few KB
 * each) naming 2×M image paths (M copies looked for, M others), then per round times, in the same process,
 * reading every file once, 16 at a time like the scan (the baseline: the least any scan must do) and findMentions for the M copies (one
 * pass for all names). Prints the medians and their ratio; the ratio is what to compare across machines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findMentions } from '../daemon/replace/mentions';
import { filesUnder } from '../daemon/replace/tree';
import { rng } from '../test/fixtures/keys';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const files = arg('files', 10_000);
  const images = arg('images', 100);
  const rounds = arg('rounds', 3);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-mentions-'));
  try {
    const random = rng(7);
    const names = Array.from({ length: 2 * images }, (_, i) => (i < images ? `copies/dup-${i}.png` : `assets/img-${i}.png`));
    const pick = () => names[Math.floor(random() * names.length)];
    const lorem = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';
    for (let i = 0; i < files; i++) {
      const dir = path.join(root, `s${Math.floor(i / 100)}`);
      fs.mkdirSync(dir, { recursive: true });
      const text = [
        () =>
          `<html><body>\n${Array.from({ length: 5 }, () => `<p>${lorem.repeat(4)}</p>\n<img src="/${pick()}" alt="">\n`).join('')}</body></html>\n`,
        () => Array.from({ length: 5 }, (_, k) => `.c${k} { background: url(/${pick()}); }\n/* ${lorem} */\n`).join(''),
        () => `// ${lorem}\nexport const a = "${pick()}";\n`,
        () => `# Doc ${i}\n\n${lorem.repeat(6)}\n\n![x](/${pick()})\n`,
      ][i % 4]();
      fs.writeFileSync(path.join(dir, `f${i}.${['html', 'css', 'js', 'md'][i % 4]}`), text);
    }
    const targets = names.slice(0, images).map((n) => path.join(root, n));
    const read: number[] = [];
    const scan: number[] = [];
    let found = 0;
    for (let round = 0; round < rounds; round++) {
      let t = process.hrtime.bigint();
      const all: string[] = [];
      for await (const file of filesUnder([root])) all.push(file);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < all.length) await fs.promises.readFile(all[next++]);
        }),
      );
      read.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      found = (await findMentions({ roots: [root], skip: [], images: targets })).length;
      scan.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(
      JSON.stringify(
        {
          files,
          images,
          rounds,
          mentions: found,
          load: os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(' '),
          readAllMs: Math.round(median(read)),
          mentionScanMs: Math.round(median(scan)),
          ratio: Number((median(scan) / median(read)).toFixed(2)),
        },
        null,
        2,
      ),
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
