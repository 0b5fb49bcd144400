/**
 * Hover on an image reference: the image and its canonical, with sizes, class and similarity. Markdown with
 * thumbnails only for a client that declares markdown hovers and unless the `hover.images` setting is off;
 * each thumbnail is a data: URI of at most `MAX_IMAGE_CHARS` characters (else left out, and said so).
 * Clients without markdown get plain text.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver-protocol';
import { languageOf, resolveReference, type RawReference } from '../refs';
import { formatBytes } from '../report/formats';
import type { OpenDocument, OpenDocuments } from './documents';
import type { LspHost } from './host';
import { objectOf } from './params';

/** Sizes tried, largest first, until the encoded thumbnail fits the bound. */
const THUMBS = [
  { size: 128, format: 'png' },
  { size: 128, format: 'jpeg' },
  { size: 80, format: 'jpeg' },
] as const;
/** About 12 KB of image per thumbnail: two of them keep a hover under 32 000 characters. */
export const MAX_IMAGE_CHARS = 16_000;
const cache = new Map<string, string | null>();

export interface HoverOptions {
  /** The client renders markdown in hovers (`textDocument.hover.contentFormat`). */
  markdown: boolean;
  /** Thumbnails in hovers (setting `hover.images`, default on; needs markdown). */
  images: boolean;
}

/**
 * From the client's capabilities (when given) and the `hover` setting (`{ images: boolean }`, or a boolean),
 * over `previous` for what neither says.
 */
export function hoverOptionsFrom(
  capabilities: unknown,
  setting: unknown,
  previous: HoverOptions = { markdown: false, images: true },
): HoverOptions {
  // The client's capabilities as sent (initialize): read defensively, any level may be missing or malformed.
  const given = objectOf(capabilities);
  const formats = objectOf(objectOf(given?.textDocument)?.hover)?.contentFormat;
  const markdown = given ? Array.isArray(formats) && formats.includes(MarkupKind.Markdown) : previous.markdown;
  const images = typeof setting === 'boolean' ? setting : objectOf(setting)?.images;
  return { markdown, images: typeof images === 'boolean' ? images : previous.images };
}

/** A small data: URI of an image (cached by path, size and mtime); undefined if it cannot be read or never fits. */
async function thumbnail(file: string): Promise<string | undefined> {
  let key: string;
  try {
    const stat = fs.statSync(file);
    key = `${file}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let uri: string | null = null;
  try {
    for (const { size, format } of THUMBS) {
      const image = sharp(file, { limitInputPixels: 100_000_000 }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true });
      const bytes = await (
        format === 'png'
          ? image.png({ compressionLevel: 9, palette: true })
          : image.flatten({ background: '#ffffff' }).jpeg({ quality: 70 })
      ).toBuffer();
      const candidate = `data:image/${format};base64,${bytes.toString('base64')}`;
      if (candidate.length <= MAX_IMAGE_CHARS) {
        uri = candidate;
        break;
      }
    }
  } catch {
    return undefined;
  }
  if (cache.size > 200) cache.delete(cache.keys().next().value!);
  cache.set(key, uri);
  return uri ?? undefined;
}

function inside(
  position: { line: number; character: number },
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
): boolean {
  const after = (a: typeof position, b: typeof position): boolean => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(position, range.start) && after(range.end, position);
}

export async function hover(
  params: HoverParams,
  host: LspHost,
  documents: OpenDocuments,
  referencesIn: (open: OpenDocument) => Promise<RawReference[]>,
  client: string,
  options: HoverOptions = { markdown: true, images: true },
): Promise<Hover | null> {
  const open = documents.get(params.textDocument?.uri, client);
  if (!open?.path || !languageOf(open.path) || !params.position) return null;
  const references = await referencesIn(open);
  const reference = references.find((r) => inside(params.position, r.range));
  if (!reference) return null;
  const target = resolveReference(open.path, reference.value, { ...host.resolveOptions(), kind: reference.kind });
  if (!target || !host.isImage(target)) return null;
  const membership = host.membership(target);
  const md = options.markdown;
  const code = (text: string): string => (md ? `\`${text.replace(/`/g, "'")}\`` : text);
  const bold = (text: string): string => (md ? `**${text}**` : text);
  const lines: string[] = [];
  const describe = (label: string, path: string, width: number, height: number, bytes: number): string =>
    `${bold(label)} ${code(host.display(path))} — ${width}×${height}, ${formatBytes(bytes)}`;
  const shown = [target];
  if (!membership) {
    lines.push(`${code(host.display(target))}: no duplicate known.`);
  } else {
    const { member, group } = membership;
    const isCanonical = member.image === group.canonical;
    const how = member.class === 'near' ? `near copy, ${(member.similarity * 100).toFixed(1)}% similar` : `${member.class} copy`;
    lines.push(
      isCanonical
        ? `Canonical of a group of ${group.members.length} (${group.rule}); ${formatBytes(group.bytesReclaimable)} reclaimable by removing the copies.`
        : `Duplicate (${how}) — use the canonical file.`,
    );
    lines.push('', describe('this', target, member.image.width, member.image.height, member.image.bytes));
    if (!isCanonical) {
      lines.push('', describe('canonical', group.canonical.path, group.canonical.width, group.canonical.height, group.canonical.bytes));
      shown.push(group.canonical.path);
    }
  }
  if (md && options.images) {
    const thumbs: string[] = [];
    let omitted = 0;
    for (const file of shown) {
      const uri = await thumbnail(file);
      if (uri) thumbs.push(`![${host.display(file).replace(/[[\]]/g, '')}](${uri})`);
      else omitted++;
    }
    if (thumbs.length > 0) lines.push('', thumbs.join(' '));
    if (omitted > 0)
      lines.push(
        '',
        `_(${omitted === 1 ? 'a preview was' : 'previews were'} left out: unreadable, or larger than ${MAX_IMAGE_CHARS} characters)_`,
      );
  }
  return { contents: { kind: md ? MarkupKind.Markdown : MarkupKind.PlainText, value: lines.join('\n') }, range: reference.range };
}
