/**
 * Bounded polling, the one way every test waits for something to happen (a daemon to answer, a file event
 * to be indexed, a page to render): no fixed sleeps, a deadline, and a message that says what never came.
 */

/**
 * Polls `probe` until it returns a value other than undefined/false, backing off from 10 ms to 200 ms, or
 * fails after `timeoutMs` naming `what` and the probe's last error (a probe that throws is polled again).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last =
        lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
