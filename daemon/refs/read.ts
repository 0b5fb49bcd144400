import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** Source files larger than this are not read (minified bundles, data dumps). */
export const DEFAULT_MAX_SOURCE_BYTES = 10 * 1024 * 1024;

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Reads a source file as text, or says clearly why not:
 * - over `maxBytes` (default 10 MB): error naming the size and the limit;
 * - NUL bytes (binary content behind a source extension): error;
 * - UTF-8 (BOM stripped, as editors do) and UTF-16 with a BOM are decoded;
 * - anything else that is not valid UTF-8 is decoded as Latin-1 (ISO-8859-1: every byte is one
 *   character, so no reference is lost and the text can be written back byte for byte) with a
 *   warning and `encoding: 'latin1'`, so a rewrite can encode it back the same way. Refusing such
 *   files would hide their references, and an image they use could then be deleted as unused.
 */
export async function readSourceFile(
  filePath: string,
  options: { maxBytes?: number } = {},
): Promise<{ text: string; encoding: 'utf8' | 'utf16le' | 'utf16be' | 'latin1'; bom: boolean; warnings: string[] } | { error: string }> {
  const max = options.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  const name = path.basename(filePath);
  let buf: Buffer;
  try {
    const st = await fsp.stat(filePath);
    if (!st.isFile()) return { error: `${filePath}: not a regular file` };
    if (st.size > max)
      return { error: `${filePath}: ${mb(st.size)} (${st.size} bytes) is over the ${mb(max)} limit for source files; not read` };
    buf = await fsp.readFile(filePath);
  } catch (e) {
    return { error: `${filePath}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (buf.length > max) return { error: `${filePath}: ${mb(buf.length)} is over the ${mb(max)} limit for source files; not read` };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
    return { text: buf.subarray(2).toString('utf16le'), encoding: 'utf16le', bom: true, warnings: [] };
  }
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return { text: swapped.toString('utf16le'), encoding: 'utf16be', bom: true, warnings: [] };
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    return { error: `${filePath}: binary content (NUL byte at offset ${nul}) in a file named ${name}; not read as source` };
  }
  let bom = false;
  let body = buf;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    bom = true;
    body = buf.subarray(3);
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return { text, encoding: 'utf8', bom, warnings: [] };
  } catch {
    const bad = firstInvalidUtf8(body);
    return {
      text: body.toString('latin1'),
      encoding: 'latin1',
      bom: false,
      warnings: [`${filePath}: not valid UTF-8 (first bad byte at offset ${bad}); read as Latin-1 (ISO-8859-1)`],
    };
  }
}

function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}
