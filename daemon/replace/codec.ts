/** Bytes ↔ text exactly as daemon/refs/read.ts decodes them, and back, so untouched bytes stay untouched. */
import type { SourceEncoding } from './types';

export { sha256 } from '../hash/sha256';

/** Decodes with the encoding readSourceFile chose (BOM excluded from the text). */
export function decode(bytes: Buffer, encoding: SourceEncoding, bom: boolean): string {
  switch (encoding) {
    case 'utf16le':
      return bytes.subarray(2).toString('utf16le');
    case 'utf16be': {
      const swapped = Buffer.from(bytes.subarray(2));
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case 'latin1':
      return bytes.toString('latin1');
    case 'utf8':
      return new TextDecoder('utf-8', { fatal: true }).decode(bom ? bytes.subarray(3) : bytes);
  }
}

/** Encodes text back with the same encoding and BOM. Throws if a character cannot be encoded (Latin-1 above U+00FF). */
export function encode(text: string, encoding: SourceEncoding, bom: boolean): Buffer {
  switch (encoding) {
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const b = Buffer.from(text, 'utf16le');
      b.swap16();
      return Buffer.concat([Buffer.from([0xfe, 0xff]), b]);
    }
    case 'latin1': {
      for (let i = 0; i < text.length; i++) {
        if (text.charCodeAt(i) > 0xff)
          throw new Error(`character U+${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} cannot be written in Latin-1`);
      }
      return Buffer.from(text, 'latin1');
    }
    case 'utf8': {
      const body = Buffer.from(text, 'utf8');
      return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
    }
  }
}

/** Percent-encodes (UTF-8) every character above U+00FF, so a path can be written into a Latin-1 file. */
export function latin1Safe(text: string): string {
  return text.replace(/[\u0100-\u{10ffff}]/gu, (ch) =>
    Array.from(Buffer.from(ch, 'utf8'), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

/** Applies sorted, non-overlapping edits to a text. */
export function applyEdits(text: string, edits: ReadonlyArray<{ start: number; end: number; newText: string }>): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}
