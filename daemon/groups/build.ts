/**
 * From indexed images to duplicate groups: same content → exact; similar contents (similarity-graph.ts) → pixel or
 * near; connected components become groups; each group gets its canonical (canonical.ts) and each member
 * its class and similarity relative to that canonical.
 */
import { createHash } from 'node:crypto';
import type { DuplicateClass, CanonicalRule } from '../../protocol/report';
import type { Fingerprint, NearThresholds } from '../hash';
import { CanonicalChooser, type CanonicalCandidate } from './canonical';
import { SimilarityGraph } from './similarity-graph';
import { UnionFind } from './union-find';
import type { Matcher } from '../scan/filter';
import { forEachLimited } from '../scan/scanner';
import type { VariantIndex } from './variants';

export interface ImageEntry extends CanonicalCandidate {
  sha256: string;
  /** Throws for an undecodable file. */
  fingerprint: Fingerprint;
  /**
   * Read but not decodable as an image (an SVG font, a malformed file): it has no fingerprint and joins no
   * similarity, but byte-identical copies of it are still an `exact` group.
   */
  undecodable?: true;
}

export interface GroupMember {
  image: ImageEntry;
  class: DuplicateClass;
  similarity: number;
  /** Why this member is a variant of the canonical on purpose (groups/variants.ts): shown, never replaced. */
  variant?: string;
}

export interface DuplicateGroup {
  id: string;
  class: DuplicateClass;
  canonical: ImageEntry;
  rule: CanonicalRule;
  /** Canonical first. */
  members: GroupMember[];
  bytesReclaimable: number;
}

export interface GroupOptions {
  thresholds: NearThresholds;
  chooser: CanonicalChooser;
  /** Files matching it are never reported (config `ignore` globs, relative paths). */
  ignoredFile: Matcher;
  /** Sets of absolute paths declared distinct (config `ignore` entries with `paths`). */
  distinctSets: string[][];
  /** Variants by convention and by reference (groups/variants.ts): members it names are marked. */
  variants?: VariantIndex;
  /**
   * Told of each (canonical, content) pair that was never compared although the content is a partner of one
   * of the canonical's members: verifying it (SimilarityGraph.verify) and grouping again may let the content
   * join that canonical directly.
   */
  unverified?: (canonical: string, content: string) => void;
}

const CLASS_ORDER: Record<DuplicateClass, number> = { exact: 0, pixel: 1, near: 2 };

export function looserClass(a: DuplicateClass, b: DuplicateClass): DuplicateClass {
  return CLASS_ORDER[a] >= CLASS_ORDER[b] ? a : b;
}

/** Stable while the members' contents are the same, whatever their paths. */
function groupId(members: ImageEntry[]): string {
  const shas = [...new Set(members.map((m) => m.sha256))].sort();
  const digest = createHash('sha256').update(shas.join('\n'));
  if (shas.length === 1) digest.update(`\n${members.length}`);
  return digest.digest('hex').slice(0, 16);
}

/**
 * Groups the images given the similarity graph of their contents. Cheap: no hashing, no decoding.
 *
 * A group is a star: a canonical and members each verified directly against it (the graph's pair of the two
 * contents; exact copies share the content), never joined through a third image, and never two members that
 * were verified different from each other. Within each connected part of the graph, canonicals are taken in
 * the canonical rules' order among the contents not yet placed; each takes the contents verified against it;
 * contents it was not verified against are left for the next canonical (their own group) or stay out. The
 * class and similarity shown for a member are those of its pair with the canonical.
 */
