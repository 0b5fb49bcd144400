/** Disjoint sets over 0..n-1 with path halving and union by size. */
export class UnionFind {
  private readonly parent: Uint32Array;
  private readonly size: Uint32Array;

  constructor(n: number) {
    this.parent = new Uint32Array(n);
    this.size = new Uint32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    while (this.parent[x] !== x) {
      this.parent[x] = this.parent[this.parent[x]];
      x = this.parent[x];
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }

  /** The sets with two or more elements. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const root = this.find(i);
      let list = byRoot.get(root);
      if (!list) byRoot.set(root, (list = []));
      list.push(i);
    }
    return [...byRoot.values()].filter((g) => g.length > 1);
  }
}

/**
 * Disjoint sets over ids handed out as they come (0, 1, 2, …), for a structure that grows one element at a
 * time (the similarity graph's components). Sets are never split: after a removal they may be larger than
 * the true components, which is what their one use (skipping implied verifications) tolerates.
 */
export class GrowingUnionFind {
  private readonly parent: number[] = [];

  find(x: number): number {
    while (x < this.parent.length && this.parent[x] !== x) {
      this.parent[x] = this.parent[this.parent[x]];
      x = this.parent[x];
    }
    return x;
  }

  union(a: number, b: number): void {
    this.grow(Math.max(a, b));
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  private grow(to: number): void {
    for (let i = this.parent.length; i <= to; i++) this.parent.push(i);
  }
}
