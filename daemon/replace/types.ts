/**
 * Public types of the replacement engine (DESIGN §9): plan → apply → undo.
 * Everything here is JSON-serializable: a plan can be printed, stored, sent over RPC and applied later.
 */
import type { DuplicateClass } from '../../protocol/report';
import type { ImageReference, Position, ReferenceKind, ResolveOptions } from '../refs';

export const PLAN_VERSION = 1 as const;
export const JOURNAL_VERSION = 1 as const;

/** One reference in one source file, resolved (what the daemon's reference index holds). */
export type { ImageReference };

export interface ReplaceMember {
  /** Absolute path. */
  path: string;
  class: DuplicateClass;
  sha256: string;
  bytes: number;
  /** A variant of the canonical on purpose (groups/variants.ts): never replaced, never removed. */
  variant?: string;
  /** Pixel size, when known: a CSS background drawn at its pixel size is not pointed at an image of another size. */
  width?: number;
  height?: number;
}

export interface ReplaceGroup {
  id: string;
  class: DuplicateClass;
  /** Absolute path. */
  canonical: string;
  /** The canonical included, first. */
  members: ReplaceMember[];
}

export interface PlanInput {
  groups: ReplaceGroup[];
  /** Every indexed reference resolving to that image (absolute path). */
  referencesTo(imagePath: string): ImageReference[];
  /** Roots and web roots, for rewriteReference and for checking the rewritten text; nothing outside the roots is changed. */
  resolve: ResolveOptions;
  /** The index folder: never searched for mentions, never changed by a plan. */
  indexDir?: string;
  /** Template expressions that may name this image but cannot be resolved statically (daemon/refs): it is not deleted while any exists. */
  mentionsOf?(imagePath: string): Array<Pick<ImageReference, 'source' | 'range' | 'text'> & { pattern?: string }>;
}

export interface PlanOptions {
  /** Member classes to replace. Default ['exact', 'pixel']; 'near' only when asked. */
  classes?: DuplicateClass[];
  /** Only this group. */
  groupId?: string;
  /** Plan the removal of members left without any reference. */
  delete?: boolean;
}

/** How a source file's bytes are decoded (as readSourceFile reads them) and must be encoded back. */
export type SourceEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'latin1';

/** One path rewrite. Offsets and range are those of the file as planned (before any edit), LSP style. */
export interface PlannedEdit {
  /** UTF-16 offsets into the decoded text (BOM excluded). */
  start: number;
  end: number;
  /** 0-based line/character of start and end. */
  range: { start: Position; end: Position };
  oldText: string;
  newText: string;
  kind: ReferenceKind;
  /** The duplicate the reference pointed at, and the canonical it now points at (absolute paths). */
  from: string;
  to: string;
  groupId: string;
}

export interface PlannedFile {
  /** Absolute path. */
  path: string;
  /** SHA-256 (hex) of the file's bytes when planned: apply refuses if it differs. */
  sha256: string;
  encoding: SourceEncoding;
  /** The file starts with a byte order mark (kept on write). */
  bom: boolean;
  /** Sorted by start, never overlapping. */
  edits: PlannedEdit[];
}

export interface PlannedRemoval {
  /** Absolute path of the image to move to the trash. */
  path: string;
  sha256: string;
  bytes: number;
  groupId: string;
  /** The canonical its references now point at. */
  canonical: string;
}

export type SkipCode =
  /** References of one srcset / <picture> pointing at different members of one group, or a member that is a variant by convention (groups/variants.ts): variants on purpose. */
  | 'variant'
  /** A CSS background without background-size would be drawn at another pixel size (sprite offsets break). */
  | 'pixel-size'
  /** The member's class is not among the classes asked for. */
  | 'class-not-selected'
  /** Not removed: an indexed reference to it is not rewritten by the plan. */
  | 'still-referenced'
  /** The index's reference does not match the file's current text (rescan). */
  | 'out-of-date'
  /** The source file cannot be read, or not written back byte for byte. */
  | 'unreadable'
  /** The rewritten text would not resolve to the canonical (checked by parsing the edited text). */
  | 'unresolved'
  /** Not removed: a file mentions its name in a way no rewritten reference accounts for (see unresolvedMentions). */
  | 'mentioned'
  /** The file is read-only, or belongs to another user: Doublon does not change it. */
  | 'permission'
  /** The file's real path (links resolved) is outside the roots. */
  | 'outside-roots';

