/* eslint-disable max-lines -- applying a plan and its journal are one crash-safety contract (order of writes, journal, rollback), reviewed together like index/store.ts. */
/**
 * applyPlan and undoLast: all-or-nothing application of a plan, with a journal and a trash folder so the last
 * apply can be undone exactly.
 *
 * Layout under the index folder:
 *   journal/<id>.json                   one per apply (see Journal)
 *   journal/.lock                       held during an apply or undo
 *   trash/<id>/originals/<n>-<name>     original bytes of each edited source file
 *   trash/<id>/images/<path>            removed images (path relative to the plan's base)
 *   trash/<id>/saved/<n>-<name>         bytes overwritten by `undo --force` (nothing is lost, even then)
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, decode, encode, sha256 } from './codec';
import { ReplaceError } from './errors';
import { moveFile, runPool, withLock } from './fsops';
import { atomicWrite } from '../fs/atomic-write';
import { permissionProblem } from './permissions';
import { isUnder, outsideProblem, realPathOf, realRoots } from './scope';
import { vouchPlan } from './vouch';

/** Files written at once (each write is fsync'd; overlapping them is what makes a large apply fast). */
const PARALLEL_WRITES = 16;
import { displayPath } from './plan';
import {
  JOURNAL_VERSION,
  type ApplyOptions,
  type ApplyResult,
  type ApplyStep,
  type Journal,
  type ReplacePlan,
  type UndoOptions,
  type UndoResult,
} from './types';

const journalDirOf = (indexDir: string) => path.join(path.resolve(indexDir), 'journal');
const trashDirOf = (indexDir: string) => path.join(path.resolve(indexDir), 'trash');
const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

