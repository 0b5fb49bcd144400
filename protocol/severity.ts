/**
 * The severity a client asks for per duplicate class (`doublon.severity.*` in the editor, the LSP
 * `initializationOptions`), parsed once for both sides: an unknown value, from an older or newer client,
 * falls back to the default instead of failing.
 */
import type { DuplicateClass } from './report';

export type SeverityName = 'error' | 'warning' | 'information' | 'hint' | 'off';
export const SEVERITY_NAMES: readonly SeverityName[] = ['error', 'warning', 'information', 'hint', 'off'];

export type Severities = Record<DuplicateClass, SeverityName>;
export const DEFAULT_SEVERITIES: Readonly<Severities> = { exact: 'warning', pixel: 'warning', near: 'information' };

/** One value: a known name, else the fallback. */
export function severityFrom(value: unknown, fallback: SeverityName): SeverityName {
  return typeof value === 'string' && (SEVERITY_NAMES as readonly string[]).includes(value) ? (value as SeverityName) : fallback;
}

/** A `{ exact, pixel, near }` object: each known name kept, anything else (or a missing object) the default. */
export function severitiesFrom(value: unknown): Severities {
  const given = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    exact: severityFrom(given.exact, DEFAULT_SEVERITIES.exact),
    pixel: severityFrom(given.pixel, DEFAULT_SEVERITIES.pixel),
    near: severityFrom(given.near, DEFAULT_SEVERITIES.near),
  };
}
