/**
 * The daemon's side of "a damaged index is rebuilt, never a crash": damage met after open (a page the check
 * at open did not reach, or data.mdb changed under the running daemon) is classified as the CLI does
 * (index/damage.ts); the stores are closed, the damaged one moved aside to `damaged-<time>/`, both opened
 * again (the damaged one empty), and the caller rescans from the files.
 */
import type { ResolvedConfig } from '../config/load';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { describeRecovery, type IndexRecovery } from '../index/integrity';
import { setDamagedStoreAside } from '../index/damage';
import { openStores } from '../refstore/open';
import type { ReferenceStore } from '../refstore/store';

export { damagedStoreOf } from '../index/damage';

/** How long closing a damaged environment may take: lmdb-js may wait forever for a commit it lost. */
const CLOSE_BOUND_MS = 3_000;

export interface ReopenedStores {
  store: IndexStore<Fingerprint>;
  refs: ReferenceStore;
  /** What the user is told (log, `doublon/status`): this damage, and any found when opening again. */
  notices: string[];
}

/** Thrown to the caller of a request whose task met damage, after the rebuild: the request is not retried. */
export class IndexRebuiltError extends Error {
  constructor(readonly notice: string) {
    super(`${notice}; try the request again`);
    this.name = 'IndexRebuiltError';
  }
}

async function closeWithin(close: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_BOUND_MS)));
  try {
    // A damaged environment may fail to flush: it is moved aside anyway, unsealed.
    await Promise.race([close().catch(() => undefined), bound]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes both stores, moves the damaged one aside and opens both again; the image clock carries over so
 * clients' clocks stay comparable. The other store keeps its contents.
 */
export async function reopenAfterDamage(
  config: ResolvedConfig,
  stores: { store: IndexStore<Fingerprint>; refs: ReferenceStore },
  which: IndexRecovery['store'],
  error: unknown,
): Promise<ReopenedStores> {
  const clock = stores.store.clock;
  await closeWithin(() => stores.refs.close());
  await closeWithin(() => stores.store.close());
  await closeWithin(() => stores.store.released());
  // Failures of the old environment's last commits are reported (unhandledRejection, index/store.ts) to the
  // stores open then: let them arrive before the new stores open.
  await new Promise((resolve) => setImmediate(resolve));
  const recovery = setDamagedStoreAside(config.indexDir, which, error, 'met by the running daemon');
  const { store, references: refs } = await openStores(config);
  store.raiseClock(clock);
  const notices = [recovery, store.recovery, refs.recovery].filter((r) => r !== undefined).map(describeRecovery);
  return { store, refs, notices };
}
