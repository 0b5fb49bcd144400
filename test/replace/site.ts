/**
 * The replace tests' site, written by code into a fresh temp dir: HTML (relative, ./, ../, root-relative, a
 * srcset, a <picture>, inline style), CSS url(), Markdown, a TSX import, a JSON manifest, a Latin-1 HTML
 * file and a UTF-8 file with a BOM; small generated PNG/JPEG images. References come from the real
 * extractor (extractFile) and resolver (resolveReference), as the daemon's index would hold them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { extractFile, languageOf, resolveReference, type ResolveOptions } from '../../daemon/refs';
import type { ImageReference, ReplaceGroup } from '../../daemon/replace';
import { encode, makePhoto, tempDir } from '../fixtures/images';

export const SOURCES: Record<string, string> = {
  'public/index.html': `<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <link rel="icon" href="/img/logo-copy.png?v=2">
</head>
<body>
  <img src="img/logo-copy.png" alt="a">
  <img src="./img/old/logo.png" alt="b">
  <img src="img/logo-z9.png#top" alt="c">
  <img src="img/logo-small.jpg" alt="near">
  <img src="img/hero.png" srcset="img/hero.png 1x, img/hero-2x.png 2x" alt="hero">
  <picture>
    <source srcset="img/photo-copy.png" media="(min-width: 800px)">
    <img src="img/photo.png" alt="photo">
  </picture>
</body>
</html>
`,
  'public/about/team.html': `<h1>Team</h1>
<p><img src="../img/logo-copy.png"> and <img src="/img/old/logo.png" alt="x"></p>
<div style="background: url('../img/logo-z9.png') no-repeat"></div>
`,
  'public/css/site.css': `.logo { background: url(../img/logo-copy.png) center; }
.old { background-image: url("/img/old/logo.png"); }
`,
  'public/css/bom.css': `\uFEFF.bom { background: url(../img/logo-copy.png); }
`,
  'docs/guide.md': `# Guide

![Logo](../public/img/logo-copy.png "the logo")

See [the old logo][old].

[old]: ../public/img/logo-z9.png
`,
  'src/components/Logo.tsx': `import logo from '../../public/img/logo-copy.png';

export const Logo = () => <img src={logo} alt="" />;
`,
  'public/manifest.json': `{
  "name": "City",
  "icons": [{ "src": "/img/logo-copy.png", "sizes": "16x16" }]
}
`,
};

/** Latin-1 bytes: "é" is the single byte 0xE9 (not valid UTF-8, so it is read as Latin-1). */
export const LATIN1_REL = 'public/caf\u00e9.html';
export const LATIN1_TEXT = '<p>Caf\u00e9 cr\u00e8me</p>\n<img src="img/logo-copy.png" alt="\u00e9t\u00e9">\n';

export const IMAGES = {
  logo: 'public/img/logo.png',
  logoCopy: 'public/img/logo-copy.png',
  oldLogo: 'public/img/old/logo.png',
  logoZ9: 'public/img/logo-z9.png',
  logoSmall: 'public/img/logo-small.jpg',
  hero: 'public/img/hero.png',
  hero2x: 'public/img/hero-2x.png',
  photo: 'public/img/photo.png',
  photoCopy: 'public/img/photo-copy.png',
} as const;

export interface Site {
  dir: string;
  /** The index folder (outside the site, so the site's tree can be compared byte for byte). */
  indexDir: string;
  file(rel: string): string;
  resolve: ResolveOptions;
  groups: ReplaceGroup[];
  /** Extracts every source file again (as a rescan would) and returns referencesTo. */
  index(): Promise<(imagePath: string) => ImageReference[]>;
  cleanup(): void;
}

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let cachedImages: { logo: Buffer; logoZ9: Buffer; logoSmall: Buffer; hero: Buffer; photo: Buffer } | undefined;

async function images() {
  if (!cachedImages) {
    const logo = await makePhoto(1, 24, 16);
    cachedImages = {
      logo,
      logoZ9: await encode(logo, 'png', { compressionLevel: 9 }),
      logoSmall: await encode(logo, 'jpeg', { width: 12 }),
      hero: await makePhoto(2, 24, 16),
      photo: await makePhoto(3, 24, 16),
    };
    if (cachedImages.logoZ9.equals(logo)) throw new Error('fixture: the pixel copy must have other bytes');
  }
  return cachedImages;
}

