/* eslint-disable max-lines -- making a plan is one pass over a group whose checks (scope, mentions, variants, libraries, web-safe canonicals) read one shared state; each check's logic lives in its own module and this file orders them. */
/**
 * makePlan: which references to rewrite and which images to remove, checked against the files as they
 * are now, without changing anything on disk.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { DuplicateClass } from '../../protocol/report';
import { extractReferences, libraryUrl, readSourceFile, resolveReference, rewriteReference, type RawReference } from '../refs';
import { libraryOf } from '../config/libraries';
import { applyEdits, encode, latin1Safe, sha256 } from './codec';
import { ReplaceError } from './errors';
import { findMentions } from './mentions';
import { permissionProblem } from './permissions';
import { outsideProblem } from './scope';
import {
  PLAN_VERSION,
  type ImageReference,
  type PlanInput,
  type PlanOptions,
  type PlannedEdit,
  type PlannedFile,
  type PlannedRemoval,
  type ReplaceGroup,
  type ReplaceMember,
  type ReplacePlan,
  type SkippedItem,
  type UnresolvedMention,
} from './types';

export const DEFAULT_CLASSES: readonly DuplicateClass[] = ['exact', 'pixel'];

/** A path for messages: relative to base when inside it, `/` separators. */
export function displayPath(p: string, base: string): string {
  const rel = path.relative(base, p);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return p.split(path.sep).join('/');
  return rel.split(path.sep).join('/');
}

const refKey = (source: string, start: number) => `${source}\0${start}`;

interface Candidate {
  ref: ImageReference;
  group: ReplaceGroup;
  member: ReplaceMember;
}

function variantWhere(kind: string): string {
  return kind === 'image-set' ? 'image-set()' : 'srcset or <picture>';
}

