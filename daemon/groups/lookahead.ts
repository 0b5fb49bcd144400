/**
 * Verifications started before their turn. A newcomer's candidates are verified in order, and each verdict
 * may make a later one unneeded (the candidate joins the newcomer's component, or its component is refused),
 * so the order decides the graph. Yet a verification is mostly waiting: for a decode on libvips's threads,
 * then computing on this one. Starting the next candidate's verification while the current one runs keeps
 * both cores busy; the graph still takes the verdicts in order, and drops one whose candidate turned out not
 * to need it — the graph is the same as with one verification at a time, only sooner.
 */
export class Lookahead<V> {
  private readonly started = new Map<number, Promise<V>>();
  /** Started early, not taken, and still running. */
  private readonly running = new Set<number>();

  /** The verification of `id`: the one started early if there is one, else started now. */
  take(id: number, start: () => Promise<V>): Promise<V> {
    const early = this.started.get(id);
    this.started.delete(id);
    this.running.delete(id);
    return early ?? start();
  }

  /**
   * Starts the verification of `id`, unless it runs already or another one started early and not taken is
   * still running: one verification ahead of the current one at most. Its failure surfaces only if it is taken.
   */
  begin(id: number, start: () => Promise<V>): void {
    if (this.started.has(id) || this.running.size > 0) return;
    const pending = start();
    this.running.add(id);
    pending.catch(() => undefined).finally(() => this.running.delete(id));
    this.started.set(id, pending);
  }

  /** How many were started and never taken (work done for nothing). */
  get untaken(): number {
    return this.started.size;
  }

  /** Waits for the verifications nobody took, so that no decode outlives its newcomer. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.started.values());
    this.started.clear();
  }
}
