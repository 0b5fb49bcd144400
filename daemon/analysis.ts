/**
 * One full pass of the core engine: bring the index up to date, then group the duplicates. This is what
 * `doublon scan` and `doublon check` run when no daemon is serving the index.
 */
import type { ResolvedConfig } from './config/load';
import type { Fingerprint } from './hash';
import type { FileRecord, IndexStore } from './index/store';
import { describeRecovery } from './index/integrity';
import { damagedStoreOf, setCrashedIndexAside, setDamagedStoreAside } from './index/damage';
import { starGroups, type DuplicateGroup, type ImageEntry } from './groups/build';
import { collectEntries, type FileProblem } from './groups/entries';
import { saveGraph, syncGraph, type GroupProgress } from './groups/graph-store';
import { makeChooser } from './canonical-choice';
import { ignoreOptions, nearThresholds } from './groups/options';
import type { DeclaredVariants } from './groups/variants';
import { updateIndex, type ScanProgress, type ScanStats } from './scan/scanner';
import { describeScope, sourceMentionMayName, type ImageReference, type SourceMention } from './refstore/store';
import { updateReferences, variantSets } from './refstore/update';
import { openStores, referenceCounts, referencesToAll, resolveOptions } from './refstore/open';
import { isSiteFile, scannedRoots } from './config/libraries';

export interface Analysis {
  groups: DuplicateGroup[];
  errors: FileProblem[];
  stats: ScanStats;
  /** References to each group member (absolute paths), read before the index closed. */
  referencesOf: (imagePath: string) => ImageReference[];
  /** Unresolved template mentions that may name this image (daemon/refs mentionMayName). */
  mentionsOf: (imagePath: string) => SourceMention[];
}

/** Progress of a one-shot pass: the scan's phases, then grouping (new contents searched and verified). */
export type AnalyseProgress = ScanProgress | GroupProgress;

export interface AnalyseOptions {
  onProgress?: (progress: AnalyseProgress) => void;
  concurrency?: number;
  /** Called as each phase starts (benchmarks sample memory there). */
  onPhase?: (phase: AnalysePhase) => void;
  /** Told once what the user should know about the index itself (a damaged one moved aside and rebuilt). */
  onNotice?: (text: string) => void;
  /** The previous run of this command crashed (cli/relaunch.ts), e.g. "signal SIGSEGV": the index is set aside unopened. */
  afterCrash?: string;
}

export async function groupIndex(
  store: IndexStore<Fingerprint>,
  config: ResolvedConfig,
  references: (path: string) => number = () => 0,
  variants: DeclaredVariants[] = [],
  records?: Iterable<FileRecord>,
): Promise<{ groups: DuplicateGroup[]; errors: FileProblem[] }> {
  const { entries, errors } = collectEntries(store, config, references, records);
  return { groups: await groupEntries(store, config, entries, variants), errors };
}

/**
 * Groups collected entries (syncing the saved similarity graph with them first); the canonical–member pairs
 * the bounded search left unverified are verified on demand (groups/build.ts starGroups).
 */
export async function groupEntries(
  store: IndexStore<Fingerprint>,
  config: ResolvedConfig,
  entries: ImageEntry[],
  variants: DeclaredVariants[] = [],
  onProgress?: (progress: AnalyseProgress) => void,
): Promise<DuplicateGroup[]> {
  const graph = await syncGraph(store, config, entries, onProgress);
  const { groups, verified } = await starGroups(entries, graph, {
    thresholds: nearThresholds(config),
    chooser: makeChooser(config),
    ...ignoreOptions(config, variants),
  });
  // Pairs verified on demand are kept for the next run.
  if (verified) saveGraph(store, graph);
  // Copies inside a library outside the roots are the library's business, not this site's.
  return config.libraries.length === 0 ? groups : groups.filter((g) => g.members.some((m) => isSiteFile(m.image.path, config.libraries)));
}

export type AnalysePhase = 'index' | 'references' | 'group' | 'done';

/**
 * One full pass; an index found damaged while it is read is moved aside, said once, and the pass runs again
 * from the files (a damaged index is rebuilt, never a failed scan).
 */
export async function analyse(config: ResolvedConfig, options: AnalyseOptions = {}): Promise<Analysis> {
  const movedTo = options.afterCrash === undefined ? undefined : setCrashedIndexAside(config.indexDir);
  if (movedTo)
    options.onNotice?.(
      `the index was set aside after the previous run crashed in it (${options.afterCrash}); it was moved to ${movedTo} and rebuilt from the files`,
    );
  try {
    return await analyseOnce(config, options);
  } catch (error) {
    const store = damagedStoreOf(error);
    if (!store) throw error;
    options.onNotice?.(describeRecovery(setDamagedStoreAside(config.indexDir, store, error, 'while the scan read it')));
    return analyseOnce(config, options);
  }
}

async function analyseOnce(config: ResolvedConfig, options: AnalyseOptions): Promise<Analysis> {
  const { store, references } = await openStores(config);
  for (const recovery of [store.recovery, references.recovery]) if (recovery) options.onNotice?.(describeRecovery(recovery));
  try {
    const settings = config.settings;
    options.onPhase?.('index');
    const scan = await updateIndex(store, {
      roots: scannedRoots(config),
      include: settings.include,
      exclude: settings.exclude,
      sources: settings.sources,
      gitignore: settings.gitignore,
      skipFolders: [config.indexDir],
      maxPixels: settings.maxPixels,
      maxSvgBytes: settings.maxSvgBytes,
      concurrency: options.concurrency,
      onProgress: options.onProgress,
    });
    options.onPhase?.('references');
    await updateReferences(references, scan.sources, { resolve: resolveOptions(config), isImage: (p) => store.getFile(p) !== undefined });
    options.onPhase?.('group');
    const counts = referenceCounts(references);
    const collected = collectEntries(store, config, (p) => counts.get(p) ?? 0, scan.records);
    // The entries hold what grouping needs: let the scan's records (one object per file) go now.
    scan.records.length = 0;
    const groups = await groupEntries(store, config, collected.entries, variantSets(references), options.onProgress);
    collected.entries.length = 0;
    await store.flushed();
    const found =
      counts.size === 0
        ? new Map<string, ImageReference[]>()
        : referencesToAll(references, new Set(groups.flatMap((g) => g.members.map((m) => m.image.path))));
    options.onPhase?.('done');
    const mentions = [...references.allSources()].flatMap((r) => (r.mentions ?? []).map((m) => ({ ...m, source: r.path })));
    return {
      groups,
      errors: [...scan.crawlErrors, ...collected.errors],
      stats: scan.stats,
      referencesOf: (p) => found.get(p) ?? [],
      mentionsOf: (p) => mentions.filter((m) => sourceMentionMayName(m, p)).map(describeScope),
    };
  } finally {
    await references.close();
    await store.close();
  }
}
