/**
 * Long loops over every file must let requests in: awaiting a resolved promise does not (it is a
 * microtask), so every `every` iterations this returns a turn of the event loop to await.
 */
export function yielder(every = 500): () => Promise<void> | undefined {
  let count = 0;
  return () => (++count % every === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
}
