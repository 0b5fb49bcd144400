/**
 * The index as the daemon holds it in memory: one entry per readable image, one problem per unreadable
 * one, and the similarity graph of their contents. The graph holds a content while at least one file holds
 * it (reference counted), so a copy appearing or vanishing costs no search. Kept in line with the store
 * one path at a time (`sync`); the service decides when.
 */
import type { ResolvedConfig } from '../config/load';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import type { ReferenceStore } from '../refstore/store';
import type { ImageEntry } from '../groups/build';
import type { SimilarityGraph } from '../groups/similarity-graph';
import { isEntry, toEntry } from '../groups/entries';
import { graphOptions, loadGraph, saveGraph } from '../groups/graph-store';
import { yielder } from './yielder';

export class LiveIndex {
  readonly entries = new Map<string, ImageEntry>();
  /** Unreadable or undecodable images, with the reason. */
  readonly problems = new Map<string, string>();
  readonly graph: SimilarityGraph;
  /** How many entries hold each content: the graph holds a content while this is above zero. */
  private readonly holders = new Map<string, number>();
  /** One file holding each content (checked before use: it may have changed since). */
  private readonly holderPath = new Map<string, string>();

  /** `config` is read at each sync: config edits (doublon/ignore) replace it. */
  constructor(
    private readonly store: IndexStore<Fingerprint>,
    private readonly refs: ReferenceStore,
    private readonly config: () => ResolvedConfig,
  ) {
    // The graph saved by the last run: a restart with nothing changed searches and decodes nothing.
    this.graph = loadGraph(
      store,
      graphOptions(store, config(), (sha) => this.holderOf(sha)),
    );
  }

  /** Images known, readable or not. */
  get size(): number {
    return this.entries.size + this.problems.size;
  }

  /** From memory (answered per reference on every keystroke): an image the index holds, readable or not. */
  has(absolutePath: string): boolean {
    return this.entries.has(absolutePath) || this.problems.has(absolutePath);
  }

  /** Every path held, readable or not. */
  paths(): string[] {
    return [...this.entries.keys(), ...this.problems.keys()];
  }

  /** Brings the in-memory view of one path in line with the store. */
  async sync(p: string): Promise<void> {
    const before = this.entries.get(p);
    const record = this.store.getFile(p);
    const after = record ? toEntry(this.store, this.config(), record, (image) => this.refs.referenceCount(image)) : undefined;
    if (before && (!after || !isEntry(after) || after.sha256 !== before.sha256)) this.release(before.sha256);
    this.entries.delete(p);
    this.problems.delete(p);
    if (!after) return;
    if (!isEntry(after)) {
      this.problems.set(p, after.message);
      return;
    }
    this.entries.set(p, after);
    if (before?.sha256 === after.sha256) return;
    const count = this.holders.get(after.sha256) ?? 0;
    this.holders.set(after.sha256, count + 1);
    if (count === 0) this.holderPath.set(after.sha256, p);
    if (count === 0) await this.graph.add(after.sha256, after.fingerprint);
  }

  private release(sha256: string): void {
    const count = (this.holders.get(sha256) ?? 0) - 1;
    if (count > 0) this.holders.set(sha256, count);
    else {
      this.holders.delete(sha256);
      this.holderPath.delete(sha256);
      this.graph.remove(sha256);
    }
  }

  /**
   * Re-reads every path the store holds, and drops those it no longer holds (after a full scan). Yields to
   * the event loop as it goes: requests are answered meanwhile.
   */
  async syncAll(): Promise<void> {
    const seen = new Set<string>();
    const pause = yielder();
    for (const record of this.store.files()) {
      await pause();
      seen.add(record.path);
      await this.sync(record.path);
    }
    for (const p of this.paths()) if (!seen.has(p)) await this.sync(p);
  }

  /** A file holding this content (pixel digests are computed from it). Rare: only for distance-0 pairs. */
  holderOf(sha256: string): string | undefined {
    const known = this.holderPath.get(sha256);
    if (known && this.entries.get(known)?.sha256 === sha256) return known;
    for (const entry of this.entries.values()) {
      if (entry.sha256 === sha256) {
        this.holderPath.set(sha256, entry.path);
        return entry.path;
      }
    }
    return undefined;
  }

  /** The changes of a batch are grouped: the graph's raster caches are emptied, so an idle daemon holds no pixels. */
  releasePixels(): void {
    this.graph.releasePixels();
  }

  /** Drops contents no file holds any more (after a restart), and saves the graph for the next start. */
  pruneAndSaveGraph(): void {
    for (const sha of [...this.graph.contents()]) if (!this.holders.has(sha)) this.graph.remove(sha);
    saveGraph(this.store, this.graph);
  }
}
