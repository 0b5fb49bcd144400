/**
 * The HTTP transport's gatekeeping, kept apart so it can be read (and tested) on its own: the bearer token,
 * compared in constant time, and the Host and Origin checks that stop DNS rebinding and cross-site requests.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh token for daemon.json: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * True when `presented` equals `expected`, in time independent of where they differ and of their lengths
 * (both are hashed first, so timingSafeEqual always compares 32 bytes).
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization);
  return match === null ? undefined : match[1];
}

/** The Host header values a loopback server on `port` accepts: anything else may be DNS rebinding. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).has(host.toLowerCase());
}

/** No Origin (CLI, curl, the extension host) or our own origin (the dashboard page); nothing else. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const lower = origin.toLowerCase();
  return lower === `http://127.0.0.1:${port}` || lower === `http://localhost:${port}` || lower === `http://[::1]:${port}`;
}
