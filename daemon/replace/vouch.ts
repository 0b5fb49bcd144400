/**
 * vouchPlan: a plan is applied only if everything it would change can be derived again from the index as it
 * is now. A plan is plain data (it crosses RPC, it can be hand-made): every path, edit and removal in it is
 * checked against the roots, the current groups and the indexed references, and nothing it says is trusted.
 */
import * as path from 'node:path';
import { rewriteReference } from '../refs';
import { libraryOf } from '../config/libraries';
import { latin1Safe } from './codec';
import { ReplaceError } from './errors';
import { outsideProblem } from './scope';
import { PLAN_VERSION, type PlanInput, type ReplaceGroup, type ReplaceMember, type ReplacePlan } from './types';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function refuse(message: string, p?: unknown): never {
  throw new ReplaceError(
    'unvouched',
    `${message}; this plan was not made by Doublon from the current index. Make the plan again.`,
    typeof p === 'string' ? p : undefined,
  );
}

function refuseOutside(p: unknown, why: string, what: string): never {
  throw new ReplaceError(
    'outside-roots',
    `The plan names ${typeof p === 'string' ? JSON.stringify(p) : 'a value'} as ${what}, which is ${why}; nothing was changed.`,
    typeof p === 'string' ? p : undefined,
  );
}

/**
 * Throws a ReplaceError ('outside-roots' or 'unvouched') unless, for the groups and references of `input`:
 * every source file is inside the roots (links resolved) and each of its edits is an indexed reference to a
 * copy, rewritten to that copy's canonical exactly as makePlan would; every removal is an indexed, non-canonical
 * member of a current group with the indexed content; every canonical is the canonical of its group.
 * Whether the files still hold that text and content is checked by applyPlan when it reads them.
 */
export function vouchPlan(plan: unknown, input: PlanInput, indexDir: string): asserts plan is ReplacePlan {
  if (
    !isObject(plan) ||
    plan.version !== PLAN_VERSION ||
    !Array.isArray(plan.files) ||
    !Array.isArray(plan.removals) ||
    !Array.isArray(plan.canonicals) ||
    typeof plan.base !== 'string'
  ) {
    throw new ReplaceError('invalid', `Not a replace plan of version ${PLAN_VERSION}; make the plan again with this version of Doublon.`);
  }
  const roots = input.resolve.roots;
  const libraries = input.resolve.libraries ?? [];
  const groups = new Map<string, ReplaceGroup>(input.groups.map((g) => [g.id, g]));
  const memberOf = (groupId: unknown, p: unknown): { group: ReplaceGroup; member: ReplaceMember } | undefined => {
    const group = typeof groupId === 'string' ? groups.get(groupId) : undefined;
    const member = group?.members.find((m) => typeof p === 'string' && path.resolve(m.path) === p);
    return group && member ? { group, member } : undefined;
  };

  const seen = new Set<string>();
  for (const f of plan.files as unknown[]) {
    if (!isObject(f) || !Array.isArray(f.edits)) refuse('A planned file is malformed');
    const outside =
      outsideProblem(f.path, roots, indexDir) ??
      (typeof f.path === 'string' && libraryOf(f.path, libraries) ? 'in a shared library (read only)' : undefined);
    if (outside) refuseOutside(f.path, outside, 'a file to edit');
    const source = f.path as string;
    if (seen.has(source)) refuse(`${source} is listed twice`, source);
    seen.add(source);
    if (
      !['utf8', 'utf16le', 'utf16be', 'latin1'].includes(f.encoding as string) ||
      typeof f.bom !== 'boolean' ||
      typeof f.sha256 !== 'string'
    )
      refuse(`The encoding or hash of ${source} is malformed`, source);
    let lastEnd = 0;
    for (const e of f.edits as unknown[]) {
      if (
        !isObject(e) ||
        !isOffset(e.start) ||
        !isOffset(e.end) ||
        e.end < e.start ||
        e.start < lastEnd ||
        typeof e.oldText !== 'string' ||
        typeof e.newText !== 'string'
      ) {
        refuse(`An edit of ${source} is malformed (edits must be sorted and not overlap)`, source);
      }
      lastEnd = e.end;
      const copy = memberOf(e.groupId, e.from);
      if (!copy || path.resolve(copy.group.canonical) === e.from)
        refuse(`An edit of ${source} points away from ${String(e.from)}, which is not a copy in group ${String(e.groupId)}`, source);
      if (e.to !== path.resolve(copy.group.canonical))
        refuse(`An edit of ${source} points to ${String(e.to)}, which is not the canonical of group ${copy.group.id}`, source);
      const ref = input
        .referencesTo(copy.member.path)
        .find((r) => path.resolve(r.source) === source && r.start === e.start && r.end === e.end && r.text === e.oldText);
      if (!ref)
        refuse(
          `The index holds no reference to ${String(e.from)} at offset ${String(e.start)} of ${source} with the text ${JSON.stringify(e.oldText)}`,
          source,
        );
      const rewritten = rewriteReference(source, ref.text, copy.group.canonical, { ...input.resolve, kind: ref.kind });
      if (e.newText !== rewritten && e.newText !== latin1Safe(rewritten))
        refuse(`An edit of ${source} writes ${JSON.stringify(e.newText)} where Doublon would write ${JSON.stringify(rewritten)}`, source);
    }
  }
  for (const r of plan.removals as unknown[]) {
    if (!isObject(r)) refuse('A planned removal is malformed');
    const outside =
      outsideProblem(r.path, roots, indexDir) ??
      (typeof r.path === 'string' && libraryOf(r.path, libraries) ? 'in a shared library (read only)' : undefined);
    if (outside) refuseOutside(r.path, outside, 'an image to remove');
    const copy = memberOf(r.groupId, r.path);
    if (!copy || path.resolve(copy.group.canonical) === r.path)
      refuse(`${String(r.path)} is not a copy in a current duplicate group ${String(r.groupId)}`, r.path);
    if (copy.member.sha256 !== r.sha256) refuse(`${String(r.path)} is indexed with another content than the plan says`, r.path);
    if (r.canonical !== path.resolve(copy.group.canonical))
      refuse(`${String(r.path)} is said to be a copy of ${String(r.canonical)}, which is not its group's canonical`, r.path);
    if (seen.has(r.path as string)) refuse(`${String(r.path)} is listed twice`, r.path);
    seen.add(r.path as string);
  }
  for (const c of plan.canonicals as unknown[]) {
    if (!isObject(c)) refuse('A planned canonical is malformed');
    const group = typeof c.groupId === 'string' ? groups.get(c.groupId) : undefined;
    if (!group || c.path !== path.resolve(group.canonical))
      refuse(`${String(c.path)} is not the canonical of a current group ${String(c.groupId)}`, c.path);
    // A canonical is only read (its content checked); one in a shared library may lie outside the roots.
    const outside = typeof c.path === 'string' && libraryOf(c.path, libraries) ? undefined : outsideProblem(c.path, roots, indexDir);
    if (outside) refuseOutside(c.path, outside, 'a canonical');
  }
}
