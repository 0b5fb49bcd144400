/**
 * SHA-256 of bytes, hex: the identity of a file's content everywhere (the index's `exact` key, replace plans
 * and journals, thumbnail names). One-shot crypto.hash: no Hash object, no copy of the bytes. Its own file so
 * that modules which never decode (replace/, dashboard/) do not load sharp to get it.
 */
import { hash } from 'node:crypto';

export function sha256(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}
