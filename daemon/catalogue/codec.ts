/**
 * Fingerprints as the catalogue stores them: JSON with byte arrays in base64. Portable between machines and
 * Node versions (sites publish from CI runners of every kind), and open to fields added later; a fingerprint
 * of another version (`fp_version`, the index schema) is never compared.
 */
import type { Fingerprint } from '../hash';

const BYTES = '$b64';

export function encodeFingerprint(fp: Fingerprint): Buffer {
  // Byte fields are replaced before JSON.stringify sees them: it would first turn each Buffer (what the index
  // gives back) into `{ type, data: [numbers…] }` through Buffer#toJSON — most of the encoding's time.
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fp)) {
    plain[key] =
      value instanceof Uint8Array ? { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value;
  }
  return Buffer.from(JSON.stringify(plain));
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
