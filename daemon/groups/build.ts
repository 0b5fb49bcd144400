/**
 * From indexed images to duplicate groups: same content → exact; similar contents (pairs.ts) → pixel or
 * near; connected components become groups; each group gets its canonical (canonical.ts) and each member
 * its class and similarity relative to that canonical.
 */
import { createHash } from 'node:crypto';
import type { DuplicateClass, CanonicalRule } from '../../protocol/report';
import { compare, type Fingerprint, type NearThresholds } from '../hash';
import { CanonicalChooser, type CanonicalCandidate } from './canonical';
import { SimilarityGraph } from './pairs';
import { UnionFind } from './union-find';
import type { Matcher } from '../scan/filter';

export interface ImageEntry extends CanonicalCandidate {
  sha256: string;
  fingerprint: Fingerprint;
}

export interface GroupMember {
  image: ImageEntry;
  class: DuplicateClass;
  similarity: number;
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

/** Groups the images given the similarity graph of their contents. Cheap: no hashing, no decoding. */
export function groupsFromGraph(all: ImageEntry[], graph: SimilarityGraph, options: GroupOptions): DuplicateGroup[] {
  const images = all.filter((image) => !options.ignoredFile(image.relativePath));

  // Images by content (indices into `images`).
  const holders = new Map<string, number[]>();
  images.forEach((image, i) => {
    const list = holders.get(image.sha256);
    if (list) list.push(i);
    else holders.set(image.sha256, [i]);
  });

  const setsOf = new Map<string, number[]>();
  options.distinctSets.forEach((set, s) => set.forEach((p) => setsOf.set(p, [...(setsOf.get(p) ?? []), s])));
  const declaredDistinct = (a: string, b: string): boolean => {
    const sa = setsOf.get(a);
    const sb = setsOf.get(b);
    return !!sa && !!sb && sa.some((s) => sb.includes(s));
  };

  const sets = new UnionFind(images.length);
  for (const list of holders.values()) {
    for (let i = 1; i < list.length; i++) {
      // The first earlier holder not declared distinct from this one (the first of all when none is declared).
      let partner = setsOf.size === 0 ? 0 : -1;
      for (let j = 0; partner < 0 && j < i; j++) if (!declaredDistinct(images[list[i]].path, images[list[j]].path)) partner = j;
      if (partner >= 0) sets.union(list[i], list[partner]);
    }
  }
  for (const pair of graph.pairs()) {
    const a = holders.get(pair.a);
    const b = holders.get(pair.b);
    if (!a || !b) continue; // a content whose files are all ignored or gone
    if (setsOf.size > 0 && a.some((x) => b.some((y) => declaredDistinct(images[x].path, images[y].path)))) continue;
    sets.union(a[0], b[0]);
  }

  const groups: DuplicateGroup[] = [];
  for (const indices of sets.groups()) {
    const joined = indices.map((i) => images[i]);
    const first = options.chooser.choose(joined);
    // A member joined through a third file may still be declared distinct from the canonical (a srcset
    // variant of it, an ignored pair): it is not a duplicate of the file it would be replaced by.
    const members = joined.filter((m) => m === first.canonical || !declaredDistinct(m.path, first.canonical.path));
    if (members.length < 2) continue;
    const choice = members.length === joined.length ? first : options.chooser.choose(members);
    const canonical = choice.canonical;
    let groupClass: DuplicateClass = 'exact';
    const groupMembers: GroupMember[] = choice.ordered.map((image) => {
      let member: GroupMember;
      if (image.sha256 === canonical.sha256) member = { image, class: 'exact', similarity: 1 };
      else {
        const direct = graph.pair(canonical.sha256, image.sha256);
        if (direct) member = { image, class: direct.class, similarity: direct.similarity };
        else {
          // Joined through another member: measure against the canonical itself where the verifier
          // agrees, else report the member's best link.
          const similarity = graph.measure(canonical.sha256, image.sha256, () => compare(canonical.fingerprint, image.fingerprint, options.thresholds))
            ?? Math.max(0, ...graph.partners(image.sha256).map((p) => p.similarity));
          member = { image, class: 'near', similarity };
        }
      }
      groupClass = looserClass(groupClass, member.class);
      return member;
    });
    groups.push({
      id: groupId(members),
      class: groupClass,
      canonical,
      rule: choice.rule,
      members: groupMembers,
      bytesReclaimable: groupMembers.slice(1).reduce((sum, m) => sum + m.image.bytes, 0),
    });
  }
  return groups.sort((a, b) => b.bytesReclaimable - a.bytesReclaimable || (a.canonical.path < b.canonical.path ? -1 : 1));
}
