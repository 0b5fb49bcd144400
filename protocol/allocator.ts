/**
 * The memory allocators' settings for Doublon's processes, all read only when a process starts: they are
 * set in the environment of the processes we start (the daemon), and the CLI starts itself again with them
 * for the commands that decode (daemon/cli/relaunch.ts). A user's own value of each wins.
 *
 * - glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and each keeps the
 *   memory freed in it. libvips decodes on libuv's and its own threads, and the freed rasters stay behind in
 *   their arenas: at the peak of a cold scan of the photo benchmark (350 MB RSS), anonymous memory and the
 *   brk heap were 280 MB, of which V8's heap 65 MB and live buffers 90 MB: the rest was memory freed but
 *   kept. Two arenas kept that in check (cold scan peak RSS, same minute: photo benchmark 327 → 253 MB, the
 *   18F site 339 → 252 MB), one does better again: what one thread frees, the next decode on another reuses.
 *   Cold scans alternating two arenas and one, same build, same hour: opentelemetry.io 297–336 → 260–293 MB
 *   (8 runs each), longhorn.io 357–382 MB (5 runs) → 316–378 MB (7), the photo benchmark 257–279 → 253–262 MB
 *   (4 each), and a lower peak on 22 of the 25 labelled sites, one run each (bench/realworld-extra; the
 *   largest 362 → 301 MB). Wall time: otel median 29.2 → 29.5 s, photos 40.3–44.2 → 38.1–43.8 s but for one
 *   run of 51.0 s (and one of otel at 37.3 s), not seen again in 9 more. Other C libraries ignore the setting.
 * - glibc serves an allocation from the mmap threshold up with its own mapping, given back when freed, and
 *   below it from the heap, where freed memory stays. The threshold starts at 128 KB and rises to the size of
 *   each mapped block freed, up to 32 MB: after the first screenshot, the 16–32 MB rasters of 4K and 5K
 *   captures (a 2 880 × 1 750 decode, a 5K capture halved) were carved from the heap, and the holes they
 *   left kept the RSS up. A threshold fixed at 16 MB keeps them mapped (cold scans, same build, ABBA: 250
 *   directus/docs captures 436–451 → 343–354 MB, wall 35.5–37.5 → 39.3–39.8 s; cilium.io 311–332 →
 *   311–326 MB, 41.9–45.7 → 43.1–45.3 s; the photo benchmark, with decode-budget.ts's WebP copies too,
 *   283–289 → 258–266 MB, wall 46.3–46.5 → 42.9–45.6 s).
 * - V8 grows its young generation to 16 MB semi-spaces (about 48 MB committed) under a scan's allocation
 *   rate, where 4 MB ones serve as well: cold scan peak RSS, same minutes, photo benchmark 266 → 240 MB,
 *   the spinnaker docs site 304–319 → 260–276 MB, 1 500 Papirus icons 145 → 117 MB; wall and CPU time
 *   within the noise. 2 MB saved little more on the docs sites.
 *
 * Node built-ins only (the extension imports this through discovery.ts).
 */

/** glibc's settings, added to a process's environment unless the user set them. */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: String(16 << 20) };

/** V8's setting, added to NODE_OPTIONS unless the user's NODE_OPTIONS sets it. */
export const YOUNG_GENERATION_OPTION = '--max-semi-space-size=4';

const setsYoungGeneration = (nodeOptions: string | undefined): boolean => /(^|\s)--max-semi-space-size\b/.test(nodeOptions ?? '');

/** `env` with the settings it lacks; undefined when it has them all. */
export function withAllocatorSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  const missing = Object.keys(ALLOCATOR_ENV).filter((name) => env[name] === undefined);
  const youngGeneration = setsYoungGeneration(env.NODE_OPTIONS);
  if (missing.length === 0 && youngGeneration) return undefined;
  const settled: NodeJS.ProcessEnv = { ...ALLOCATOR_ENV, ...env };
  if (!youngGeneration)
    settled.NODE_OPTIONS = env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${YOUNG_GENERATION_OPTION}` : YOUNG_GENERATION_OPTION;
  return settled;
}
