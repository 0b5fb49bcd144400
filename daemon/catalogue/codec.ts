/**
 * Fingerprints as the catalogue stores them: JSON with byte arrays in base64. Portable between machines and
 * Node versions (sites publish from CI runners of every kind), and open to fields added later; a fingerprint
 * of another version (`fp_version`, the index schema) is never compared.
 */
import type { Fingerprint } from '../hash';

const BYTES = '$b64';

export function encodeFingerprint(fp: Fingerprint): Buffer {
  // The holder's own value (`this[key]`), not `value`: JSON.stringify has already turned a Buffer (what the
  // index gives back for byte fields) into `{ type, data }` through Buffer#toJSON by the time it calls us.
  return Buffer.from(JSON.stringify(fp, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') } : value;
  }));
}

export function decodeFingerprint(bytes: Uint8Array): Fingerprint {
  return JSON.parse(Buffer.from(bytes).toString('utf8'), (_key, value: unknown) => {
    if (value && typeof value === 'object' && BYTES in value) {
      const b = Buffer.from(String((value as Record<string, unknown>)[BYTES]), 'base64');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    return value;
  }) as Fingerprint;
}