async function readIfFile(p: string): Promise<Buffer | undefined> {
  try {
    const st = await fsp.lstat(p);
    if (!st.isFile()) return undefined;
    return await fsp.readFile(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

async function writeJournal(journalDir: string, j: Journal): Promise<void> {
  await atomicWrite(path.join(journalDir, `${j.id}.json`), Buffer.from(JSON.stringify(j, null, 2) + '\n'), { mode: 0o600 });
}

async function readJournals(journalDir: string): Promise<Journal[]> {
  let names: string[];
  try {
    names = await fsp.readdir(journalDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: Journal[] = [];
  for (const n of names.filter((n) => /^\d{6}-.*\.json$/.test(n)).sort()) {
    const file = path.join(journalDir, n);
    let j: Journal;
    try {
      j = JSON.parse(await fsp.readFile(file, 'utf8')) as Journal;
    } catch (e) {
      throw new ReplaceError(
        'invalid',
        `The journal ${file} cannot be read (${errCode(e)}); move it aside to undo earlier replacements.`,
        file,
        { cause: e },
      );
    }
    if (j.version !== JOURNAL_VERSION)
      throw new ReplaceError(
        'invalid',
        `The journal ${file} has version ${String(j.version)}, this Doublon reads ${JOURNAL_VERSION}.`,
        file,
      );
    out.push(j);
  }
  return out;
}

async function nextJournalId(journalDir: string): Promise<string> {
  const names = await fsp.readdir(journalDir).catch(() => [] as string[]);
  let max = 0;
  for (const n of names) {
    const m = /^(\d{6})-/.exec(n);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${String(max + 1).padStart(6, '0')}-${new Date().toISOString().replace(/[-:]/g, '').replace('.', '')}`;
}

/** Runs steps, remembering how to reverse each; on failure reverses what was done, newest first. */
class Transaction {
  private readonly undo: Array<{ what: string; fn: () => Promise<void> }> = [];
  done(what: string, fn: () => Promise<void>): void {
    this.undo.push({ what, fn });
  }
  /** Reverses every done step; returns the ones that could not be reversed. */
  async rollback(): Promise<string[]> {
    const failed: string[] = [];
    for (const u of this.undo.reverse()) {
      try {
        await u.fn();
      } catch (e) {
        failed.push(`${u.what}: ${errCode(e)}`);
      }
    }
    this.undo.length = 0;
    return failed;
  }
}

/**
 * Applies a plan. First checks everything: the plan is vouched for by the index (vouchPlan: paths inside the
 * roots, edits that are indexed references rewritten as makePlan would, removals that are current copies),
 * each planned source file still has its planned SHA-256 and is neither read-only nor someone else's, each
 * canonical and each image to remove too, and no reference outside the plan points at an image to remove;
 * it refuses before writing anything if one check fails. Then saves the originals, writes each edited file
 * atomically (mode, owner, encoding and BOM kept), moves removed images to the trash, and writes the journal.
 * A failure half-way rolls back everything done so far.
 */
export async function applyPlan(plan: ReplacePlan, options: ApplyOptions): Promise<ApplyResult> {
  vouchPlan(plan, options, options.indexDir);
  const show = (p: string) => displayPath(p, plan.base);

  // 1. Check everything before touching anything.
  const writes: Array<{
    path: string;
    real: string;
    mode: number;
    uid: number;
    gid: number;
    original: Buffer;
    next: Buffer;
    edits: number;
  }> = [];
  for (const f of plan.files) {
    let real: string;
    try {
      real = await fsp.realpath(f.path);
    } catch (e) {
      throw new ReplaceError('stale', `${show(f.path)} is gone since the plan was made (${errCode(e)}); plan again.`, f.path, { cause: e });
    }
    const st = await fsp.stat(real);
    const denied = st.isFile() ? permissionProblem(st) : undefined;
    if (denied) throw new ReplaceError('permission', `${show(f.path)} is not changed: ${denied}. Nothing was changed.`, f.path);
    const original = st.isFile() ? await fsp.readFile(real) : undefined;
    if (!original || sha256(original) !== f.sha256) {
      throw new ReplaceError('stale', `${show(f.path)} changed since the plan was made; plan again.`, f.path);
    }
    let next: Buffer;
    try {
      const text = decode(original, f.encoding, f.bom);
      for (const e of f.edits) {
        if (text.slice(e.start, e.end) !== e.oldText) throw new Error(`line ${e.range.start.line + 1} does not hold "${e.oldText}"`);
      }
      next = encode(applyEdits(text, f.edits), f.encoding, f.bom);
    } catch (e) {
      throw new ReplaceError(
        'invalid',
        `The plan's edits of ${show(f.path)} do not fit the file (${(e as Error).message}); plan again.`,
        f.path,
        { cause: e },
      );
    }
    writes.push({ path: f.path, real, mode: st.mode, uid: st.uid, gid: st.gid, original, next, edits: f.edits.length });
  }
  for (const c of plan.canonicals) {
    const b = await readIfFile(c.path);
    if (!b || sha256(b) !== c.sha256) {
      throw new ReplaceError(
        'stale',
        `${show(c.path)}, the canonical the references would point at, ${b ? 'changed' : 'is gone'} since the plan was made; plan again.`,
        c.path,
      );
    }
  }
  const rewritten = new Set(plan.files.flatMap((f) => f.edits.map((e) => `${path.resolve(f.path)}\0${e.start}`)));
  const moves: Array<{ from: string; mode: number; uid: number; gid: number; sha256: string; bytes: number }> = [];
  for (const r of plan.removals) {
    const b = await readIfFile(r.path);
    if (!b || sha256(b) !== r.sha256) {
      throw new ReplaceError(
        'stale',
        `${show(r.path)}, an image to remove, ${b ? 'changed' : 'is gone'} since the plan was made; plan again.`,
        r.path,
      );
    }
    const left = options.referencesTo(r.path).filter((ref) => !rewritten.has(`${path.resolve(ref.source)}\0${ref.start}`));
    if (left.length > 0) {
      const at = left
        .slice(0, 3)
        .map((ref) => `${show(ref.source)}:${ref.range.start.line + 1}`)
        .join(', ');
      throw new ReplaceError(
        'conflict',
        `${show(r.path)} is now referenced by ${at}${left.length > 3 ? ` and ${left.length - 3} more` : ''}, which the plan does not rewrite; it would be removed while in use. Plan again.`,
        r.path,
      );
    }
    const st = await fsp.lstat(r.path);
    const denied = permissionProblem(st);
    if (denied) throw new ReplaceError('permission', `${show(r.path)} is not removed: ${denied}. Nothing was changed.`, r.path);
    moves.push({ from: path.resolve(r.path), mode: st.mode, uid: st.uid, gid: st.gid, sha256: r.sha256, bytes: b.length });
  }
  if (writes.length === 0 && moves.length === 0) return { filesWritten: [], editsApplied: 0, removed: [], bytesReclaimed: 0 };

  const journalDir = journalDirOf(options.indexDir);
  return withLock(journalDir, 'apply the plan', async () => {
    const id = await nextJournalId(journalDir);
    const trashDir = path.join(trashDirOf(options.indexDir), id);
    const imageTrashPath = (p: string) => {
      const rel = path.relative(plan.base, p);
      return rel && !rel.startsWith('..') && !path.isAbsolute(rel)
        ? path.join(trashDir, 'images', rel)
        : path.join(trashDir, 'images', '_abs', path.relative(path.parse(p).root, p));
    };
    const journal: Journal = {
      version: JOURNAL_VERSION,
      id,
      createdAt: new Date().toISOString(),
      state: 'applying',
      base: plan.base,
      trashDir,
      files: writes.map((w, n) => ({
        path: path.resolve(w.path),
        mode: w.mode & 0o7777,
        uid: w.uid,
        gid: w.gid,
        originalSha256: sha256(w.original),
        backup: path.join(trashDir, 'originals', `${n}-${path.basename(w.path)}`),
        appliedSha256: sha256(w.next),
        edits: w.edits,
      })),
      moves: moves.map((m) => ({
        from: m.from,
        to: imageTrashPath(m.from),
        sha256: m.sha256,
        bytes: m.bytes,
        mode: m.mode & 0o7777,
        uid: m.uid,
        gid: m.gid,
      })),
    };
    const tx = new Transaction();
    let stepIndex = 0;
    let failedStep: ApplyStep | undefined;
    /** Runs one step: the hook first, then the work; the first step that fails is remembered for the message. */
    const step = async (kind: ApplyStep['kind'], p: string, work: () => Promise<void>) => {
      const s: ApplyStep = { kind, path: p, index: stepIndex++ };
      try {
        await options.beforeStep?.(s);
        await work();
      } catch (e) {
        failedStep ??= s;
        throw e;
      }
    };
    try {
      // Originals first, and the journal that names them, so even a crash leaves everything recoverable.
      await fsp.mkdir(path.join(trashDir, 'originals'), { recursive: true });
      await runPool(writes, PARALLEL_WRITES, (w, n) =>
        step('backup', w.path, () => atomicWrite(journal.files[n].backup, w.original, { mode: 0o600 })),
      );
      await writeJournal(journalDir, journal);
      await runPool(writes, PARALLEL_WRITES, (w, n) =>
        step('write', w.path, async () => {
          // The file may have changed since the checks: compare again right before replacing it.
          const now = await readIfFile(w.real);
          if (!now || !now.equals(w.original))
            throw new ReplaceError('stale', `${show(w.path)} changed while the plan was being applied; plan again.`, w.path);
          const keep = { mode: w.mode, uid: w.uid, gid: w.gid };
          await atomicWrite(w.real, w.next, keep);
          tx.done(`restore ${w.real} from ${journal.files[n].backup}`, () => atomicWrite(w.real, w.original, keep));
        }),
      );
      for (const m of journal.moves) {
        await step('move', m.from, async () => {
          await moveFile(m.from, m.to, m.sha256);
          tx.done(`move ${m.to} back to ${m.from}`, () => moveFile(m.to, m.from, m.sha256));
        });
      }
      journal.state = 'applied';
      await writeJournal(journalDir, journal);
    } catch (e) {
      const failed = await tx.rollback();
      const at = failedStep ? ` at ${failedStep.kind} of ${show(failedStep.path)}` : '';
      // Fully rolled back: nothing to undo. Not fully: left 'applying', so undoLast can finish the job.
      journal.state = failed.length > 0 ? 'applying' : 'rolled-back';
      journal.error = `failed${at}: ${(e as Error).message}${failed.length ? `; could not roll back: ${failed.join('; ')}` : ''}`;
      await writeJournal(journalDir, journal).catch(() => undefined);
      if (failed.length > 0) {
        throw new ReplaceError(
          'rollback-failed',
          `Replacing failed${at} (${(e as Error).message}), and rolling back failed too: ${failed.join('; ')}. Fix the cause, then run undo (with force if it says a file changed) to restore the rest; the originals are in ${trashDir}, listed in the journal ${path.join(journalDir, id + '.json')}.`,
          failedStep?.path,
          { cause: e },
        );
      }
      if (e instanceof ReplaceError) throw e;
      throw new ReplaceError(
        'failed',
        `Replacing failed${at}: ${(e as Error).message}. Everything done so far was rolled back; no file changed. Fix the cause and apply again.`,
        failedStep?.path,
        { cause: e },
      );
    }
    return {
      journalId: id,
      journalPath: path.join(journalDir, `${id}.json`),
      filesWritten: writes.map((w) => path.resolve(w.path)),
      editsApplied: writes.reduce((s, w) => s + w.edits, 0),
      removed: journal.moves.map((m) => ({ path: m.from, trashPath: m.to, bytes: m.bytes })),
      bytesReclaimed: journal.moves.reduce((s, m) => s + m.bytes, 0),
    };
  });
}

/**
 * Undoes the last apply that is not undone yet: edited files get their original bytes back, removed images
 * are moved back. Refuses (code 'conflict') if a file changed after the apply, unless `force` (the current
 * bytes are then saved in the trash before being overwritten). Also finishes the undo of an apply that was
 * interrupted (journal left in state 'applying'): whatever is still original is left alone.
 */
export async function undoLast(options: UndoOptions): Promise<UndoResult> {
  const journalDir = journalDirOf(options.indexDir);
  return withLock(journalDir, 'undo', async () => {
    const journals = await readJournals(journalDir);
    const j = journals.reverse().find((x) => x.state === 'applied' || x.state === 'applying');
    if (!j) {
      throw new ReplaceError(
        'nothing-to-undo',
        journals.length === 0
          ? `Nothing to undo: no replacement was applied with the index in ${path.resolve(options.indexDir)}.`
          : `Nothing to undo: every replacement recorded in ${journalDir} is already undone (or was rolled back when it failed).`,
      );
    }
    refuseOutside(j, options);
    const saved = path.join(j.trashDir, 'saved');
    const show = (p: string) => displayPath(p, j.base ?? path.parse(p).root);
    const plan: Array<() => Promise<void>> = [];
    const filePlan: Array<() => Promise<void>> = [];
    const conflicts: string[] = [];
    const forced: UndoResult['forced'] = [];
    const restored: string[] = [];
    const movedBack: string[] = [];
    const tx = new Transaction();
    let n = 0;
    const saveAside = async (p: string, bytes: Buffer) => {
      const to = path.join(saved, `${n++}-${path.basename(p)}`);
      await fsp.mkdir(saved, { recursive: true });
      await atomicWrite(to, bytes, { mode: 0o600 });
      forced.push({ path: p, savedAs: to });
    };

    for (const f of j.files) {
      const backup = await readIfFile(f.backup);
      if (!backup || sha256(backup) !== f.originalSha256) {
        throw new ReplaceError(
          'conflict',
          `Cannot undo ${j.id}: the original of ${show(f.path)} is missing or damaged in the trash (${f.backup}).`,
          f.path,
        );
      }
      let real = f.path;
      try {
        real = await fsp.realpath(f.path);
      } catch {
        /* gone: written back at its path */
      }
      const now = await readIfFile(real);
      // Owner and group as at apply time (journals before they were recorded: as the file has them now).
      const current = await fsp.stat(real).catch(() => undefined);
      const keep = { mode: f.mode, uid: f.uid ?? current?.uid, gid: f.gid ?? current?.gid };
      const h = now ? sha256(now) : undefined;
      if (h === f.originalSha256) continue; // never written (interrupted apply) or already restored
      const force = h !== f.appliedSha256;
      if (force && !options.force) {
        conflicts.push(`${show(f.path)} ${now ? 'changed' : 'was removed'} after the replacement was applied`);
        continue;
      }
      filePlan.push(async () => {
        if (force && now) await saveAside(f.path, now);
        await atomicWrite(real, backup, keep);
        restored.push(f.path);
        tx.done(`put back the applied ${f.path}`, async () => {
          if (now) await atomicWrite(real, now, keep);
        });
      });
    }
    for (const m of j.moves) {
      const inTrash = await readIfFile(m.to);
      const atHome = await readIfFile(m.from);
      if (atHome && sha256(atHome) === m.sha256) continue; // never moved, or already back
      if (!inTrash || sha256(inTrash) !== m.sha256) {
        throw new ReplaceError(
          'conflict',
          `Cannot undo ${j.id}: the removed image ${show(m.from)} is missing or damaged in the trash (${m.to}).`,
          m.from,
        );
      }
      if (
        atHome ||
        (await fsp.lstat(m.from).then(
          () => true,
          () => false,
        ))
      ) {
        if (!options.force) {
          conflicts.push(`${show(m.from)} was removed by the replacement, and something else is there now`);
          continue;
        }
        plan.push(async () => {
          const occupant = await readIfFile(m.from);
          if (!occupant) throw new Error(`${show(m.from)} is not a file; move it away first`);
          await saveAside(m.from, occupant);
          await fsp.rm(m.from);
          tx.done(`put back ${m.from}`, () => atomicWrite(m.from, occupant, { mode: m.mode }));
        });
      }
      plan.push(async () => {
        await moveFile(m.to, m.from, m.sha256);
        movedBack.push(m.from);
        tx.done(`move ${m.from} back to the trash`, () => moveFile(m.from, m.to, m.sha256));
      });
    }
    if (conflicts.length > 0) {
      throw new ReplaceError(
        'conflict',
        `Cannot undo the replacement ${j.id} (${j.createdAt}): ${conflicts.join('; ')}. Undo would overwrite those changes. Revert them by hand, or undo with force (the current content is saved in ${saved} first).`,
        undefined,
      );
    }
    try {
      await runPool(filePlan, PARALLEL_WRITES, (p) => p());
      for (const p of plan) await p();
      j.state = 'undone';
      j.undoneAt = new Date().toISOString();
      await writeJournal(journalDir, j);
    } catch (e) {
      const failed = await tx.rollback();
      if (failed.length > 0) {
        throw new ReplaceError(
          'rollback-failed',
          `Undo of ${j.id} failed (${(e as Error).message}) and could not be reversed: ${failed.join('; ')}. The originals are in ${j.trashDir}.`,
          undefined,
          { cause: e },
        );
      }
      throw new ReplaceError(
        'failed',
        `Undo of ${j.id} failed (${(e as Error).message}); nothing was changed. Fix the cause and undo again.`,
        undefined,
        { cause: e },
      );
    }
    return { journalId: j.id, restored: restored.sort(), movedBack, forced };
  });
}

/**
 * A journal is data on disk: before undo writes anything, every file it names must be inside the roots (links
 * resolved) and every copy it restores from inside this index's trash.
 */
function refuseOutside(j: Journal, options: UndoOptions): void {
  const trash = realRoots([trashDirOf(options.indexDir)]);
  const fail = (p: string, why: string): never => {
    throw new ReplaceError(
      'outside-roots',
      `Cannot undo ${j.id}: its journal names ${p}, which is ${why}; nothing was changed. Move that journal aside if it is not Doublon's.`,
      p,
    );
  };
  for (const f of j.files) {
    const why = outsideProblem(f.path, options.roots, options.indexDir);
    if (why) fail(f.path, why);
    if (!isUnder(realPathOf(f.backup), trash)) fail(f.backup, `not in the trash of ${options.indexDir}`);
  }
  for (const m of j.moves) {
    const why = outsideProblem(m.from, options.roots, options.indexDir);
    if (why) fail(m.from, why);
    if (!isUnder(realPathOf(m.to), trash)) fail(m.to, `not in the trash of ${options.indexDir}`);
  }
}
