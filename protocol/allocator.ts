/**
 * The C allocator's settings for Doublon's processes: glibc's malloc gives each thread that allocates its
 * own arena (up to 8 per core), and each keeps the memory freed in it. libvips decodes on libuv's and its
 * own threads, and the freed rasters stay behind in their arenas: at the peak of a cold scan of the photo
 * benchmark (350 MB RSS), anonymous memory and the brk heap were 280 MB, of which V8's heap 65 MB and
 * live buffers 90 MB: the rest was memory freed but kept.
 * Two arenas keep that in check (cold scan peak RSS, same minute: photo benchmark 327 → 253 MB, the 18F
 * site 339 → 252 MB; CPU time unchanged within the noise). glibc reads these only when a process
 * starts: they are set in the environment of the processes we start (the daemon), and the CLI starts itself
 * again with them for the commands that decode (daemon/cli/relaunch.ts). Other C libraries ignore them.
 * Node built-ins only (the extension imports this through discovery.ts).
 */

/** Added to a process's environment unless the user set them. */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** `env` with the allocator settings it lacks; undefined when it has them all (the user's own win). */
export function withAllocatorSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  const missing = Object.keys(ALLOCATOR_ENV).filter((name) => env[name] === undefined);
  if (missing.length === 0) return undefined;
  return { ...ALLOCATOR_ENV, ...env };
}
