/**
 * Child process for the kill test: writes to an index without pause (puts, overwrites with another sha,
 * removes, error records, content clean-ups, clock) until it is killed. Prints "flushed <clock>" once a
 * known state is durable, then "batch <n>" after queuing each batch.
 *
 *   node writer.js <index dir> <seed>
 */
import { IndexStore } from '../../../daemon/index/store';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const seed = Number(process.argv[3] ?? 0);
  const store = IndexStore.open<{ n: number }>(dir, { schemaVersion: 1 });
  for (let batch = 1; ; batch++) {
    for (let i = 0; i < 400; i++) {
      const n = ((batch * 400 + i) * 7919 + seed * 104729) >>> 0;
      const file = `/k/${n % 11}/f${n % 3000}.png`;
      if (n % 13 === 0) {
        store.removeFile(file);
      } else if (n % 17 === 0) {
        store.putFile({ path: file, size: 1, mtimeMs: n, ino: n, error: 'EACCES: permission denied' });
      } else {
        const sha = `sha-${n % 700}`;
        store.putContent({ sha256: sha, bytes: n, fingerprint: { n } });
        store.putFile({ path: file, size: n, mtimeMs: n, ino: n, sha256: sha });
      }
    }
    store.advanceClock();
    if (batch % 25 === 0) store.removeUnusedContent();
    if (batch === 10) {
      await store.flushed();
      process.stdout.write(`flushed ${store.clock}\n`);
    }
    process.stdout.write(`batch ${batch}\n`);
    // A new event turn: lmdb-js commits on its write thread while this loop queues more.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
