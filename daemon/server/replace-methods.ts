/**
 * `doublon/replacePlan`, `doublon/replaceApply` and `doublon/undo`: the daemon's side of the replacement
 * engine. It keeps the plans it issued and applies only those, made again from the index as it is now; it
 * never takes paths, edits or removals from a client.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedConfig } from '../config/load';
import type { DuplicateClass } from '../../protocol/report';
import type { ReplaceApplyResult, ReplacePlanResult, UndoResult } from '../../protocol/methods';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import {
  applyPlan,
  makePlan,
  removeLeftoverTempFiles,
  ReplaceError,
  undoLast,
  vouchPlan,
  type PlanInput,
  type PlanOptions,
  type ReplacePlan,
} from '../replace';
import { isUnder } from '../replace/scope';
import { invalid } from './params';

/** Plans issued by `doublon/replacePlan` and kept for `doublon/replaceApply` (the oldest is forgotten first). */
const MAX_ISSUED_PLANS = 16;

export interface ReplaceHost {
  config(): ResolvedConfig;
  /** What a plan is made from: the groups and references as they are now. */
  replaceInput(): PlanInput;
  /** Runs an index mutation on the service's queue. */
  enqueue<T>(task: () => Promise<T>): Promise<T>;
  /** Path relative to the first root, for clients. */
  display(absolutePath: string): string;
}

export class ReplaceMethods {
  /** The plans this daemon made, by id, with what they were made for: replaceApply applies only these. */
  private readonly issuedPlans = new Map<string, { plan: ReplacePlan; options: PlanOptions }>();

  constructor(private readonly host: ReplaceHost) {}

  /** Parameters checked by the method table; `groupId`, when given, names a group that exists. */
  async plan(options: { classes?: DuplicateClass[]; groupId?: string; delete: boolean }): Promise<ReplacePlanResult> {
    const show = (p: string): string => this.host.display(p);
    const plan = await makePlan(this.host.replaceInput(), options);
    plan.id = randomUUID();
    this.issuedPlans.set(plan.id, { plan, options });
    for (const id of this.issuedPlans.keys()) if (this.issuedPlans.size > MAX_ISSUED_PLANS) this.issuedPlans.delete(id);
    return {
      planId: plan.id,
      edits: plan.files.flatMap((f) =>
        f.edits.map((e) => ({
          path: show(f.path),
          line: e.range.start.line,
          character: e.range.start.character,
          oldText: e.oldText,
          newText: e.newText,
        })),
      ),
      removals: plan.removals.map((r) => ({ path: show(r.path), bytes: r.bytes, canonical: show(r.canonical) })),
      skipped: plan.skipped.map((k) => ({ ...(k.image ? { path: show(k.image) } : {}), reason: k.reason })),
      unresolvedMentions: plan.unresolvedMentions.map((m) => ({
        path: show(m.path),
        line: m.line,
        column: m.column,
        text: m.text,
        images: m.images.map(show),
      })),
      bytesReclaimed: plan.bytesReclaimed,
      plan,
    };
  }

