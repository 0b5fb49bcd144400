/**
 * From indexed images to duplicate groups: same content → exact; similar contents (pairs.ts) → pixel or
 * near; connected components become groups; each group gets its canonical (canonical.ts) and each member
 * its class and similarity relative to that canonical.
 */
import { createHash } from 'node:crypto';
import type { DuplicateClass, CanonicalRule } from '../../protocol/report';
import { compare, type Fingerprint, type NearThresholds } from '../hash';
import { CanonicalChooser, type CanonicalCandidate } from './canonical';
import { findSimilarPairs, type SimilarPair } from './pairs';
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
  /** Pixel digest of a content (by sha256), computed on demand and cached by the caller. */
  pixelDigest: (sha256: string, path: string) => Promise<string | undefined>;
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

export async function buildGroups(all: ImageEntry[], options: GroupOptions): Promise<DuplicateGroup[]> {
  const images = all.filter((image) => !options.ignoredFile(image.relativePath));

  // Distinct contents, each with the images that hold it.
  const contentOf = new Map<string, number>();
  const contents: Fingerprint[] = [];
  const holders: ImageEntry[][] = [];
  for (const image of images) {
    let c = contentOf.get(image.sha256);
    if (c === undefined) {
      contentOf.set(image.sha256, (c = contents.length));
      contents.push(image.fingerprint);
      holders.push([]);
    }
    holders[c].push(image);
  }

  const setsOf = new Map<string, number[]>();
  options.distinctSets.forEach((set, s) => set.forEach((p) => setsOf.set(p, [...(setsOf.get(p) ?? []), s])));
  const declaredDistinct = (a: string, b: string): boolean => {
    const sa = setsOf.get(a);
    const sb = setsOf.get(b);
    return !!sa && !!sb && sa.some((s) => sb.includes(s));
  };

  const pairs = await findSimilarPairs(contents, {
    thresholds: options.thresholds,
    pixelDigest: (c) => options.pixelDigest(holders[c][0].sha256, holders[c][0].path),
  });

  const indexOf = new Map(images.map((image, i) => [image, i]));
  const sets = new UnionFind(images.length);
  for (const list of holders) {
    for (let i = 1; i < list.length; i++) {
      const partner = list.slice(0, i).find((other) => !declaredDistinct(list[i].path, other.path));
      if (partner) sets.union(indexOf.get(list[i])!, indexOf.get(partner)!);
    }
  }
  // Pairs by content indices, both orders, for the member-to-canonical lookups below.
  const pairOf = new Map<string, SimilarPair>();
  const bestOf = new Map<number, number>();
  for (const pair of pairs) {
    const distinct = holders[pair.a].some((x) => holders[pair.b].some((y) => declaredDistinct(x.path, y.path)));
    if (distinct) continue;
    sets.union(indexOf.get(holders[pair.a][0])!, indexOf.get(holders[pair.b][0])!);
    pairOf.set(`${pair.a}:${pair.b}`, pair).set(`${pair.b}:${pair.a}`, pair);
    for (const c of [pair.a, pair.b]) bestOf.set(c, Math.max(bestOf.get(c) ?? 0, pair.similarity));
  }

  const groups = sets.groups().map((indices) => {
    const members = indices.map((i) => images[i]);
    const choice = options.chooser.choose(members);
    const canonical = choice.canonical;
    let groupClass: DuplicateClass = 'exact';
    const groupMembers: GroupMember[] = choice.ordered.map((image) => {
      let member: GroupMember;
      if (image.sha256 === canonical.sha256) member = { image, class: 'exact', similarity: 1 };
      else {
        const direct = pairOf.get(`${contentOf.get(canonical.sha256)}:${contentOf.get(image.sha256)}`);
        if (direct) member = { image, class: direct.class, similarity: direct.similarity };
        else {
          // Joined through another member: measure against the canonical itself where the verifier agrees.
          const similarity = compare(canonical.fingerprint, image.fingerprint, options.thresholds) ?? bestOf.get(contentOf.get(image.sha256)!) ?? 0;
          member = { image, class: 'near', similarity };
        }
      }
      groupClass = looserClass(groupClass, member.class);
      return member;
    });
    return {
      id: groupId(members),
      class: groupClass,
      canonical,
      rule: choice.rule,
      members: groupMembers,
      bytesReclaimable: groupMembers.slice(1).reduce((sum, m) => sum + m.image.bytes, 0),
    };
  });
  return groups.sort((a, b) => b.bytesReclaimable - a.bytesReclaimable || (a.canonical.path < b.canonical.path ? -1 : 1));
}