export interface SkippedItem {
  code: SkipCode;
  /** Human sentence, paths relative to the plan's base: "still referenced by docs/x.md:12 (not rewritten)". */
  reason: string;
  /** The image (member) concerned, absolute. */
  image?: string;
  /** The source file concerned, absolute, and 0-based line of the reference. */
  source?: string;
  line?: number;
  groupId: string;
}

/** A mention of an image's file name that no rewritten reference accounts for: it blocks the image's removal. */
export interface UnresolvedMention {
  /** The file that mentions it (absolute). */
  path: string;
  /** 1-based. */
  line: number;
  column: number;
  /** The line's text around the mention. */
  text: string;
  /** The images it may name (absolute): none of them is removed. */
  images: string[];
}

export interface ReplacePlan {
  version: typeof PLAN_VERSION;
  /** Set by the daemon on the plans it issues: `doublon/replaceApply` applies only those. */
  id?: string;
  /** ISO time the plan was made. */
  createdAt: string;
  /** Folder messages and formatPlan show paths relative to (the first root). */
  base: string;
  classes: DuplicateClass[];
  groupId?: string;
  delete: boolean;
  /** Canonicals the edits point at, with their SHA-256: apply refuses if one changed or vanished. */
  canonicals: Array<{ path: string; sha256: string; groupId: string }>;
  /** Source files to edit, sorted by path. */
  files: PlannedFile[];
  /** Images to move to the trash (only with `delete`). */
  removals: PlannedRemoval[];
  bytesReclaimed: number;
  skipped: SkippedItem[];
  /** With `delete`: mentions (in any file under the roots) that kept an image from being removed. */
  unresolvedMentions: UnresolvedMention[];
}

/** A step of applyPlan, given to the test hook before it is done. */
export interface ApplyStep {
  kind: 'backup' | 'write' | 'move';
  /** The source file written or the image moved (absolute). */
  path: string;
  /** 0-based position among all steps of the apply. */
  index: number;
}

/**
 * The groups, references and roots as the index knows them now: the plan is vouched for against them
 * (vouchPlan) and every removal is checked against the references again.
 */
export interface ApplyOptions extends PlanInput {
  /** The index folder (`.doublon/`): journal/ and trash/ live there. */
  indexDir: string;
  /** Test seam: called before each step; a throw (or a change it makes on disk) makes the step fail. */
  beforeStep?: (step: ApplyStep) => void | Promise<void>;
}

export interface ApplyResult {
  /** Undefined when the plan had nothing to do (no journal written). */
  journalId?: string;
  journalPath?: string;
  /** Source files written (absolute). */
  filesWritten: string[];
  editsApplied: number;
  /** Images moved to the trash: where from, where to. */
  removed: Array<{ path: string; trashPath: string; bytes: number }>;
  bytesReclaimed: number;
}

export interface UndoOptions {
  indexDir: string;
  /** The roots: a journal naming a file outside them (links resolved) is refused. */
  roots: string[];
  /** Restore even if a file was changed after the apply (its current bytes are saved in the trash first). */
  force?: boolean;
}

export interface UndoResult {
  journalId: string;
  /** Source files given back their original bytes. */
  restored: string[];
  /** Images moved back from the trash. */
  movedBack: string[];
  /** Files that had changed after the apply and were overwritten because of `force`, with where their bytes were saved. */
  forced: Array<{ path: string; savedAs: string }>;
}

/** The journal of one apply (`<indexDir>/journal/<id>.json`). */
export interface Journal {
  version: typeof JOURNAL_VERSION;
  id: string;
  createdAt: string;
  /** applying: being written (a crash leaves it so); applied: undoable; undone; rolled-back: failed and restored. */
  state: 'applying' | 'applied' | 'undone' | 'rolled-back';
  /** The plan's base: messages show paths relative to it. */
  base: string;
  /** Folder of this apply's trash (absolute): originals of edited files, removed images. */
  trashDir: string;
  files: Array<{
    path: string;
    /** File mode (permission bits), owner and group at apply time: undo gives them back. */
    mode: number;
    uid?: number;
    gid?: number;
    originalSha256: string;
    /** Where the original bytes are kept (absolute). */
    backup: string;
    /** SHA-256 of the bytes written: undo refuses if the file no longer has them (unless force). */
    appliedSha256: string;
    edits: number;
  }>;
  moves: Array<{ from: string; to: string; sha256: string; bytes: number; mode: number; uid?: number; gid?: number }>;
  undoneAt?: string;
  error?: string;
}
