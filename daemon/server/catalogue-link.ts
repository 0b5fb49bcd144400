/**
 * The service's link to the organisation's catalogue: a CatalogueWatch fed with this site's images as the
 * live index holds them, started in the background (a slow or absent server never delays the daemon).
 */
import type { ResolvedConfig } from '../config/load';
import type { CatalogueState } from '../../protocol/catalogue';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { nearThresholds } from '../groups/options';
import { SCHEMA_VERSION } from '../index/open';
import { relativePosix } from '../scan/relative';
import { CatalogueWatch } from '../catalogue/watch';
import { keyCacheFile } from '../catalogue/key-cache';
import { isSiteFile } from '../config/libraries';
import type { CatalogueTarget } from '../catalogue/connection';
import type { LiveIndex } from './live-index';

export function watchCatalogue(
  given: { target: CatalogueTarget; repository: string },
  config: () => ResolvedConfig,
  store: IndexStore<Fingerprint>,
  index: LiveIndex,
  onChange: (state: CatalogueState) => void,
): CatalogueWatch {
  const watch = new CatalogueWatch({
    ...given,
    thresholds: nearThresholds(config()),
    fingerprintVersion: SCHEMA_VERSION,
    keyCache: keyCacheFile(config().indexDir),
    images: () => ({
      // A shared library's files are not this site's images: they are never published as its own.
      images: [...index.entries.values()]
        .filter((e) => isSiteFile(e.path, config().libraries))
        .map((e) => ({
          file: e.path,
          path: relativePosix(config().baseDir, e.path),
          sha256: e.sha256,
          width: e.width,
          height: e.height,
          bytes: e.bytes,
        })),
      fingerprintOf: (sha) => store.getContent(sha)?.fingerprint,
    }),
    onChange,
  });
  void watch.start();
  return watch;
}
