/**
 * Loaded by mocha (`require` in .mocharc.json). When every test has run, mocha waits for the event loop to
 * empty before it exits. A handle some test forgot to close (a socket, a child process, a watcher) would then
 * hold a CI run until its time limit, silently. This watchdog names what is still open after a grace period,
 * so the leak can be found, and ends the run with mocha's own exit code (set from the test results).
 * A clean run never reaches it: its timer is unreferenced and the process exits first.
 */
const GRACE_MS = 15_000;

export function mochaGlobalTeardown(): void {
  const timer = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'Timeout');
    process.stderr.write(
      `\nexit-watchdog: the tests are done but the process is still held ${GRACE_MS / 1000} s later by: ` +
        `${open.join(', ') || '(nothing named)'}. A test left a handle open; exiting with mocha's result.\n`,
    );
    process.exit();
  }, GRACE_MS);
  timer.unref();
}
