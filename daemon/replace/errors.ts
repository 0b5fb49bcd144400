/** Typed errors of the replacement engine: the code says what happened, the message says which file and what to do. */

export type ReplaceErrorCode =
  /** A planned source file or image changed since the plan was made: plan again. */
  | 'stale'
  /** Something on disk contradicts the operation (an image to remove is referenced again, a file changed after the apply, a path is taken). */
  | 'conflict'
  /** No applied replacement left in the journal. */
  | 'nothing-to-undo'
  /** The plan or journal is malformed or of another version. */
  | 'invalid'
  /** An I/O step failed half-way; everything done so far was rolled back. */
  | 'failed'
  /** An I/O step failed and the roll-back failed too: the journal lists what to restore by hand. */
  | 'rollback-failed'
  /** No group with the id asked for. */
  | 'not-found'
  /** Another apply or undo holds the journal lock. */
  | 'busy'
  /** The plan names a path outside the roots (links resolved) or inside the index folder. */
  | 'outside-roots'
  /** The plan asks for something the index cannot vouch for (not an indexed reference, not a current copy, not issued). */
  | 'unvouched'
  /** A file to change is read-only or belongs to someone else. */
  | 'permission';

export class ReplaceError extends Error {
  constructor(
    readonly code: ReplaceErrorCode,
    message: string,
    /** The file concerned, when there is one (absolute). */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReplaceError';
  }
}
