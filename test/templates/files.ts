import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXAMPLES = path.resolve(__dirname, '../../../examples');

/** Every file under a folder, relative, `/` separators. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