/** Plans the rewrite of every reference to the selected duplicates, and (with `delete`) the removal of the copies left unreferenced. */
export async function makePlan(input: PlanInput, options: PlanOptions = {}): Promise<ReplacePlan> {
  const classes = [...(options.classes ?? DEFAULT_CLASSES)];
  const base = path.resolve(input.resolve.roots[0] ?? process.cwd());
  const show = (p: string) => displayPath(p, base);
  const where = (r: { source: string; range: { start: { line: number } } }) => `${show(r.source)}:${r.range.start.line + 1}`;
  const groups = options.groupId === undefined ? input.groups : input.groups.filter((g) => g.id === options.groupId);
  if (options.groupId !== undefined && groups.length === 0) {
    throw new ReplaceError(
      'not-found',
      `No duplicate group "${options.groupId}"; list the groups with doublon scan and pick an id from there.`,
    );
  }
  const allCanonicals = new Set(input.groups.map((g) => path.resolve(g.canonical)));

  const skipped: SkippedItem[] = [];
  /** Why a reference is not rewritten (short, for "still referenced by … (not rewritten: …)"). */
  const notRewrittenWhy = new Map<string, string>();
  const refsOfMember = new Map<string, ImageReference[]>();
  const bySource = new Map<string, Candidate[]>();

  for (const g of groups) {
    const refsByMember = new Map<string, ImageReference[]>();
    for (const m of g.members) {
      refsByMember.set(
        m.path,
        input.referencesTo(m.path).map((r) => ({ ...r, source: path.resolve(r.source), target: path.resolve(r.target) })),
      );
    }
    // The members each (file, variant group) points at: two or more means variants on purpose.
    const variantTargets = new Map<string, Set<string>>();
    for (const refs of refsByMember.values()) {
      for (const r of refs) {
        if (r.variantGroup === undefined) continue;
        const k = `${r.source}\0${r.variantGroup}`;
        let set = variantTargets.get(k);
        if (!set) variantTargets.set(k, (set = new Set()));
        set.add(path.resolve(r.target));
      }
    }
    for (const m of g.members) {
      if (path.resolve(m.path) === path.resolve(g.canonical)) continue;
      const refs = refsByMember.get(m.path) ?? [];
      refsOfMember.set(m.path, refs);
      if (m.variant) {
        skipped.push({
          code: 'variant',
          groupId: g.id,
          image: m.path,
          reason: `${show(m.path)}: a variant of ${show(g.canonical)} on purpose (${m.variant}); kept`,
        });
        continue;
      }
      if (!classes.includes(m.class)) {
        skipped.push({
          code: 'class-not-selected',
          groupId: g.id,
          image: m.path,
          reason: `${show(m.path)}: a ${m.class} copy of ${show(g.canonical)} (${refs.length} reference${refs.length === 1 ? '' : 's'}); ${m.class} copies are replaced only when asked (classes: ${classes.join(', ')})`,
        });
        continue;
      }
      const canonicalMember = g.members.find((x) => path.resolve(x.path) === path.resolve(g.canonical));
      const otherSize =
        !!canonicalMember &&
        m.width !== undefined &&
        canonicalMember.width !== undefined &&
        (m.width !== canonicalMember.width || m.height !== canonicalMember.height);
      for (const r of refs) {
        if (r.pixelSized && otherSize) {
          const why = `a CSS background without background-size is drawn at the image's own size (${m.width}×${m.height}, the canonical is ${canonicalMember?.width}×${canonicalMember?.height})`;
          notRewrittenWhy.set(refKey(r.source, r.start), why);
          skipped.push({
            code: 'pixel-size',
            groupId: g.id,
            image: m.path,
            source: r.source,
            line: r.range.start.line,
            reason: `${where(r)}: ${r.text} not rewritten: ${why}`,
          });
          continue;
        }
        if (r.variantGroup !== undefined) {
          const targets = variantTargets.get(`${r.source}\0${r.variantGroup}`);
          if (targets && targets.size > 1) {
            const others = [...targets]
              .filter((t) => t !== path.resolve(m.path))
              .map(show)
              .join(', ');
            const why = `a variant of ${others} in the same ${variantWhere(r.kind)}`;
            notRewrittenWhy.set(refKey(r.source, r.start), why);
            skipped.push({
              code: 'variant',
              groupId: g.id,
              image: m.path,
              source: r.source,
              line: r.range.start.line,
              reason: `${where(r)}: ${r.text} is ${why}; variants are kept on purpose`,
            });
            continue;
          }
        }
        let list = bySource.get(r.source);
        if (!list) bySource.set(r.source, (list = []));
        list.push({ ref: r, group: g, member: m });
      }
    }
  }

  const files: PlannedFile[] = [];
  const rewritten = new Set<string>();
  /** Each planned file as the plan leaves it, with the ranges it rewrites: the mention scan reads this text. */
  const edited = new Map<string, { text: string; rewritten: Array<[number, number]> }>();
  for (const source of [...bySource.keys()].sort()) {
    const planned = await planFile(source, bySource.get(source) ?? [], input, show, (item, why) => {
      skipped.push(item);
      if (item.source && item.line !== undefined) notRewrittenWhy.set(why.key, why.text);
    });
    if (planned) {
      files.push(planned.file);
      edited.set(planned.file.path, planned.after);
      for (const e of planned.file.edits) rewritten.add(refKey(planned.file.path, e.start));
    }
  }

  const removals: PlannedRemoval[] = [];
  if (options.delete) {
    for (const g of groups) {
      for (const m of g.members) {
        const p = path.resolve(m.path);
        if (p === path.resolve(g.canonical) || !classes.includes(m.class) || m.variant) continue;
        if (allCanonicals.has(p)) {
          skipped.push({
            code: 'still-referenced',
            groupId: g.id,
            image: m.path,
            reason: `${show(m.path)}: kept, it is the canonical of another group`,
          });
          continue;
        }
        const left = (refsOfMember.get(m.path) ?? []).filter((r) => !rewritten.has(refKey(r.source, r.start)));
        if (left.length > 0) {
          const list = left
            .slice(0, 3)
            .map((r) => {
              const why = notRewrittenWhy.get(refKey(r.source, r.start));
              return `${where(r)} (not rewritten${why ? ': ' + why : ''})`;
            })
            .join(', ');
          skipped.push({
            code: 'still-referenced',
            groupId: g.id,
            image: m.path,
            source: left[0].source,
            line: left[0].range.start.line,
            reason: `${show(m.path)}: kept, still referenced by ${list}${left.length > 3 ? ` and ${left.length - 3} more` : ''}`,
          });
          continue;
        }
        const outside = outsideProblem(p, input.resolve.roots, input.indexDir);
        if (outside) {
          skipped.push({ code: 'outside-roots', groupId: g.id, image: m.path, reason: `${show(m.path)}: kept, it is ${outside}` });
          continue;
        }
        if (libraryOf(p, input.resolve.libraries ?? [])) {
          skipped.push({
            code: 'permission',
            groupId: g.id,
            image: m.path,
            reason: `${show(m.path)}: kept, it is in a shared library (read only)`,
          });
          continue;
        }
        // Unresolved template mentions (daemon/refs): an expression that may name this file at build time.
        const mentions = input.mentionsOf?.(p) ?? [];
        if (mentions.length > 0) {
          const first = mentions[0];
          skipped.push({
            code: 'still-referenced',
            groupId: g.id,
            image: m.path,
            source: first.source,
            line: first.range.start.line,
            reason: `${show(m.path)}: kept, a template may name it: ${where(first)} ${first.text}${first.pattern ? ` (may name ${first.pattern})` : ''}${mentions.length > 1 ? ` and ${mentions.length - 1} more` : ''}`,
          });
          continue;
        }
        let bytes: Buffer;
        try {
          const st = await fsp.lstat(p);
          const denied = st.isFile() ? permissionProblem(st) : 'it is not a regular file';
          if (denied) {
            skipped.push({ code: 'permission', groupId: g.id, image: m.path, reason: `${show(m.path)}: kept, ${denied}` });
            continue;
          }
          bytes = await fsp.readFile(p);
        } catch (e) {
          skipped.push({
            code: 'unreadable',
            groupId: g.id,
            image: m.path,
            reason: `${show(m.path)}: kept, cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          });
          continue;
        }
        const h = sha256(bytes);
        if (h !== m.sha256) {
          skipped.push({
            code: 'out-of-date',
            groupId: g.id,
            image: m.path,
            reason: `${show(m.path)}: kept, its content changed since it was indexed (rescan, then plan again)`,
          });
          continue;
        }
        removals.push({ path: p, sha256: h, bytes: bytes.length, groupId: g.id, canonical: path.resolve(g.canonical) });
      }
    }
  }
  const unresolvedMentions = await keepMentioned(removals, skipped, input, edited, show);

  const usedGroups = new Map<string, ReplaceGroup>();
  for (const f of files) for (const e of f.edits) usedGroups.set(e.groupId, groups.find((g) => g.id === e.groupId) as ReplaceGroup);
  for (const r of removals) usedGroups.set(r.groupId, groups.find((g) => g.id === r.groupId) as ReplaceGroup);
  const canonicals = [...usedGroups.values()].map((g) => {
    const c = g.members.find((m) => path.resolve(m.path) === path.resolve(g.canonical));
    return { path: path.resolve(g.canonical), sha256: c?.sha256 ?? '', groupId: g.id };
  });

  const plan: ReplacePlan = {
    version: PLAN_VERSION,
    createdAt: new Date().toISOString(),
    base,
    classes,
    delete: options.delete ?? false,
    canonicals,
    files,
    removals,
    bytesReclaimed: removals.reduce((s, r) => s + r.bytes, 0),
    skipped,
    unresolvedMentions,
  };
  if (options.groupId !== undefined) plan.groupId = options.groupId;
  return plan;
}

/** Reads one source file and plans its edits; each edit is checked by parsing the edited text. */
async function planFile(
  source: string,
  cands: Candidate[],
  input: PlanInput,
  show: (p: string) => string,
  skip: (item: SkippedItem, why: { key: string; text: string }) => void,
): Promise<{ file: PlannedFile; after: { text: string; rewritten: Array<[number, number]> } } | undefined> {
  const at = (c: Candidate) => `${show(source)}:${c.ref.range.start.line + 1}`;
  const skipAll = (code: SkippedItem['code'], why: string, list: Candidate[]) => {
    for (const c of list) {
      skip(
        {
          code,
          groupId: c.group.id,
          image: c.member.path,
          source,
          line: c.ref.range.start.line,
          reason: `${at(c)}: ${c.ref.text} not rewritten: ${why}`,
        },
        { key: refKey(source, c.ref.start), text: why },
      );
    }
  };
  const outside = outsideProblem(source, input.resolve.roots, input.indexDir);
  if (outside) {
    skipAll('outside-roots', `the file is ${outside}`, cands);
    return undefined;
  }
  if (libraryOf(path.resolve(source), input.resolve.libraries ?? [])) {
    skipAll('permission', 'the file is in a shared library (read only)', cands);
    return undefined;
  }
  let bytes: Buffer;
  try {
    const st = await fsp.lstat(source);
    const denied = st.isFile() ? permissionProblem(st) : 'it is not a regular file';
    if (denied) {
      skipAll('permission', denied, cands);
      return undefined;
    }
    bytes = await fsp.readFile(source);
  } catch (e) {
    skipAll('unreadable', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, cands);
    return undefined;
  }
  const read = await readSourceFile(source);
  if ('error' in read) {
    skipAll('unreadable', read.error, cands);
    return undefined;
  }
  let same: boolean;
  try {
    same = encode(read.text, read.encoding, read.bom).equals(bytes);
  } catch {
    same = false;
  }
  if (!same) {
    skipAll(
      'unreadable',
      `the file cannot be written back byte for byte as ${read.encoding} (or it changed while planning); fix its encoding or plan again`,
      cands,
    );
    return undefined;
  }
  const text = read.text;

  // One edit per reference start.
  const seen = new Set<number>();
  let edits: PlannedEdit[] = [];
  for (const c of cands.sort((a, b) => a.ref.start - b.ref.start)) {
    const r = c.ref;
    if (seen.has(r.start)) continue;
    seen.add(r.start);
    if (text.slice(r.start, r.end) !== r.text) {
      skipAll('out-of-date', "the index does not match the file's text there (rescan, then plan again)", [c]);
      continue;
    }
    let newText = rewriteReference(source, r.text, c.group.canonical, { ...input.resolve, kind: r.kind });
    if (read.encoding === 'latin1') newText = latin1Safe(newText);
    if (newText === r.text) continue;
    edits.push({
      start: r.start,
      end: r.end,
      range: r.range,
      oldText: r.text,
      newText,
      kind: r.kind,
      from: path.resolve(c.member.path),
      to: path.resolve(c.group.canonical),
      groupId: c.group.id,
    });
  }
  // Non-overlapping only (a reference inside another's range would be a bug upstream: keep the first).
  edits = edits.filter((e, i) => i === 0 || e.start >= edits[i - 1].end);

  // Check by parsing: each rewritten path is read back as a reference to the canonical, and every other
  // reference of the file is read back unchanged. An edit that fails is dropped; then check again.
  const opts = { resolve: input.resolve };
  const before = extractReferences(source, text, opts).references;
  const notRewritten = (e: PlannedEdit, why: string): void =>
    skip(
      {
        code: 'unresolved',
        groupId: e.groupId,
        image: e.from,
        source,
        line: e.range.start.line,
        reason: `${show(source)}:${e.range.start.line + 1}: ${e.oldText} not rewritten: ${why}`,
      },
      { key: refKey(source, e.start), text: why },
    );
  for (let round = 0; round < 4 && edits.length > 0; round++) {
    const after = extractReferences(source, applyEdits(text, edits), opts).references;
    const byStart = new Map<number, RawReference>(after.map((r) => [r.start, r]));
    const shift = (offset: number) => {
      let d = 0;
      for (const e of edits) if (e.end <= offset) d += e.newText.length - (e.end - e.start);
      return offset + d;
    };
    const bad: PlannedEdit[] = [];
    for (const e of edits) {
      const r = byStart.get(shift(e.start));
      // A library's URL is not a path this site resolves: what is checked is that it is the library's URL of the canonical.
      const url = libraryUrl(e.to, input.resolve);
      const ok =
        url !== undefined
          ? e.newText.startsWith(url)
          : r !== undefined && r.text === e.newText && resolveReference(source, r.value, { ...input.resolve, kind: r.kind }) === e.to;
      if (!ok) bad.push(e);
    }
    const editedStarts = new Set(edits.map((e) => e.start));
    const broken = before.filter((r) => !editedStarts.has(r.start) && byStart.get(shift(r.start))?.text !== r.text);
    if (bad.length === 0 && broken.length === 0) break;
    if (broken.length > 0 || round === 3) {
      const why =
        broken.length > 0
          ? `rewriting this file would change how ${show(source)}:${broken[0].range.start.line + 1} (${broken[0].text}) is read`
          : 'the rewritten paths could not be checked';
      for (const e of edits) notRewritten(e, why);
      return undefined;
    }
    for (const e of bad) notRewritten(e, `"${e.newText}" would not resolve to ${show(e.to)} here`);
    edits = edits.filter((e) => !bad.includes(e));
  }
  if (edits.length === 0) return undefined;
  const rewritten: Array<[number, number]> = [];
  let shift = 0;
  for (const e of edits) {
    rewritten.push([e.start + shift, e.start + shift + e.newText.length]);
    shift += e.newText.length - (e.end - e.start);
  }
  return {
    file: { path: path.resolve(source), sha256: sha256(bytes), encoding: read.encoding, bom: read.bom, edits },
    after: { text: applyEdits(text, edits), rewritten },
  };
}

/**
 * The mention scan over every file under the roots (see mentions.ts): a removal whose file name is mentioned
 * where the plan rewrites nothing is dropped, with the mention as its reason. A mention inside an image that
 * is removed too does not count; dropping one removal can make its mentions count, hence the loop.
 */
async function keepMentioned(
  removals: PlannedRemoval[],
  skipped: SkippedItem[],
  input: PlanInput,
  edited: Map<string, { text: string; rewritten: Array<[number, number]> }>,
  show: (p: string) => string,
): Promise<UnresolvedMention[]> {
  if (removals.length === 0) return [];
  const mentions = await findMentions({
    roots: input.resolve.roots,
    skip: input.indexDir ? [input.indexDir] : [],
    images: removals.map((r) => r.path),
    edited,
  });
  const removed = new Set(removals.map((r) => r.path));
  const blocking = new Set<(typeof mentions)[number]>();
  for (let changed = true; changed;) {
    changed = false;
    for (const m of mentions) {
      if (removed.has(m.path) || blocking.has(m)) continue;
      const hit = m.images.filter((image) => removed.has(image));
      if (hit.length === 0) continue;
      blocking.add(m);
      for (const image of hit) removed.delete(image);
      changed = true;
    }
  }
  const ordered = [...blocking].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column));
  const kept = new Map<string, string[]>();
  const firstOf = new Map<string, (typeof mentions)[number]>();
  for (const m of ordered) {
    for (const image of m.images) {
      const list = kept.get(image) ?? [];
      list.push(`${show(m.path)}:${m.line}`);
      kept.set(image, list);
      if (!firstOf.has(image)) firstOf.set(image, m);
    }
  }
  const planned = removals.splice(0, removals.length);
  for (const r of planned) {
    const where = kept.get(r.path);
    if (!where || removed.has(r.path)) {
      removals.push(r);
      continue;
    }
    const first = firstOf.get(r.path)!;
    skipped.push({
      code: 'mentioned',
      groupId: r.groupId,
      image: r.path,
      source: first.path,
      line: first.line - 1,
      reason: `${show(r.path)}: kept, mentioned in ${where.slice(0, 3).join(', ')}${where.length > 3 ? ` and ${where.length - 3} more` : ''} (${JSON.stringify(first.text.length > 100 ? first.text.slice(0, 100) + '…' : first.text)}), which the plan does not rewrite`,
    });
  }
  return ordered.map((m) => ({
    path: m.path,
    line: m.line,
    column: m.column,
    text: m.text,
    images: m.images.filter((image) => kept.has(image)),
  }));
}
