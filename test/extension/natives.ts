/**
 * What native code a .vsix carries, read from the package itself: a small ZIP reader (central directory,
 * stored and deflated entries) and the headers of ELF, Mach-O (thin and fat) and PE files. Used to check
 * that each platform's package holds that platform's binaries and no other's.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  read(): Buffer;
}

export function readZip(file: string): ZipEntry[] {
  const zip = fs.readFileSync(file);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file}: not a ZIP file (no end of central directory)`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    entries.push({
      name,
      read() {
        const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(data, data + size);
        if (method === 0) return raw;
        if (method === 8) return zlib.inflateRawSync(raw);
        throw new Error(`${name}: compression method ${method}`);
      },
    });
    at += 46 + skip;
  }
  return entries;
}

export type Os = 'linux' | 'darwin' | 'win32';
export type Arch = 'x64' | 'arm64';

/** The format and architectures of a native binary, or undefined for any other file. */
export function binaryKind(bytes: Buffer): { os: Os; arch: Arch[] } | undefined {
  if (bytes.length < 64) return undefined;
  if (bytes.readUInt32BE(0) === 0x7f454c46) {
    const machine = bytes.readUInt16LE(18);
    return { os: 'linux', arch: machine === 0x3e ? ['x64'] : machine === 0xb7 ? ['arm64'] : [] };
  }
  const macho = (cpu: number): Arch[] => (cpu === 0x01000007 ? ['x64'] : cpu === 0x0100000c ? ['arm64'] : []);
  if (bytes.readUInt32LE(0) === 0xfeedfacf) return { os: 'darwin', arch: macho(bytes.readUInt32LE(4)) };
  if (bytes.readUInt32BE(0) === 0xcafebabe && bytes.readUInt32BE(4) < 20) {
    const arch: Arch[] = [];
    for (let i = 0; i < bytes.readUInt32BE(4); i++) arch.push(...macho(bytes.readUInt32BE(8 + i * 20)));
    return { os: 'darwin', arch };
  }
  if (bytes.readUInt16LE(0) === 0x5a4d) {
    const pe = bytes.readUInt32LE(0x3c);
    if (pe + 6 <= bytes.length && bytes.readUInt32BE(pe) === 0x50450000) {
      const machine = bytes.readUInt16LE(pe + 4);
      return { os: 'win32', arch: machine === 0x8664 ? ['x64'] : machine === 0xaa64 ? ['arm64'] : [] };
    }
  }
  return undefined;
}

export interface NativeFile {
  name: string;
  os: Os;
  arch: Arch[];
}

export function nativeFilesOf(vsix: string): NativeFile[] {
  const found: NativeFile[] = [];
  for (const entry of readZip(vsix)) {
    if (!entry.name.startsWith('extension/node_modules/') || entry.name.endsWith('/')) continue;
    const bytes = entry.read();
    const kind = binaryKind(bytes);
    if (kind) found.push({ name: entry.name, ...kind });
  }
  return found;
}