  /**
   * Applies a plan this daemon issued, and only that: the client names it (the plan as it was received, id
   * included, unchanged); paths, edits and removals are never taken from the client. The plan is then made
   * again from the index as it is now and must come out the same (else Stale: plan again), and applyPlan
   * vouches for it once more against the groups and references before it writes anything.
   */
  apply(plan: unknown): Promise<ReplaceApplyResult> {
    if (typeof plan !== 'object' || plan === null || (plan as { version?: unknown }).version !== 1)
      throw invalid('plan', 'a plan from doublon/replacePlan', plan);
    const id = (plan as { id?: unknown }).id;
    const issued = typeof id === 'string' ? this.issuedPlans.get(id) : undefined;
    if (!issued || JSON.stringify(plan) !== JSON.stringify(issued.plan)) {
      try {
        // Names the first thing it refuses (a path outside the roots: PathOutsideRoots, like every method).
        vouchPlan(plan, this.host.replaceInput(), this.host.config().indexDir);
      } catch (error) {
        throw replaceRpcError(error);
      }
      throw replaceRpcError(
        new ReplaceError(
          'unvouched',
          issued
            ? 'The plan was changed since this daemon issued it; pass it back unchanged.'
            : 'This daemon did not issue that plan (or has forgotten it: it keeps the last few). Ask doublon/replacePlan for a plan and pass it back unchanged.',
        ),
      );
    }
    return this.host.enqueue(async () => {
      try {
        await this.removeLeftovers();
        const again = await makePlan(this.host.replaceInput(), issued.options);
        const changed = differenceOf(issued.plan, again, (p) => this.host.display(p));
        if (changed) throw new ReplaceError('stale', `${changed}; plan again.`);
        const result = await applyPlan(issued.plan, { ...this.host.replaceInput(), indexDir: this.host.config().indexDir }).catch(
          (error: unknown) => {
            // Our own plan no longer vouched for: the index moved on since.
            throw error instanceof ReplaceError && error.code === 'unvouched'
              ? new ReplaceError('stale', `The index changed since the plan was made (${error.message})`, error.path)
              : error;
          },
        );
        this.issuedPlans.delete(issued.plan.id!);
        return {
          journalId: result.journalId,
          filesWritten: result.filesWritten.length,
          editsApplied: result.editsApplied,
          removed: result.removed.length,
          bytesReclaimed: result.bytesReclaimed,
        };
      } catch (error) {
        throw replaceRpcError(error);
      }
    });
  }

  undo(force: boolean): Promise<UndoResult> {
    return this.host.enqueue(async () => {
      try {
        await this.removeLeftovers();
        const { indexDir, roots } = this.host.config();
        const result = await undoLast({ indexDir, roots, force });
        return { journalId: result.journalId, restored: result.restored.length, movedBack: result.movedBack.length };
      } catch (error) {
        throw replaceRpcError(error);
      }
    });
  }

  /** Temporary files an interrupted apply or undo left in the roots or the index folder. */
  private async removeLeftovers(): Promise<void> {
    const { roots, indexDir } = this.host.config();
    await removeLeftoverTempFiles(isUnder(indexDir, roots) ? roots : [...roots, indexDir]);
  }
}

/** Why `again` (the plan made anew) would not do what `issued` does, or undefined when it does the same. */
function differenceOf(issued: ReplacePlan, again: ReplacePlan, show: (p: string) => string): string | undefined {
  const json = (v: unknown) => JSON.stringify(v);
  for (const f of issued.files) {
    const now = again.files.find((g) => g.path === f.path);
    if (!now || now.sha256 !== f.sha256) return `${show(f.path)} changed since the plan was made`;
    if (json(now) !== json(f)) return `the references to rewrite in ${show(f.path)} changed since the plan was made`;
  }
  for (const r of issued.removals) {
    if (!again.removals.some((x) => json(x) === json(r))) {
      const why = again.skipped.find((k) => k.image === r.path);
      return `${show(r.path)} would not be removed any more${why ? ` (${why.reason})` : ''}`;
    }
  }
  if (json([again.files, again.removals, again.canonicals]) !== json([issued.files, issued.removals, issued.canonicals]))
    return 'the groups changed since the plan was made';
  return undefined;
}

/** The replacement engine's refusals as protocol errors: a stale plan is Stale, a missing one NotFound, a path outside the roots PathOutsideRoots. */
function replaceRpcError(error: unknown): unknown {
  if (!(error instanceof ReplaceError)) return error;
  const code =
    error.code === 'stale' || error.code === 'conflict'
      ? RpcErrorCodes.Stale
      : error.code === 'nothing-to-undo' || error.code === 'not-found'
        ? RpcErrorCodes.NotFound
        : error.code === 'outside-roots'
          ? RpcErrorCodes.PathOutsideRoots
          : RpcErrorCodes.InvalidParams;
  return new RpcError(code, error.message, { reason: error.code, ...(error.path ? { path: error.path } : {}) });
}