export function groupsFromGraph(all: ImageEntry[], graph: SimilarityGraph, options: GroupOptions): DuplicateGroup[] {
  const images = all.filter((image) => !options.ignoredFile(image.relativePath));

  // Files by content.
  const holders = new Map<string, ImageEntry[]>();
  for (const image of images) {
    const list = holders.get(image.sha256);
    if (list) list.push(image);
    else holders.set(image.sha256, [image]);
  }

  const setsOf = new Map<string, number[]>();
  options.distinctSets.forEach((set, s) => set.forEach((p) => setsOf.set(p, [...(setsOf.get(p) ?? []), s])));
  const declaredDistinct = (a: string, b: string): boolean => {
    const sa = setsOf.get(a);
    const sb = setsOf.get(b);
    return !!sa && !!sb && sa.some((s) => sb.includes(s));
  };

  // Connected parts over contents: only contents in one part can share a group.
  const shas = [...holders.keys()];
  const position = new Map(shas.map((sha, i) => [sha, i]));
  const parts = new UnionFind(shas.length);
  for (const pair of graph.pairs()) {
    const a = position.get(pair.a);
    const b = position.get(pair.b);
    if (a !== undefined && b !== undefined) parts.union(a, b);
  }

  // Parts of one content (no verified partner) still hold its exact copies.
  const grouped = new Set<number>();
  const allParts = parts.groups();
  for (const part of allParts) for (const i of part) grouped.add(i);
  shas.forEach((sha, i) => {
    if (!grouped.has(i) && holders.get(sha)!.length > 1) allParts.push([i]);
  });

  const groups: DuplicateGroup[] = [];
  for (const indices of allParts) {
    const unplaced = new Set(indices.map((i) => shas[i]));
    while (unplaced.size > 0) {
      const files = [...unplaced].flatMap((sha) => holders.get(sha)!);
      const canonical = options.chooser.choose(files).canonical;
      unplaced.delete(canonical.sha256);
      // Its partners, best first (the chooser's order of their files), each verified against it.
      const accepted = [canonical.sha256];
      const candidates = options.chooser.choose(
        files.filter((f) => f.sha256 !== canonical.sha256 && unplaced.has(f.sha256) && graph.pair(canonical.sha256, f.sha256)),
      ).ordered;
      for (const file of candidates) {
        if (accepted.includes(file.sha256)) continue;
        if (accepted.some((sha) => graph.verifiedDifferent(sha, file.sha256))) continue;
        accepted.push(file.sha256);
        unplaced.delete(file.sha256);
      }
      if (options.unverified) {
        for (const member of accepted) {
          for (const pair of graph.partners(member)) {
            const other = pair.a === member ? pair.b : pair.a;
            if (unplaced.has(other) && !graph.pair(canonical.sha256, other) && !graph.verifiedDifferent(canonical.sha256, other))
              options.unverified(canonical.sha256, other);
          }
        }
      }
      // A file declared distinct from the canonical (a srcset variant of it, an ignored pair) is not a
      // duplicate of the file it would be replaced by.
      const members = accepted
        .flatMap((sha) => holders.get(sha)!)
        .filter((m) => m === canonical || !declaredDistinct(m.path, canonical.path));
      if (members.length < 2) continue;
      const choice = options.chooser.choose(members);
      let groupClass: DuplicateClass = 'exact';
      const groupMembers: GroupMember[] = choice.ordered.map((image) => {
        const pair = image.sha256 === canonical.sha256 ? undefined : graph.pair(canonical.sha256, image.sha256)!;
        const member: GroupMember = pair
          ? { image, class: pair.class, similarity: pair.similarity }
          : { image, class: 'exact', similarity: 1 };
        const variant = image === choice.canonical ? undefined : options.variants?.reason(choice.canonical, image);
        if (variant) member.variant = variant;
        groupClass = looserClass(groupClass, member.class);
        return member;
      });
      groups.push({
        id: groupId(members),
        class: groupClass,
        canonical: choice.canonical,
        rule: choice.rule,
        members: groupMembers,
        bytesReclaimable: groupMembers.slice(1).reduce((sum, m) => sum + (m.variant ? 0 : m.image.bytes), 0),
      });
    }
  }
  return groups.sort((a, b) => b.bytesReclaimable - a.bytesReclaimable || (a.canonical.path < b.canonical.path ? -1 : 1));
}

/** Rounds of verifying canonical–member pairs the candidate search missed (each round can only add members). */
const COMPLETION_ROUNDS = 3;
/**
 * Those pairs verified at once: each verdict is the pair's own and the graph records them in any order, so
 * two run together, one decoding on libvips's threads while the other computes here (lookahead.ts does the
 * same for a newcomer's candidates).
 */
const COMPLETIONS_IN_FLIGHT = 2;

/**
 * The groups, after verifying on demand the pairs grouping needs and the bounded candidate search did not
 * make: a content joined to a group only through a third image is verified against that group's canonical,
 * then grouping runs again — it joins the canonical directly, forms its own group, or stays out. `verified`
 * says whether the graph gained pairs (the caller saves it).
 */
export async function starGroups(
  all: ImageEntry[],
  graph: SimilarityGraph,
  options: GroupOptions,
): Promise<{ groups: DuplicateGroup[]; verified: boolean }> {
  let verified = false;
  for (let round = 0; round < COMPLETION_ROUNDS; round++) {
    const missing: Array<[string, string]> = [];
    groupsFromGraph(all, graph, { ...options, unverified: (a, b) => missing.push([a, b]) });
    if (missing.length === 0) break;
    await forEachLimited(missing, COMPLETIONS_IN_FLIGHT, async ([a, b]) => {
      await graph.verify(a, b);
    });
    verified = true;
  }
  return { groups: groupsFromGraph(all, graph, options), verified };
}
