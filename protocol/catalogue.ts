/**
 * The catalogue's findings as clients see them (`doublon check --format json`, `doublon/catalogue`): copies of
 * a site's images in other sites and in the shared libraries of the organisation's catalogue.
 */
import type { DuplicateClass } from './report';

export interface CatalogueCopy {
  /** The other site's or library's name in the catalogue. */
  repository: string;
  /** Relative to that repository's folder. */
  path: string;
  /** Where browsers load it from, when that repository published its public URL. */
  url?: string;
  /** A shared library: the copy here should use `url` instead (the check fails for it). */
  library: boolean;
}

export interface CrossSiteFinding {
  /** The local image, relative to the site's folder (`/` separators). */
  path: string;
  sha256: string;
  /** `exact`: the same bytes; `near`: verified like a local near duplicate. */
  class: Extract<DuplicateClass, 'exact' | 'near'>;
  similarity: number;
  other: CatalogueCopy;
}

export interface CatalogueState {
  /** `off`: no catalogue configured; `connected`: findings are current; `unavailable`: see `error`. */
  state: 'off' | 'connected' | 'unavailable';
  /** Why the catalogue cannot be read (never with credentials). */
  error?: string;
  /** The catalogue server, as `host:port/database`. */
  server?: string;
  findings: CrossSiteFinding[];
}
