/** What grouping takes from a configuration: the near-duplicate thresholds and the ignore settings. */
import * as path from 'node:path';
import type { DoublonConfig } from '../../protocol/settings';
import { DEFAULT_NEAR_THRESHOLDS, type NearThresholds } from '../hash';
import { globMatcher } from '../scan/filter';
import { VariantIndex, type DeclaredVariants } from './variants';

/**
 * The part of a resolved configuration (config/load.ts ResolvedConfig) that grouping reads. Declared here,
 * not imported: config/ imports report/'s printing helpers and report/ imports groups/, so groups/ importing
 * config/ would close a cycle between folders (npm run lint:deps).
 */
export interface GroupingConfig {
  /** The folder relative paths in the config are resolved from. */
  baseDir: string;
  settings: DoublonConfig;
}

export function nearThresholds(config: Pick<GroupingConfig, 'settings'>): NearThresholds {
  return { ...DEFAULT_NEAR_THRESHOLDS, nearSimilarity: config.settings.thresholds.nearSimilarity };
}

/**
 * The ignore settings of a config in the form grouping takes, and the variants: `variants` (srcset,
 * <picture>, image-set(), icon sets: referenced together) and names by convention (logo@2x.png) stay in
 * their group, marked as variants (groups/variants.ts), instead of being split off as distinct.
 */
export function ignoreOptions(
  config: GroupingConfig,
  variants: DeclaredVariants[] = [],
): { ignoredFile: (relativePath: string) => boolean; distinctSets: string[][]; variants: VariantIndex } {
  const ignore = config.settings.ignore;
  return {
    ignoredFile: globMatcher(ignore.filter((e): e is string => typeof e === 'string')),
    distinctSets: ignore.flatMap((e) => (typeof e === 'string' ? [] : [e.paths.map((p) => path.resolve(config.baseDir, p))])),
    variants: new VariantIndex(variants),
  };
}
