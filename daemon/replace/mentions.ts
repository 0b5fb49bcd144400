/**
 * The mention scan: the safety net under the reference extractors. Before an image is moved to the trash,
 * every file under the roots is searched for its file name — any type, any size (streamed), NUL bytes or not,
 * whether an extractor read it or not (a `.py`, an `.erb` helper call, an RSS feed, a template expression, a
 * page over the size limit). A mention the plan does not rewrite, and that may name the image, keeps it.
 *
 * One pass over the files looks for every candidate name at once: a regular expression finds the candidates'
 * extensions (".png", ".svg"…), and at each hit the text just before it is looked up, by length, in a map
 * of the lower-cased names. The cost grows with the bytes read, not with the number of images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder } from './tree';

/** Files that cannot hold a path as text: raster images, fonts, audio, video, archives. SVG is text and is read. */
const OPAQUE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'jfif',
  'pjpeg',
  'gif',
  'webp',
  'avif',
  'tif',
  'tiff',
  'bmp',
  'ico',
  'heic',
  'heif',
  'jxl',
  'psd',
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  'mp3',
  'mp4',
  'm4a',
  'm4v',
  'ogg',
  'oga',
  'ogv',
  'wav',
  'flac',
  'webm',
  'mov',
  'mkv',
  'avi',
  'zip',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zst',
  'br',
  '7z',
  'rar',
  'jar',
  'wasm',
  'mdb',
]);

/** A mention that may name one of the images, and that no reference of the plan accounts for. */
export interface Mention {
  /** The file that mentions (absolute). */
  path: string;
  /** 1-based line and column of the path text that ends with the name (column in characters of the line). */
  line: number;
  column: number;
  /** The line's text around the mention (at most about 160 characters). */
  text: string;
  /** The images it may name (absolute). */
  images: string[];
}

export interface MentionScanOptions {
  roots: readonly string[];
  /** Folders not searched (the index folder). */
  skip: readonly string[];
  /** The images about to be removed (absolute). */
  images: readonly string[];
  /**
   * Files as the plan will leave them: searched in this text instead of their bytes, and mentions inside the
   * ranges the plan rewrites (offsets into `text`) are the plan's own, checked by parsing: they do not count.
   */
  edited?: ReadonlyMap<string, { text: string; rewritten: ReadonlyArray<readonly [number, number]> }>;
}

