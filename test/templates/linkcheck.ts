/**
 * A link checker over a built site: every image an HTML page asks for (img src and srcset, picture
 * sources, icon links, og:image, links to image files, inline url()) must be a file of the build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Parser } from 'htmlparser2';

export interface BrokenImage {
  page: string;
  url: string;
}

const IMAGE = /\.(png|jpe?g|gif|webp|avif|svg|ico)$/i;

function urlsOf(html: string): string[] {
  const urls: string[] = [];
  const parser = new Parser({
    onopentag(name, attrs) {
      const add = (v: string | undefined) => {
        if (v) urls.push(v.trim());
      };
      const srcset = (v: string | undefined) => {
        if (v) for (const part of v.split(',')) add(part.trim().split(/\s+/)[0]);
      };
      if (name === 'img' || name === 'source') {
        add(attrs.src);
        srcset(attrs.srcset);
      }
      if (name === 'link' && /icon/.test(attrs.rel ?? '')) add(attrs.href);
      if (name === 'meta' && /image/.test(attrs.property ?? attrs.name ?? '')) add(attrs.content);
      if (name === 'a' && IMAGE.test((attrs.href ?? '').split(/[?#]/)[0])) add(attrs.href);
      for (const m of (attrs.style ?? '').matchAll(/url\(\s*['"]?([^'")]+)/g)) add(m[1]);
    },
  });
  parser.end(html);
  return urls.filter((u) => u !== '' && !u.startsWith('data:'));
}

/**
 * Broken images of the site built in `outDir`, served at `https://<host><basePath>/`: absolute URLs on
 * another host are not checked.
 */
export function brokenImages(outDir: string, host: string, basePath = ''): { pages: number; images: number; broken: BrokenImage[] } {
  const broken: BrokenImage[] = [];
  let pages = 0;
  let images = 0;
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(outDir).filter((f) => f.endsWith('.html'))) {
    pages++;
    const rel = path.relative(outDir, file).split(path.sep).join('/');
    const pageUrl = new URL(`https://${host}${basePath}/${rel}`);
    for (const u of urlsOf(fs.readFileSync(file, 'utf8'))) {
      const url = new URL(u, pageUrl);
      if (url.host !== host) continue;
      images++;
      let p = decodeURIComponent(url.pathname);
      if (basePath && !p.startsWith(basePath + '/')) {
        broken.push({ page: rel, url: u });
        continue;
      }
      p = p.slice(basePath.length);
      const target = path.join(outDir, p);
      const ok = fs.existsSync(target) && (fs.statSync(target).isFile() || fs.existsSync(path.join(target, 'index.html')));
      if (!ok) broken.push({ page: rel, url: u });
    }
  }
  return { pages, images, broken };
}