export async function makeSite(): Promise<Site> {
  const tmp = tempDir('doublon-replace-');
  const dir = path.join(tmp.path, 'site');
  const indexDir = path.join(tmp.path, 'index');
  const file = (rel: string) => path.join(dir, rel);
  const write = (rel: string, data: string | Buffer) => {
    fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
    fs.writeFileSync(file(rel), data);
  };
  const img = await images();
  const bytes: Record<keyof typeof IMAGES, Buffer> = {
    logo: img.logo,
    logoCopy: img.logo,
    oldLogo: img.logo,
    logoZ9: img.logoZ9,
    logoSmall: img.logoSmall,
    hero: img.hero,
    hero2x: img.hero,
    photo: img.photo,
    photoCopy: img.photo,
  };
  for (const [k, rel] of Object.entries(IMAGES)) write(rel, bytes[k as keyof typeof IMAGES]);
  for (const [rel, text] of Object.entries(SOURCES)) write(rel, text);
  write(LATIN1_REL, Buffer.from(LATIN1_TEXT, 'latin1'));
  fs.chmodSync(file('public/about/team.html'), 0o640);

  const m = (k: keyof typeof IMAGES, cls: 'exact' | 'pixel' | 'near') => ({
    path: file(IMAGES[k]),
    class: cls,
    sha256: sha(bytes[k]),
    bytes: bytes[k].length,
  });
  const groups: ReplaceGroup[] = [
    {
      id: 'g-logo',
      class: 'near',
      canonical: file(IMAGES.logo),
      members: [m('logo', 'exact'), m('logoCopy', 'exact'), m('oldLogo', 'exact'), m('logoZ9', 'pixel'), m('logoSmall', 'near')],
    },
    { id: 'g-hero', class: 'exact', canonical: file(IMAGES.hero), members: [m('hero', 'exact'), m('hero2x', 'exact')] },
    { id: 'g-photo', class: 'exact', canonical: file(IMAGES.photo), members: [m('photo', 'exact'), m('photoCopy', 'exact')] },
  ];
  const resolve: ResolveOptions = { roots: [dir], webRoots: [file('public')] };
  return {
    dir,
    indexDir,
    file,
    resolve,
    groups,
    index: () => buildIndex(dir, resolve),
    cleanup: () => tmp.cleanup(),
  };
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  const go = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) go(p);
      else out.push(p);
    }
  };
  if (fs.existsSync(dir)) go(dir);
  return out.sort();
}

/** referencesTo over the real extractor and resolver, for every source file under dir. */
export async function buildIndex(dir: string, resolve: ResolveOptions): Promise<(imagePath: string) => ImageReference[]> {
  const byTarget = new Map<string, ImageReference[]>();
  for (const source of walk(dir).filter((p) => languageOf(p) !== undefined)) {
    const r = await extractFile(source, { resolve });
    for (const ref of r.references) {
      const target = resolveReference(source, ref.value, { ...resolve, kind: ref.kind });
      if (!target) continue;
      const list = byTarget.get(target) ?? [];
      list.push({
        source,
        target,
        text: ref.text,
        value: ref.value,
        start: ref.start,
        end: ref.end,
        range: ref.range,
        kind: ref.kind,
        ...(ref.variantGroup !== undefined ? { variantGroup: ref.variantGroup } : {}),
      });
      byTarget.set(target, list);
    }
  }
  return (imagePath) => byTarget.get(path.resolve(imagePath)) ?? [];
}

/** Every file and folder under dir: relative path → SHA-256 and mode (folders: "dir"). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const go = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p).split(path.sep).join('/');
      const st = fs.lstatSync(p);
      if (e.isDirectory()) {
        out[rel + '/'] = `dir ${(st.mode & 0o7777).toString(8)}`;
        go(p);
      } else out[rel] = `${sha(fs.readFileSync(p))} ${(st.mode & 0o7777).toString(8)}`;
    }
  };
  go(dir);
  return out;
}