/** Characters a file name continues with: a match next to one is part of a longer name. */
const NAME_CHAR = /[\p{L}\p{N}_\-.~+@\u0080-\u00ff]/u;
/** Where a path written in text starts: after a quote, a bracket, a space, `=`, a template delimiter… */
const TOKEN_STOP = /[\s"'`<>()[\]{},;=|^*\\\p{Cc}]/u;
const CONTEXT = 512;
const TAIL = 4;
const BIG_FILE = 4 * 1024 * 1024;
const PARALLEL_READS = 16;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Could the path text `token` (ending with the image's file name) name `image`, written in a file in
 * `fromDir`? False only when it surely names something else: a folder in it differs from the image's, or it
 * resolves (through ./ or ../) to another existing file. Template syntax, a URL's host, a leading `/` make the
 * rest unknowable: then it may.
 */
export function mayName(token: string, fromDir: string, image: string): boolean {
  let t = token.replace(/[?#].*$/s, '');
  try {
    t = decodeURIComponent(t);
  } catch {
    // not percent-encoded text: taken as written
  }
  t = t.replace(/^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/\\]*/i, ''); // a URL's scheme and host: the path after it is from some site's root
  const segments = t.split(/[\\/]/);
  const want = image.split(/[\\/]/).filter(Boolean);
  let j = want.length - 1;
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (s === '') return true; // root-relative: every folder named so far is the image's
    if (s === '.' || s === '..') {
      const resolved = path.resolve(fromDir, t);
      if (resolved === image) return true;
      try {
        return !fs.statSync(resolved).isFile();
      } catch {
        return true;
      }
    }
    if (/[^\p{L}\p{N}\p{M} _.\-~!&'+,;=@]/u.test(s)) return true; // `${dir}`, `<%= x %>`, `C:`…: any folder may follow
    if (j < 0 || s.toLowerCase() !== want[j].toLowerCase()) return false;
    j--;
  }
  return true;
}

/** The names to look for, in one of two spellings: as text, or as the Latin-1 reading of their UTF-8 bytes. */
class Needles {
  readonly byName = new Map<string, string[]>();
  readonly lengths: number[];
  readonly anchor: RegExp;
  readonly longest: number;
  constructor(images: readonly string[], spell: (s: string) => string) {
    const extensions = new Set<string>();
    for (const image of images) {
      const base = path.basename(image);
      const forms = new Set([base, encodeURI(base), encodeURIComponent(base)].map((f) => spell(f).toLowerCase()));
      for (const form of forms) {
        const list = this.byName.get(form) ?? [];
        list.push(image);
        this.byName.set(form, list);
      }
      const dot = base.lastIndexOf('.');
      extensions.add(spell(dot > 0 ? base.slice(dot) : base).toLowerCase());
    }
    this.lengths = [...new Set([...this.byName.keys()].map((k) => k.length))];
    this.longest = Math.max(0, ...this.lengths);
    this.anchor = new RegExp(
      [...extensions]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'gi',
    );
  }
}

const asText = (s: string) => s;
const asBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** Searches text fed in chunks; remembers the first mention of each image. */
class TextSearch {
  private carry = '';
  /** Absolute offset of carry[0]. */
  private base = 0;
  /** Matches ending at or before this absolute offset were handled. */
  private doneUpTo = 0;
  private line = 1;
  private lineStart = 0;
  private counted = 0;
  readonly found = new Map<string, Mention>();

  constructor(
    private readonly file: string,
    private readonly needles: Needles,
    private readonly bytes: boolean,
    private readonly excluded: ReadonlyArray<readonly [number, number]> = [],
  ) {}

  feed(chunk: string, last: boolean): void {
    const s = this.carry + chunk;
    const limit = last ? s.length : s.length - TAIL;
    const anchor = this.needles.anchor;
    anchor.lastIndex = Math.max(0, this.doneUpTo - this.base - this.needles.longest);
    for (let m = anchor.exec(s); m; m = anchor.exec(s)) {
      const end = m.index + m[0].length;
      if (end > limit) break;
      if (end + this.base <= this.doneUpTo) continue;
      this.match(s, end);
    }
    this.doneUpTo = Math.max(this.doneUpTo, this.base + limit);
    const keep = Math.min(s.length, CONTEXT + this.needles.longest + TAIL);
    this.countLines(s, s.length - keep);
    this.base += s.length - keep;
    this.carry = s.slice(s.length - keep);
  }

  /** Advances the line count to s[upTo]. */
  private countLines(s: string, upTo: number): void {
    for (let i = Math.max(0, this.counted - this.base); i < upTo; i++) {
      if (s.charCodeAt(i) === 10) {
        this.line++;
        this.lineStart = this.base + i + 1;
      }
    }
    this.counted = Math.max(this.counted, this.base + upTo);
  }

  private match(s: string, end: number): void {
    const after = s.charAt(end);
    if (after && (/[\p{L}\p{N}_]/u.test(after) || (after === '.' && /[\p{L}\p{N}]/u.test(s.charAt(end + 1))))) return;
    for (const length of this.needles.lengths) {
      const start = end - length;
      if (start < 0) continue;
      const images = this.needles.byName.get(s.slice(start, end).toLowerCase());
      if (!images) continue;
      if (start > 0 && NAME_CHAR.test(s.charAt(start - 1))) continue;
      const absStart = this.base + start;
      const absEnd = this.base + end;
      if (this.excluded.some(([a, b]) => absStart < b && absEnd > a)) continue;
      let tokenStart = start;
      while (tokenStart > 0 && start - tokenStart < CONTEXT && !TOKEN_STOP.test(s.charAt(tokenStart - 1))) tokenStart--;
      const token = this.readable(s.slice(tokenStart, end));
      const named = images.filter((image) => !this.found.has(image) && mayName(token, path.dirname(this.file), image));
      if (named.length === 0) continue;
      this.countLines(s, tokenStart);
      const lineFrom = Math.max(this.lineStart - this.base, 0, start - 80);
      let lineTo = s.indexOf('\n', end);
      if (lineTo < 0 || lineTo - end > 80) lineTo = Math.min(s.length, end + 80);
      const mention: Mention = {
        path: this.file,
        line: this.line,
        // The line's start may be gone from the window on a very long line: then the column counts bytes.
        column:
          this.lineStart >= this.base
            ? this.readable(s.slice(this.lineStart - this.base, tokenStart)).length + 1
            : this.base + tokenStart - this.lineStart + 1,
        // Control characters of a file's text never reach a terminal or a CI log raw.
        text: this.readable(s.slice(lineFrom, lineTo))
          .trim()
          .replace(/\p{Cc}/gu, (c) => (c === '\t' ? ' ' : '\uFFFD')),
        images: named,
      };
      for (const image of named) this.found.set(image, mention);
    }
  }

  private readable(s: string): string {
    return this.bytes ? Buffer.from(s, 'latin1').toString('utf8') : s;
  }
}

/** Searches one file: as the plan leaves it if the plan edits it, else its bytes (UTF-16 with a BOM as text). */
async function searchFile(
  file: string,
  needles: { text: Needles; bytes: Needles },
  edited: MentionScanOptions['edited'],
): Promise<Mention[]> {
  const plan = edited?.get(file);
  if (plan) {
    const search = new TextSearch(file, needles.text, false, plan.rewritten);
    search.feed(plan.text, true);
    return dedupe(search.found);
  }
  // One open, one stat, the reads, one close: on thousands of small files the system calls are the cost.
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch {
    return []; // vanished or unreadable: nothing it says can be read
  }
  try {
    const { size } = await fh.stat();
    if (size <= BIG_FILE) {
      const bytes = Buffer.allocUnsafe(size);
      let length = 0;
      while (length < size) {
        const { bytesRead } = await fh.read(bytes, length, size - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return searchBytes(file, bytes.subarray(0, length), needles);
    }
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (utf16Of(head)) return searchBytes(file, await fh.readFile(), needles);
    const search = new TextSearch(file, needles.bytes, true);
    await new Promise<void>((resolve) => {
      const stream = fh.createReadStream({ start: 0, encoding: 'latin1', highWaterMark: 1024 * 1024, autoClose: false });
      stream.on('data', (chunk) => search.feed(chunk as string, false));
      stream.on('end', () => resolve());
      stream.on('error', () => resolve()); // unreadable half-way: what was read counts
    });
    search.feed('', true);
    return dedupe(search.found);
  } catch {
    return [];
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function utf16Of(head: Buffer): 'utf16le' | 'utf16be' | undefined {
  return head[0] === 0xff && head[1] === 0xfe ? 'utf16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf16be' : undefined;
}

/**
 * Doublon's own reports list every copy by path on purpose, and are made again by the next `check`: a
 * baseline (`{ "version": 1, "duplicates": [` …) or a SARIF log whose tool is doublon. They would keep every
 * copy forever, so they are not read for mentions.
 */
function isDoublonReport(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return /^\s*\{\s*"version"\s*:\s*1\s*,\s*"duplicates"\s*:\s*\[/.test(head) || /"driver"\s*:\s*\{\s*"name"\s*:\s*"doublon"/.test(head);
}

/** A whole file's bytes: UTF-16 (with its byte order mark) searched as text, anything else as Latin-1 bytes. */
function searchBytes(file: string, bytes: Buffer, needles: { text: Needles; bytes: Needles }): Mention[] {
  if (isDoublonReport(bytes)) return [];
  const utf16 = utf16Of(bytes);
  if (utf16) {
    const body = Buffer.from(bytes.subarray(2));
    if (utf16 === 'utf16be') body.swap16();
    const search = new TextSearch(file, needles.text, false);
    search.feed(body.toString('utf16le'), true);
    return dedupe(search.found);
  }
  const search = new TextSearch(file, needles.bytes, true);
  search.feed(bytes.toString('latin1'), true);
  return dedupe(search.found);
}

function dedupe(found: Map<string, Mention>): Mention[] {
  return [...new Set(found.values())];
}

/**
 * Every mention, in any file under the roots, that may name one of `images` and is not one of the plan's
 * rewritten references: at most one per file and image (the first). Sorted by file, line and column.
 */
export async function findMentions(options: MentionScanOptions): Promise<Mention[]> {
  if (options.images.length === 0) return [];
  const needles = { text: new Needles(options.images, asText), bytes: new Needles(options.images, asBytes) };
  const files: string[] = [];
  for await (const file of filesUnder(options.roots, options.skip)) {
    const dot = file.lastIndexOf('.');
    const ext = dot > file.lastIndexOf(path.sep) ? file.slice(dot + 1).toLowerCase() : '';
    if (!OPAQUE_EXTENSIONS.has(ext)) files.push(file);
  }
  const out: Mention[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      out.push(...(await searchFile(file, needles, options.edited)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column));
}
