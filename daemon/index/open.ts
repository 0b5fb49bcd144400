/** The image index of a configuration, opened at the schema version this build writes. */
import type { Fingerprint } from '../hash';
import { IndexStore } from './store';

export const SCHEMA_VERSION = 1;

/**
 * Takes the one setting it reads, not config/load.ts ResolvedConfig: config/ imports report/, which reaches
 * index/ through groups/ and scan/, so index/ importing config/ would close a cycle between folders.
 */
export function openIndex(config: { indexDir: string }): IndexStore<Fingerprint> {
  return IndexStore.open(config.indexDir, { schemaVersion: SCHEMA_VERSION });
}
