/**
 * Parameter checks for the `doublon/*` methods. A client is untrusted even with the token: every value is
 * checked before use, and InvalidParams names the parameter, what was expected and what was received.
 */
import { RpcError, RpcErrorCodes } from '../../protocol/errors';

/**
 * What a client sent for a method whose parameters are `P`: the declared names, each of unknown type until
 * checked (a misspelt name is a compile error; an unchecked value cannot be used as its declared type).
 */
export type Untrusted<P> = P extends object ? { readonly [K in keyof P]?: unknown } : Readonly<Record<string, unknown>>;

export function invalid(name: string, expected: string, value: unknown): RpcError {
  return new RpcError(
    RpcErrorCodes.InvalidParams,
    `${name}: expected ${expected}, received ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
  );
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(name, 'a non-empty string', value);
  return value;
}

export function requireStringArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw invalid(name, 'an array of strings', value);
  return value as string[];
}

export function optionalStringArray(value: unknown, name: string): string[] | undefined {
  return value === undefined ? undefined : requireStringArray(value, name);
}

export function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(name, `an integer from ${min} to ${max}`, value);
  return value;
}
